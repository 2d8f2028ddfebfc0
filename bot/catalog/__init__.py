"""What the bot knows: the content (schema, loading, the SQLite content tables), search, cards, screens,
keyboards, the bot's profile, and the chat and inline handlers that show them."""
