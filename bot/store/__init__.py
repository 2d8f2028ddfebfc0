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
        self.subscriptions = SubscriptionRepository(db)
        self.users = UserRepository(db, subscriptions=self.subscriptions)

    @classmethod
    async def open(cls, path: Path) -> Store:
        store = cls(await Database.open(path))
        try:
            await store.subscriptions.watch()
        except BaseException:
            await store.db.close()
            raise
        return store

    async def close(self) -> None:
        """Write the users still waiting to be written, then close the database."""
        try:
            await self.users.close()
        finally:
            await self.db.close()
