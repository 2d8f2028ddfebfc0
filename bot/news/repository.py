"""News items, their audit log, and the `Newsroom` facade over items and their outbox (`outbox.py`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.news.changes import ChangeRepository
from bot.news.outbox import OutboxRepository
from bot.store.db import Database
from bot.store.users import utcnow

NEWS_LOCALES: tuple[str, ...] = ("ru", "en", "zh")


MEDIA_KINDS: tuple[str, ...] = ("photo", "document")


@dataclass(frozen=True)
class Media:
    """One photo or document shared by an item's languages (each text is then its caption): Telegram's
    `file_id` once known, else a local `path` the broadcaster uploads once."""

    kind: str  # photo, document
    file_id: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class NewsDraft:
    """What an admin wrote: HTML text in every language, optionally a plain-text title in each, and
    optionally one photo or document."""

    texts: dict[str, str]
    titles: dict[str, str] | None = None
    media: Media | None = None


@dataclass(frozen=True)
class NewsItem:
    id: int
    texts: dict[str, str]
    titles: dict[str, str] | None
    created_at: dt.datetime
    author_id: int | None
    media: Media | None = None
    send_at: dt.datetime | None = None  # scheduled for (None: sent when posted)
    released_at: dt.datetime | None = None  # its deliveries were queued (None: still scheduled)
    cancelled_at: dt.datetime | None = None
    edited_at: dt.datetime | None = None
    retracted_at: dt.datetime | None = None

    @property
    def draft(self) -> NewsDraft:
        return NewsDraft(texts=self.texts, titles=self.titles, media=self.media)

    @property
    def scheduled(self) -> bool:
        """Waiting for its time: neither sent nor cancelled."""
        return self.released_at is None and self.cancelled_at is None


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
    detail: str | None  # by action: scheduled "<UTC time>", edited "<locales>;<copies>", retracted,
    # released and retry-failed "<count>", seeded "<content key>" (`news.items.audit_detail` words it)


TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _parse_time(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=dt.UTC)


def _maybe_time(value: str | None) -> dt.datetime | None:
    return None if value is None else _parse_time(value)


def stamp(moment: dt.datetime) -> str:
    """A moment as stored (UTC, seconds)."""
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def _item(row: Any) -> NewsItem:
    titles = None
    if row["title_ru"] is not None:
        titles = {loc: row[f"title_{loc}"] for loc in NEWS_LOCALES}
    media = None
    if row["media_kind"] is not None:
        media = Media(kind=row["media_kind"], file_id=row["media_file_id"], path=row["media_path"])
    return NewsItem(
        id=row["id"],
        texts={loc: row[f"text_{loc}"] for loc in NEWS_LOCALES},
        titles=titles,
        created_at=_parse_time(row["created_at"]),
        author_id=row["author_id"],
        media=media,
        send_at=_maybe_time(row["send_at"]),
        released_at=_maybe_time(row["released_at"]),
        cancelled_at=_maybe_time(row["cancelled_at"]),
        edited_at=_maybe_time(row["edited_at"]),
        retracted_at=_maybe_time(row["retracted_at"]),
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
                    async with conn.execute(
                        "SELECT count(*) FROM delivery WHERE item_id = ?", (row[0],)
                    ) as cur:
                        count = await cur.fetchone()
                    recipients = int(count[0]) if count else 0
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
                await conn.execute(
                    "INSERT INTO news_audit (item_id, action, actor, at, detail) "
                    "VALUES (?, 'scheduled', ?, ?, ?)",
                    (item_id, actor, now, stamp(send_at)),
                )
                return PostResult(item_id=item_id, created=True, recipients=0)
            await conn.execute(
                "INSERT INTO news_audit (item_id, action, actor, at) VALUES (?, 'posted', ?, ?)",
                (item_id, actor, now),
            )
            recipients = await self._queue_deliveries(conn, item_id)
        return PostResult(item_id=item_id, created=True, recipients=recipients)

    @staticmethod
    async def _queue_deliveries(conn: Any, item_id: int) -> int:
        cur = await conn.execute(
            "INSERT INTO delivery (item_id, user_id, updated_at) "
            "SELECT ?, user_id, ? FROM subscription ORDER BY user_id",
            (item_id, utcnow()),
        )
        return int(cur.rowcount)

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
                recipients = await self._queue_deliveries(conn, item_id)
                if recipients == 0:
                    await conn.execute(
                        "UPDATE news_item SET finished_at = ? WHERE id = ?", (utcnow(), item_id)
                    )
                await conn.execute(
                    "INSERT INTO news_audit (item_id, action, actor, at, detail) "
                    "VALUES (?, 'released', 'schedule', ?, ?)",
                    (item_id, utcnow(), str(recipients)),
                )
            released.append(PostResult(item_id=item_id, created=True, recipients=recipients))
        return released

    async def next_release_at(self) -> dt.datetime | None:
        """When the earliest scheduled item is due (None: nothing is scheduled)."""
        async with self.db.read(
            "SELECT min(send_at) FROM news_item WHERE released_at IS NULL AND cancelled_at IS NULL"
        ) as cur:
            row = await cur.fetchone()
        return _parse_time(row[0]) if row and row[0] is not None else None

    async def scheduled(self) -> list[NewsItem]:
        """Items waiting for their time, soonest first."""
        async with self.db.read(
            "SELECT * FROM news_item WHERE released_at IS NULL AND cancelled_at IS NULL ORDER BY send_at, id"
        ) as cur:
            return [_item(row) for row in await cur.fetchall()]

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
            await conn.execute(
                "INSERT INTO news_audit (item_id, action, actor, at) VALUES (?, 'cancelled', ?, ?)",
                (item_id, actor, utcnow()),
            )
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
        """New text (and/or title) in some languages: stored, and every copy delivered (or in flight) in those
        languages queued to be edited in place, in one transaction. A language missing from `texts` or
        `titles` keeps its text or title. Returns how many copies are queued; None when the item does not
        exist or was retracted. `progress`: the admin's message to edit into the result.

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
            cur = await conn.execute(
                "UPDATE news_item SET text_ru = coalesce(?, text_ru), text_en = coalesce(?, text_en), "
                "text_zh = coalesce(?, text_zh), title_ru = coalesce(?, title_ru), "
                "title_en = coalesce(?, title_en), title_zh = coalesce(?, title_zh), edited_at = ?, "
                "change_chat_id = ?, change_message_id = ?, change_locale = ?, change_reported_at = NULL "
                "WHERE id = ? AND retracted_at IS NULL",
                (*new, *new_titles, utcnow(), chat_id, message_id, locale, item_id),
            )
            if cur.rowcount != 1:
                return None
            cur = await conn.execute(
                "INSERT INTO delivery_change (item_id, user_id, action, updated_at) "
                "SELECT item_id, user_id, 'edit', ? FROM delivery WHERE item_id = ? AND "
                "(state = 'sending' OR (state = 'sent' AND locale IN (?, ?, ?))) "
                "ON CONFLICT (item_id, user_id) DO UPDATE SET state = 'pending', "
                "generation = generation + 1, attempts = 0, next_attempt_at = 0, last_error = NULL, "
                "updated_at = excluded.updated_at",
                (utcnow(), item_id, *(loc if loc in locales else None for loc in NEWS_LOCALES)),
            )
            queued = int(cur.rowcount)
            await conn.execute(
                "INSERT INTO news_audit (item_id, action, actor, at, detail) VALUES (?, 'edited', ?, ?, ?)",
                (item_id, actor, utcnow(), f"{' '.join(locales)};{queued}"),
            )
        return queued

    async def retract(
        self, item_id: int, *, actor: str, progress: tuple[int, int, str] | None = None
    ) -> int | None:
        """Withdraw an item: /news stops listing it, deliveries not yet made are dropped, and every copy
        delivered (or in flight) is queued to be deleted or, past Telegram's 48 hours, edited into a
        "withdrawn" note; one transaction. Returns how many copies are queued; None when the item does not
        exist or was already retracted. A scheduled item is cancelled instead (see `cancel`)."""
        chat_id, message_id, locale = progress or (None, None, None)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE news_item SET retracted_at = ?, change_chat_id = ?, change_message_id = ?, "
                "change_locale = ?, change_reported_at = NULL "
                "WHERE id = ? AND retracted_at IS NULL AND released_at IS NOT NULL",
                (utcnow(), chat_id, message_id, locale, item_id),
            )
            if cur.rowcount != 1:
                return None
            await conn.execute(
                "UPDATE delivery SET state = 'dropped', last_error = 'retracted before delivery', "
                "updated_at = ? WHERE item_id = ? AND state = 'pending'",
                (utcnow(), item_id),
            )
            cur = await conn.execute(
                "INSERT INTO delivery_change (item_id, user_id, action, updated_at) "
                "SELECT item_id, user_id, 'retract', ? FROM delivery "
                "WHERE item_id = ? AND state IN ('sent', 'sending') "
                "ON CONFLICT (item_id, user_id) DO UPDATE SET action = 'retract', state = 'pending', "
                "generation = generation + 1, attempts = 0, next_attempt_at = 0, last_error = NULL, "
                "updated_at = excluded.updated_at",
                (utcnow(), item_id),
            )
            queued = int(cur.rowcount)
            await conn.execute(
                "UPDATE news_item SET finished_at = coalesce(finished_at, ?) WHERE id = ?",
                (utcnow(), item_id),
            )
            await conn.execute(
                "INSERT INTO news_audit (item_id, action, actor, at, detail) "
                "VALUES (?, 'retracted', ?, ?, ?)",
                (item_id, actor, utcnow(), str(queued)),
            )
        return queued

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
        """The item /news shows at `offset` counting from the newest (0) by date: archive items sit among
        posted ones; scheduled and retracted items are not listed."""
        async with self.db.read(
            "SELECT * FROM news_item WHERE released_at IS NOT NULL AND retracted_at IS NULL "
            "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?",
            (max(offset, 0),),
        ) as cur:
            row = await cur.fetchone()
        return _item(row) if row else None

    async def count(self) -> int:
        """Items /news lists (sent or archived, not retracted)."""
        async with self.db.read(
            "SELECT count(*) FROM news_item WHERE released_at IS NOT NULL AND retracted_at IS NULL"
        ) as cur:
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
        self.changes = ChangeRepository(db)
