"""`python -m bot news post FILE`: a news item from the shell, checked completely before it is stored;
`python -m bot news log`: the audit log (who posted, edited, retracted, scheduled or cancelled what, when)."""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import sys
from pathlib import Path

from bot.core.config import Settings
from bot.core.i18n import LOCALES, create_i18n
from bot.news.archive import ArchiveItem, seed_archive
from bot.news.items import (
    NewsEdit,
    NewsFileError,
    audit_detail,
    draft_problems,
    load_edit_file,
    load_news_file,
    parse_moment,
    schedule_problem,
)
from bot.news.repository import AuditEntry, NewsDraft, NewsItem, Newsroom, PostResult
from bot.store import Store


def shell_actor() -> str:
    """Who posted, for the audit log: the shell user's name where the system knows it."""
    try:
        return f"shell:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in some containers
        return "shell"


async def post_news_file(settings: Settings, path: Path, send_at: dt.datetime | None = None) -> PostResult:
    """Check the file completely (`NewsFileError` lists every problem), then store the item and its
    deliveries in one transaction (or, with `send_at`, schedule it); a running bot's broadcaster finds them
    at its next poll."""
    i18n = create_i18n(settings.locales_dir, settings.default_locale, settings.tz)
    draft = load_news_file(path, i18n, dt.datetime.now(dt.UTC))
    actor = shell_actor()
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    try:
        return await Newsroom(store.db).items.post(draft, actor=actor, send_at=send_at)
    finally:
        await store.close()


def parse_schedule(text: str, settings: Settings, now: dt.datetime | None = None) -> dt.datetime:
    """`--at 'YYYY-MM-DD HH:MM'` in TIMEZONE: a future moment within a year, else `NewsFileError`."""
    moment = parse_moment(text, settings.tz)
    problem = schedule_problem(moment, (now or dt.datetime.now(dt.UTC)).timestamp())
    refusals = {
        "unreadable": f"--at {text!r}: not a time; use 'YYYY-MM-DD HH:MM' ({settings.timezone})",
        "passed": f"--at {text!r}: that moment has passed ({settings.timezone})",
        "too_far": f"--at {text!r}: at most a year ahead",
    }
    if problem is not None or moment is None:
        raise NewsFileError([refusals[problem or "unreadable"]])
    return moment


def editor_command(settings: Settings, action: str, item: int | None, path: Path | None) -> int:
    """`news scheduled`, `news cancel N`, `news retract N`, `news edit N FILE`: 0 done, 1 refused."""
    try:
        lines = asyncio.run(_editor(settings, action, item, path))
    except NewsFileError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


async def _editor(settings: Settings, action: str, item: int | None, path: Path | None) -> list[str]:
    """What to print; `NewsFileError` for what is refused."""
    i18n = create_i18n(settings.locales_dir, settings.default_locale, settings.tz)
    change = load_edit_file(path, i18n) if action == "edit" and path is not None else NewsEdit({}, {})
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    try:
        items = Newsroom(store.db).items
        if action == "scheduled":
            return scheduled_lines(await items.scheduled(), settings)
        item_id = int(item or 0)
        if action == "cancel":
            if not await items.cancel(item_id, actor=shell_actor()):
                raise NewsFileError([f"news #{item_id} is not waiting to go out"])
            return [f"news #{item_id} cancelled: it will not be sent"]
        current = await items.get(item_id)
        if current is None:
            raise NewsFileError([f"there is no news #{item_id}"])
        if current.cancelled_at is not None:
            raise NewsFileError([f"news #{item_id} was cancelled before it went out"])
        if current.retracted_at is not None:
            raise NewsFileError([f"news #{item_id} has already been retracted"])
        if current.scheduled and action == "retract":
            raise NewsFileError([f"news #{item_id} has not gone out yet: cancel it (news cancel {item_id})"])
        if action == "edit":
            if change.titles and current.titles is None and len(change.titles) < len(LOCALES):
                raise NewsFileError([f"news #{item_id} has no title: give title_ru, title_en and title_zh"])
            titles = {**(current.titles or {}), **change.titles} or None
            draft = NewsDraft(texts={**current.texts, **change.texts}, titles=titles, media=current.media)
            problems = draft_problems(draft, i18n, current.created_at)
            if problems:
                raise NewsFileError(problems)
            queued = await items.edit(item_id, change.texts, titles=change.titles, actor=shell_actor())
        else:
            queued = await items.retract(item_id, actor=shell_actor())
        if current.scheduled:
            return [f"news #{item_id} corrected: it goes out at its scheduled time with the new text"]
        if not queued:
            what = "/news shows the new text" if action == "edit" else "/news no longer lists it"
            return [f"news #{item_id} {action}ed: {what}; no copy had been delivered"]
        copies = "1 delivered copy" if queued == 1 else f"{queued} delivered copies"
        done = "edited" if action == "edit" else "deleted or withdrawn"
        return [f"news #{item_id}: {copies} to be {done}; a running bot does it within seconds"]
    finally:
        await store.close()


def scheduled_lines(waiting: list[NewsItem], settings: Settings) -> list[str]:
    if not waiting:
        return ["nothing is scheduled"]
    lines = []
    for news in waiting:
        when = (news.send_at or news.created_at).astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        title = news.titles["en"] if news.titles else " ".join(news.texts["en"].split())[:60]
        lines.append(f"#{news.id}  {when} {settings.timezone}  {title}")
    return lines


async def retry_failed(settings: Settings, item_id: int | None) -> dict[int, int]:
    """Re-queue failed deliveries (of `item_id`, or all); a running bot sends them within seconds."""
    store = await Store.open(settings.database_path)
    try:
        newsroom = Newsroom(store.db)
        requeued = await newsroom.outbox.retry_failed(item_id)
        for item, count in requeued.items():
            await newsroom.items.record(item, "retry-failed", shell_actor(), str(count))
        return requeued
    finally:
        await store.close()


async def audit_entries(settings: Settings, limit: int) -> list[AuditEntry]:
    """The latest audit lines, newest first (an empty store has none)."""
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    try:
        return await Newsroom(store.db).items.audit_log(limit)
    finally:
        await store.close()


def audit_lines(entries: list[AuditEntry], settings: Settings) -> list[str]:
    """One line per action, times in TIMEZONE: `2026-12-01 09:30 UTC  #3  posted  telegram:9001`."""
    english = create_i18n(settings.locales_dir, settings.default_locale, settings.tz).translator("en")
    lines = []
    for entry in entries:
        when = entry.at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        line = f"{when} {settings.timezone}  #{entry.item_id}  {entry.action}  {entry.actor}"
        detail = audit_detail(english, entry.action, entry.detail)
        lines.append(f"{line}  {detail}" if detail else line)
    return lines


async def seed_news_archive(settings: Settings, archive: list[ArchiveItem]) -> int:
    """`content load`: the archive items not stored yet (never sent to anyone); returns how many."""
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    try:
        return await seed_archive(Newsroom(store.db), archive)
    finally:
        await store.close()
