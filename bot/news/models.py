"""What the news wing stores, as values: an item and its draft, its photo or document, the audit log's
lines, and the stored time format. The repositories (`repository.py`, `outbox.py`, `changes.py`) read and
write them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.core.locales import LOCALES

# An item's languages, the bot's: each has its `text_`, `title_` and `revised_<locale>` column.
NEWS_LOCALES: tuple[str, ...] = LOCALES


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
    revision: int = 1  # counts its edits and its retraction
    revised: dict[str, int] | None = None  # language -> the revision its text or title last changed at

    def revised_in(self, locale: str) -> int:
        """The revision a copy in `locale` must be rendered from (or after) to show the current text."""
        return (self.revised or {}).get(locale, 1)

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


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=dt.UTC)


def maybe_time(value: str | None) -> dt.datetime | None:
    return None if value is None else parse_time(value)


def stamp(moment: dt.datetime) -> str:
    """A moment as stored (UTC, seconds)."""
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def item_from_row(row: Any) -> NewsItem:
    """A `news_item` row as a `NewsItem`."""
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
        created_at=parse_time(row["created_at"]),
        author_id=row["author_id"],
        media=media,
        send_at=maybe_time(row["send_at"]),
        released_at=maybe_time(row["released_at"]),
        cancelled_at=maybe_time(row["cancelled_at"]),
        edited_at=maybe_time(row["edited_at"]),
        retracted_at=maybe_time(row["retracted_at"]),
        revision=row["revision"],
        revised={loc: row[f"revised_{loc}"] for loc in NEWS_LOCALES},
    )
