"""The Telegram Mini App: the speakers, the roundtable, the initiative and the news as a page inside Telegram,
served by the bot's own aiohttp server (README, "The Mini App")."""
