"""The audit log (`news_audit`): who posted, edited, retracted, scheduled or cancelled which item, and when.
An action on an item notes its line in the action's own transaction (`note`)."""

from __future__ import annotations

from typing import Any

from bot.news.models import AuditEntry, parse_time
from bot.store.db import Database
from bot.store.users import utcnow


async def note(conn: Any, item_id: int, action: str, actor: str, detail: str | None = None) -> None:
    """One line, inside the caller's transaction (see `AuditEntry` for `detail`)."""
    await conn.execute(
        "INSERT INTO news_audit (item_id, action, actor, at, detail) VALUES (?, ?, ?, ?, ?)",
        (item_id, action, actor, utcnow(), detail),
    )


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, item_id: int, action: str, actor: str, detail: str | None = None) -> None:
        """A line for an action that has no transaction of its own (retry-failed, say)."""
        async with self.db.transaction() as conn:
            await note(conn, item_id, action, actor, detail)

    async def latest(self, limit: int = 20) -> list[AuditEntry]:
        """The latest lines, newest first."""
        async with self.db.read(
            "SELECT item_id, action, actor, at, detail FROM news_audit ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            rows = await cur.fetchall()
        return [
            AuditEntry(item_id=row[0], action=row[1], actor=row[2], at=parse_time(row[3]), detail=row[4])
            for row in rows
        ]

    async def of_item(self, item_id: int) -> list[tuple[str, str]]:
        """(action, actor) lines of one item, oldest first."""
        async with self.db.read(
            "SELECT action, actor FROM news_audit WHERE item_id = ? ORDER BY id", (item_id,)
        ) as cur:
            rows = await cur.fetchall()
        return [(row[0], row[1]) for row in rows]
