"""News items (`news_item`), each action on one noted in the audit log (`audit.py`), and the `Newsroom`
facade over items, their outbox (`outbox.py`) and the change outbox (`changes.py`). The values are in
`models.py`; each table's SQL lives with its repository, so a transaction here that also queues deliveries
or changes calls theirs."""

from __future__ import annotations

import datetime as dt

from bot.news import audit, changes, outbox
from bot.news.audit import AuditLog
from bot.news.changes import ChangeRepository
from bot.news.models import (
    MEDIA_KINDS,
    NEWS_LOCALES,
    AuditEntry,
    Media,
    NewsDraft,
    NewsItem,
    PostResult,
    item_from_row,
    parse_time,
    stamp,
)
from bot.news.outbox import OutboxRepository
from bot.store.db import Database
from bot.store.users import utcnow

ARCHIVE_TIME = "12:00:00Z"  # an archive item's time of day (UTC)

# The values live in `models.py`; handlers have long imported them from here.
__all__ = [
    "MEDIA_KINDS",
    "NEWS_LOCALES",
    "AuditEntry",
    "Media",
    "NewsDraft",
    "NewsItem",
    "NewsRepository",
    "Newsroom",
    "PostResult",
    "stamp",
]


class NewsRepository:
    """News items, newest first, and the audit of who posted each."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.log = AuditLog(db)
        # Item -> its latest revision stored by this process (an edit or a retraction): the broadcaster
        # looks here before each send, so a copy claimed before the change and not sent yet is rendered
        # again (or not sent). A change made by another process (the shell) is caught when the copy is
        # recorded (`changes.queue_stale`).
        self._revisions: dict[int, int] = {}

    def known_revision(self, item_id: int) -> int | None:
        """The item's latest revision this process stored, if it stored one."""
        return self._revisions.get(item_id)

    async def post(
        self,
        draft: NewsDraft,
        *,
        actor: str,
        author_id: int | None = None,
        key: str | None = None,
        progress: tuple[int, int, str] | None = None,
        send_at: dt.datetime | None = None,
    ) -> PostResult:
        """Store the item and queue one delivery per current subscriber, in one transaction; or, with
        `send_at`, store it scheduled: `release_due` queues its deliveries when that moment comes.

        `key` makes a repeated post (a confirm button pressed twice) store nothing new; `progress` is the
        (chat, message, locale) of the admin's message the broadcaster keeps up to date.
        """
        titles = draft.titles or {}
        media = draft.media
        chat_id, message_id, locale = progress or (None, None, None)
        now = utcnow()
        async with self.db.transaction() as conn:
            if key is not None:
                async with conn.execute("SELECT id FROM news_item WHERE post_key = ?", (key,)) as cur:
                    row = await cur.fetchone()
                if row is not None:
                    recipients = await outbox.count_queued(conn, int(row[0]))
                    return PostResult(item_id=int(row[0]), created=False, recipients=recipients)
            cur = await conn.execute(
                "INSERT INTO news_item (text_ru, text_en, text_zh, title_ru, title_en, title_zh, author_id, "
                "post_key, created_at, progress_chat_id, progress_message_id, progress_locale, send_at, "
                "released_at, finished_at, media_kind, media_file_id, media_path) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *(draft.texts[loc] for loc in NEWS_LOCALES),
                    *(titles.get(loc) for loc in NEWS_LOCALES),
                    author_id,
                    key,
                    now,
                    chat_id,
                    message_id,
                    locale,
                    None if send_at is None else stamp(send_at),
                    now if send_at is None else None,
                    # A scheduled item has no progress to report until it is released (which clears this).
                    None if send_at is None else now,
                    media.kind if media else None,
                    media.file_id if media else None,
                    media.path if media else None,
                ),
            )
            item_id = int(cur.lastrowid or 0)
            if send_at is not None:
                await audit.note(conn, item_id, "scheduled", actor, stamp(send_at))
                return PostResult(item_id=item_id, created=True, recipients=0)
            await audit.note(conn, item_id, "posted", actor)
            recipients = await outbox.queue_all(conn, item_id)
        return PostResult(item_id=item_id, created=True, recipients=recipients)

    async def release_due(self, now: dt.datetime) -> list[PostResult]:
        """Queue the deliveries of every scheduled item whose time has come (also one whose time passed while
        the bot was down): each in one transaction, so it goes out once. The item is dated now, when it goes
        out; an item nobody is subscribed to is finished at once."""
        async with self.db.read(
            "SELECT id FROM news_item WHERE released_at IS NULL AND cancelled_at IS NULL AND send_at <= ? "
            "ORDER BY send_at, id",
            (stamp(now),),
        ) as cur:
            due = [int(row[0]) for row in await cur.fetchall()]
        released = []
        for item_id in due:
            async with self.db.transaction() as conn:
                cur = await conn.execute(
                    "UPDATE news_item SET released_at = ?, created_at = ?, finished_at = NULL "
                    "WHERE id = ? AND released_at IS NULL AND cancelled_at IS NULL",
                    (utcnow(), utcnow(), item_id),
                )
                if cur.rowcount != 1:
                    continue  # cancelled or released meanwhile
                recipients = await outbox.queue_all(conn, item_id)
                if recipients == 0:
                    await conn.execute(
                        "UPDATE news_item SET finished_at = ? WHERE id = ?", (utcnow(), item_id)
                    )
                await audit.note(conn, item_id, "released", "schedule", str(recipients))
            released.append(PostResult(item_id=item_id, created=True, recipients=recipients))
        return released

    async def next_release_at(self) -> dt.datetime | None:
        """When the earliest scheduled item is due (None: nothing is scheduled)."""
        async with self.db.read(
            "SELECT min(send_at) FROM news_item WHERE released_at IS NULL AND cancelled_at IS NULL"
        ) as cur:
            row = await cur.fetchone()
        return parse_time(row[0]) if row and row[0] is not None else None

    async def scheduled(self) -> list[NewsItem]:
        """Items waiting for their time, soonest first."""
        async with self.db.read(
            "SELECT * FROM news_item WHERE released_at IS NULL AND cancelled_at IS NULL ORDER BY send_at, id"
        ) as cur:
            return [item_from_row(row) for row in await cur.fetchall()]

    async def cancel(self, item_id: int, *, actor: str) -> bool:
        """Cancel a scheduled item that has not started; False when it is not waiting any more."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE news_item SET cancelled_at = ?, finished_at = ? "
                "WHERE id = ? AND released_at IS NULL AND cancelled_at IS NULL",
                (utcnow(), utcnow(), item_id),
            )
            if cur.rowcount != 1:
                return False
            await audit.note(conn, item_id, "cancelled", actor)
        return True

    async def set_media_file_id(self, item_id: int, file_id: str) -> None:
        """Telegram's id of the item's uploaded file: every later copy reuses it (no second upload)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE news_item SET media_file_id = ? WHERE id = ? AND media_file_id IS NULL",
                (file_id, item_id),
            )

    async def edit(
        self,
        item_id: int,
        texts: dict[str, str],
        *,
        titles: dict[str, str] | None = None,
        actor: str,
        progress: tuple[int, int, str] | None = None,
    ) -> int | None:
        """New text (and/or title) in some languages: stored as the item's next revision, and every copy
        delivered in those languages queued to be edited in place, in one transaction; a copy still in flight
        is queued when it is recorded, if it was rendered from an older revision. A language missing from
        `texts` or `titles` keeps its text or title. Returns how many copies are queued now; None when the
        item does not exist or was retracted. `progress`: the admin's message to edit into the result.

        An item posted without a title gets one only in all three languages (`ValueError` otherwise)."""
        titles = titles or {}
        locales = [loc for loc in NEWS_LOCALES if loc in texts or loc in titles]
        if not locales:
            return 0
        chat_id, message_id, locale = progress or (None, None, None)
        async with self.db.transaction() as conn:
            if titles and len(titles) < len(NEWS_LOCALES):
                async with conn.execute("SELECT title_ru FROM news_item WHERE id = ?", (item_id,)) as cur:
                    row = await cur.fetchone()
                if row is not None and row[0] is None:
                    raise ValueError("an item without a title gets one in every language at once")
            new = [texts.get(loc) for loc in NEWS_LOCALES]  # None: that language is unchanged
            new_titles = [titles.get(loc) for loc in NEWS_LOCALES]
            revised = [loc in locales for loc in NEWS_LOCALES]
            async with conn.execute(
                "UPDATE news_item SET text_ru = coalesce(?, text_ru), text_en = coalesce(?, text_en), "
                "text_zh = coalesce(?, text_zh), title_ru = coalesce(?, title_ru), "
                "title_en = coalesce(?, title_en), title_zh = coalesce(?, title_zh), edited_at = ?, "
                "revision = revision + 1, revised_ru = CASE WHEN ? THEN revision + 1 ELSE revised_ru END, "
                "revised_en = CASE WHEN ? THEN revision + 1 ELSE revised_en END, "
                "revised_zh = CASE WHEN ? THEN revision + 1 ELSE revised_zh END, "
                "change_chat_id = ?, change_message_id = ?, change_locale = ?, change_reported_at = NULL "
                "WHERE id = ? AND retracted_at IS NULL RETURNING revision",
                (*new, *new_titles, utcnow(), *revised, chat_id, message_id, locale, item_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            revision = int(row[0])
            queued = await changes.queue_edits(conn, item_id, locales, revision)
            await audit.note(conn, item_id, "edited", actor, f"{' '.join(locales)};{queued}")
        self._revisions[item_id] = revision
        return queued

    async def retract(
        self, item_id: int, *, actor: str, progress: tuple[int, int, str] | None = None
    ) -> int | None:
        """Withdraw an item (its next revision): /news stops listing it, deliveries not yet made are dropped,
        and every copy delivered (one in flight: once it is recorded) is queued to be deleted or, past
        Telegram's 48 hours, edited into a "withdrawn" note; one transaction. Returns how many copies are
        queued now; None when the item does not exist or was already retracted. A scheduled item is cancelled
        instead (see `cancel`)."""
        chat_id, message_id, locale = progress or (None, None, None)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "UPDATE news_item SET retracted_at = ?, revision = revision + 1, change_chat_id = ?, "
                "change_message_id = ?, change_locale = ?, change_reported_at = NULL "
                "WHERE id = ? AND retracted_at IS NULL AND released_at IS NOT NULL RETURNING revision",
                (utcnow(), chat_id, message_id, locale, item_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            revision = int(row[0])
            await outbox.drop_pending(conn, item_id, "retracted before delivery")
            queued = await changes.queue_retractions(conn, item_id)
            await conn.execute(
                "UPDATE news_item SET finished_at = coalesce(finished_at, ?) WHERE id = ?",
                (utcnow(), item_id),
            )
            await audit.note(conn, item_id, "retracted", actor, str(queued))
        self._revisions[item_id] = revision
        return queued

    async def seed(self, draft: NewsDraft, *, key: str, created: dt.date) -> bool:
        """An archive item (reviewed content): stored once per `key`, dated `created`, already finished and
        with no deliveries — nobody is sent it. False when it was already there.

        It is stored at noon UTC of that day, so the day shown in `TIMEZONE` is `created` from UTC−12 to
        UTC+11 (midnight UTC showed the day before everywhere west of UTC)."""
        titles = draft.titles or {}
        at = f"{created.isoformat()}T{ARCHIVE_TIME}"
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT 1 FROM news_item WHERE post_key = ?", (key,)) as cur:
                if await cur.fetchone() is not None:
                    return False
            cur = await conn.execute(
                "INSERT INTO news_item (text_ru, text_en, text_zh, title_ru, title_en, title_zh, post_key, "
                "created_at, released_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *(draft.texts[loc] for loc in NEWS_LOCALES),
                    *(titles.get(loc) for loc in NEWS_LOCALES),
                    key,
                    at,
                    at,
                    utcnow(),
                ),
            )
            await audit.note(conn, int(cur.lastrowid or 0), "seeded", "content", key)
        return True

    async def get(self, item_id: int) -> NewsItem | None:
        async with self.db.read("SELECT * FROM news_item WHERE id = ?", (item_id,)) as cur:
            row = await cur.fetchone()
        return item_from_row(row) if row else None

    async def latest(self, offset: int = 0) -> NewsItem | None:
        """The item /news shows at `offset` counting from the newest (0) by date: archive items sit among
        posted ones; scheduled and retracted items are not listed."""
        async with self.db.read(
            "SELECT * FROM news_item WHERE released_at IS NOT NULL AND retracted_at IS NULL "
            "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?",
            (max(offset, 0),),
        ) as cur:
            row = await cur.fetchone()
        return item_from_row(row) if row else None

    async def count(self) -> int:
        """Items /news lists (sent or archived, not retracted)."""
        async with self.db.read(
            "SELECT count(*) FROM news_item WHERE released_at IS NOT NULL AND retracted_at IS NULL"
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # The audit log is `audit.py`'s; handlers have long asked the items for it.
    async def record(self, item_id: int, action: str, actor: str, detail: str | None = None) -> None:
        """An audit line for an action that is not `post()` (which records its own, in its transaction)."""
        await self.log.record(item_id, action, actor, detail)

    async def audit_log(self, limit: int = 20) -> list[AuditEntry]:
        """The latest audit lines, newest first."""
        return await self.log.latest(limit)

    async def audit(self, item_id: int) -> list[tuple[str, str]]:
        """(action, actor) rows for one item, oldest first."""
        return await self.log.of_item(item_id)


class Newsroom:
    """The facade handlers and the broadcaster receive for news: the items and their outbox."""

    def __init__(self, db: Database, *, outbox: OutboxRepository | None = None) -> None:
        """`outbox`: another outbox over the same database (a test's, that observes or fails its writes)."""
        self.items = NewsRepository(db)
        self.outbox = outbox or OutboxRepository(db)
        self.changes = ChangeRepository(db)
