"""`python -m bot news post FILE`: a news item from the shell, checked completely before it is stored;
`python -m bot news log`: the audit log (who posted, edited, retracted, scheduled or cancelled what, when)."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

from bot.core.config import Settings
from bot.core.i18n import create_i18n
from bot.news.archive import ArchiveItem, seed_archive
from bot.news.items import load_news_file
from bot.news.repository import AuditEntry, Newsroom, PostResult
from bot.store import Store


def shell_actor() -> str:
    """Who posted, for the audit log: the shell user's name where the system knows it."""
    try:
        return f"shell:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in some containers
        return "shell"


async def post_news_file(settings: Settings, path: Path) -> PostResult:
    """Check the file completely (`NewsFileError` lists every problem), then store the item and its
    deliveries in one transaction; a running bot's broadcaster finds them at its next poll."""
    i18n = create_i18n(settings.locales_dir, settings.default_locale, settings.tz)
    draft = load_news_file(path, i18n, dt.datetime.now(dt.UTC))
    actor = shell_actor()
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    try:
        return await Newsroom(store.db).items.post(draft, actor=actor)
    finally:
        await store.close()


async def retry_failed(settings: Settings, item_id: int | None) -> dict[int, int]:
    """Re-queue failed deliveries (of `item_id`, or all); a running bot sends them within seconds."""
    store = await Store.open(settings.database_path)
    try:
        newsroom = Newsroom(store.db)
        requeued = await newsroom.outbox.retry_failed(item_id)
        for item, count in requeued.items():
            await newsroom.items.record(item, "retry-failed", shell_actor(), f"{count} re-queued")
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
    lines = []
    for entry in entries:
        when = entry.at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        line = f"{when} {settings.timezone}  #{entry.item_id}  {entry.action}  {entry.actor}"
        lines.append(f"{line}  {entry.detail}" if entry.detail else line)
    return lines


async def seed_news_archive(settings: Settings, archive: list[ArchiveItem]) -> int:
    """`content load`: the archive items not stored yet (never sent to anyone); returns how many."""
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    try:
        return await seed_archive(Newsroom(store.db), archive)
    finally:
        await store.close()
