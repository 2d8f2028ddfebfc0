"""What the bot sends: news items, the outbox, the broadcaster, the subscriber and admin handlers, the
news file format. May use the catalog's menu buttons; the catalog never imports news."""
