"""The languages the bot speaks, in a module of their own: configuration and content load without aiogram."""

# Every interface string and every content field exists in each.
LOCALES: tuple[str, ...] = ("ru", "en", "zh")
