"""roundtable-bot: a Telegram bot about the 2022 Asia Roundtable Summit on Green Low-carbon Development.

The layers, from the bottom (see docs/architecture.md): `core` and `store` know no feature; the features
`catalog` (what the bot knows) and `news` (what it sends) sit on them; `runtime` wires them into a running
bot; `console` runs that bot in a terminal; `cli` picks the mode.
"""
