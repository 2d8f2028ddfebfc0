"""The SQLite store: one `Database` (connection, migrations) and the people in it (users, subscriptions).

It knows no feature: the catalog and the news keep their own repositories over the same `Database`.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.db import Database, StoreError
from bot.store.users import SubscriptionRepository, UserRepository

__all__ = ["Database", "Store", "StoreError"]


class Store:
    """The facade handlers receive for people: who the bot knows and who wants the news."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.users = UserRepository(db)
        self.subscriptions = SubscriptionRepository(db)

    @classmethod
    async def open(cls, path: Path) -> Store:
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self.db.close()
