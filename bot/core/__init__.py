"""What every feature shares and no feature owns: configuration, i18n (catalogs, the locale choice),
retries, Telegram's rules, callback data. Imports no other package of the bot."""
