"""News handlers: subscribers (/subscribe, /unsubscribe, /news) and admins (/post, /stats, /cancel)."""
