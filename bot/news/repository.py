"""News items, their audit log, and the `Newsroom` facade over items and their outbox (`outbox.py`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.news.outbox import OutboxRepository
from bot.store.db import Database
from bot.store.users import utcnow

NEWS_LOCALES: tuple[str, ...] = ("ru", "en", "zh")


@dataclass(frozen=True)
class NewsDraft:
    """What an admin wrote: HTML text in every language, and optionally a plain-text title in each."""

    texts: dict[str, str]
    titles: dict[str, str] | None = None


@dataclass(frozen=True)
class NewsItem:
    id: int
    texts: dict[str, str]
    titles: dict[str, str] | None
    created_at: dt.datetime
    author_id: int | None

    @property
    def draft(self) -> NewsDraft:
        return NewsDraft(texts=self.texts, titles=self.titles)


@dataclass(frozen=True)
class PostResult:
    item_id: int
    created: bool
    recipients: int


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log: who did what to which item, and when."""

    item_id: int
    action: str  # posted, edited, retracted, scheduled, cancelled
    actor: str  # telegram:<user id>, shell:<user name>, content
    at: dt.datetime
    detail: str | None


def _parse_time(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _item(row: Any) -> NewsItem:
    titles = None
    if row["title_ru"] is not None:
        titles = {loc: row[f"title_{loc}"] for loc in NEWS_LOCALES}
    return NewsItem(
        id=row["id"],
        texts={loc: row[f"text_{loc}"] for loc in NEWS_LOCALES},
        titles=titles,
        created_at=_parse_time(row["created_at"]),
        author_id=row["author_id"],
    )


class NewsRepository:
    """News items, newest first, and the audit of who posted each."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def post(
        self,
        draft: NewsDraft,
        *,
        actor: str,
        author_id: int | None = None,
        key: str | None = None,
        progress: tuple[int, int, str] | None = None,
    ) -> PostResult:
        """Store the item and queue one delivery per current subscriber, in one transaction.

        `key` makes a repeated post (a confirm button pressed twice) store nothing new; `progress` is the
        (chat, message, locale) of the admin's message the broadcaster keeps up to date.
        """
        titles = draft.titles or {}
        chat_id, message_id, locale = progress or (None, None, None)
        async with self.db.transaction() as conn:
            if key is not None:
                async with conn.execute("SELECT id FROM news_item WHERE post_key = ?", (key,)) as cur:
                    row = await cur.fetchone()
                if row is not None:
                    async with conn.execute(
                        "SELECT count(*) FROM delivery WHERE item_id = ?", (row[0],)
                    ) as cur:
                        count = await cur.fetchone()
                    recipients = int(count[0]) if count else 0
                    return PostResult(item_id=int(row[0]), created=False, recipients=recipients)
            cur = await conn.execute(
                "INSERT INTO news_item (text_ru, text_en, text_zh, title_ru, title_en, title_zh, author_id, "
                "post_key, created_at, progress_chat_id, progress_message_id, progress_locale) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *(draft.texts[loc] for loc in NEWS_LOCALES),
                    *(titles.get(loc) for loc in NEWS_LOCALES),
                    author_id,
                    key,
                    utcnow(),
                    chat_id,
                    message_id,
                    locale,
                ),
            )
            item_id = int(cur.lastrowid or 0)
            await conn.execute(
                "INSERT INTO news_audit (item_id, action, actor, at) VALUES (?, 'posted', ?, ?)",
                (item_id, actor, utcnow()),
            )
            cur = await conn.execute(
                "INSERT INTO delivery (item_id, user_id, updated_at) "
                "SELECT ?, user_id, ? FROM subscription ORDER BY user_id",
                (item_id, utcnow()),
            )
            recipients = cur.rowcount
        return PostResult(item_id=item_id, created=True, recipients=recipients)

    async def seed(self, draft: NewsDraft, *, key: str, created: dt.date) -> bool:
        """An archive item (reviewed content): stored once per `key`, dated `created`, already finished and
        with no deliveries — nobody is sent it. False when it was already there."""
        titles = draft.titles or {}
        at = f"{created.isoformat()}T00:00:00Z"
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT 1 FROM news_item WHERE post_key = ?", (key,)) as cur:
                if await cur.fetchone() is not None:
                    return False
            cur = await conn.execute(
                "INSERT INTO news_item (text_ru, text_en, text_zh, title_ru, title_en, title_zh, post_key, "
                "created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *(draft.texts[loc] for loc in NEWS_LOCALES),
                    *(titles.get(loc) for loc in NEWS_LOCALES),
                    key,
                    at,
                    utcnow(),
                ),
            )
            await conn.execute(
                "INSERT INTO news_audit (item_id, action, actor, at, detail) "
                "VALUES (?, 'seeded', 'content', ?, ?)",
                (int(cur.lastrowid or 0), utcnow(), key),
            )
        return True

    async def get(self, item_id: int) -> NewsItem | None:
        async with self.db.read("SELECT * FROM news_item WHERE id = ?", (item_id,)) as cur:
            row = await cur.fetchone()
        return _item(row) if row else None

    async def latest(self, offset: int = 0) -> NewsItem | None:
        """The item at `offset` counting from the newest (0) by date: archive items sit among posted ones."""
        async with self.db.read(
            "SELECT * FROM news_item ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?", (max(offset, 0),)
        ) as cur:
            row = await cur.fetchone()
        return _item(row) if row else None

    async def count(self) -> int:
        async with self.db.read("SELECT count(*) FROM news_item") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def record(self, item_id: int, action: str, actor: str, detail: str | None = None) -> None:
        """An audit line for an action that is not `post()` (which records its own, in its transaction)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO news_audit (item_id, action, actor, at, detail) VALUES (?, ?, ?, ?, ?)",
                (item_id, action, actor, utcnow(), detail),
            )

    async def audit_log(self, limit: int = 20) -> list[AuditEntry]:
        """The latest audit lines, newest first."""
        async with self.db.read(
            "SELECT item_id, action, actor, at, detail FROM news_audit ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            rows = await cur.fetchall()
        return [
            AuditEntry(item_id=row[0], action=row[1], actor=row[2], at=_parse_time(row[3]), detail=row[4])
            for row in rows
        ]

    async def audit(self, item_id: int) -> list[tuple[str, str]]:
        """(action, actor) rows for one item, oldest first."""
        async with self.db.read(
            "SELECT action, actor FROM news_audit WHERE item_id = ? ORDER BY id", (item_id,)
        ) as cur:
            rows = await cur.fetchall()
        return [(row[0], row[1]) for row in rows]


class Newsroom:
    """The facade handlers and the broadcaster receive for news: the items and their outbox."""

    def __init__(self, db: Database, *, outbox: OutboxRepository | None = None) -> None:
        """`outbox`: another outbox over the same database (a test's, that observes or fails its writes)."""
        self.items = NewsRepository(db)
        self.outbox = outbox or OutboxRepository(db)
