"""Who the bot knows: users (the language each chose) and who subscribed to the news.

These rows belong to people, not to any feature: content reloads and news never rewrite them.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from bot.store.db import Database

# Users whose (language, locale) is remembered, least recently seen dropped first: at ~200 bytes each, 100,000
# cost ~20 MB however many people the bot has ever met; someone dropped costs one write on their next update.
USER_CACHE_SIZE = 100_000


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class UserRepository:
    """Users the bot has seen and the language each chose; a small cache keeps updates free of writes."""

    def __init__(self, db: Database, cache_size: int = USER_CACHE_SIZE) -> None:
        self.db = db
        self.cache_size = cache_size
        self._cache: OrderedDict[int, tuple[str | None, str | None]] = OrderedDict()

    def _remember(self, user_id: int, entry: tuple[str | None, str | None]) -> None:
        self._cache[user_id] = entry
        self._cache.move_to_end(user_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def touch(self, user_id: int, language_code: str | None) -> str | None:
        """Record the user (first sight or a changed Telegram language); return the stored locale choice."""
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] == language_code:
            self._cache.move_to_end(user_id)
            return cached[1]
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO user (id, language_code) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET language_code = excluded.language_code, "
                "last_seen = excluded.last_seen",
                (user_id, language_code),
            )
            async with conn.execute("SELECT locale FROM user WHERE id = ?", (user_id,)) as cur:
                row = await cur.fetchone()
        locale = row[0] if row else None
        self._remember(user_id, (language_code, locale))
        return locale

    async def get_locale(self, user_id: int) -> str | None:
        async with self.db.read("SELECT locale FROM user WHERE id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def set_locale(self, user_id: int, locale: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO user (id, locale) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET locale = excluded.locale",
                (user_id, locale),
            )
        cached = self._cache.get(user_id)
        self._remember(user_id, (cached[0] if cached else None, locale))

    async def forget(self, user_id: int) -> None:
        """Delete the user's row and their subscription (idempotent). Rows a feature keeps about them (the
        news outbox) are that feature's to delete; the next update from them records them afresh."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM subscription WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM user WHERE id = ?", (user_id,))
        self._cache.pop(user_id, None)

    async def count(self) -> int:
        async with self.db.read("SELECT count(*) FROM user") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0


class SubscriptionRepository:
    """Who wants news about the initiative; survives restarts and content reloads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def subscribe(self, user_id: int) -> bool:
        """Subscribe; True when the user was not subscribed before."""
        async with self.db.transaction() as conn:
            await conn.execute("INSERT INTO user (id) VALUES (?) ON CONFLICT DO NOTHING", (user_id,))
            cur = await conn.execute(
                "INSERT INTO subscription (user_id) VALUES (?) ON CONFLICT DO NOTHING", (user_id,)
            )
            return cur.rowcount > 0

    async def unsubscribe(self, user_id: int) -> bool:
        """Unsubscribe; True when the user was subscribed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM subscription WHERE user_id = ?", (user_id,))
            return cur.rowcount > 0

    async def is_subscribed(self, user_id: int) -> bool:
        async with self.db.read("SELECT 1 FROM subscription WHERE user_id = ?", (user_id,)) as cur:
            return await cur.fetchone() is not None

    async def count(self) -> int:
        async with self.db.read("SELECT count(*) FROM subscription") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0
