"""The news archive from day one: `content/news.toml`, reviewed items about the later editions, each dated on
its source's release and citing it. Seeded into the news items (never into the outbox: nobody is sent an
archive item), once per item id, at every start and `content load`; checked by `content check`."""

from __future__ import annotations

import datetime as dt
import html
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.catalog.content import ContentError, Source
from bot.core.i18n import LOCALES, PoI18n
from bot.news.items import draft_problems
from bot.news.repository import NewsDraft, Newsroom

ARCHIVE_FILE = "news.toml"
KEY_PREFIX = "archive:"  # the item's post_key: seeding it twice stores nothing new


@dataclass(frozen=True)
class ArchiveItem:
    id: str
    date: dt.date
    draft: NewsDraft


def citation(i18n: PoI18n, locale: str, source: Source) -> str:
    t = i18n.translator(locale)
    title = html.escape(source.title.get(locale), quote=False)
    if source.url is None:
        return t._("Source: {title}").format(title=title)
    link = f'<a href="{html.escape(source.url, quote=True)}">{title}</a>'
    return t._("Source: {title}").format(title=link)


def load_archive(content_dir: Path, sources: dict[str, Source], i18n: PoI18n) -> list[ArchiveItem]:
    """Every archive item, checked completely (a `ContentError` lists every problem); no file: none."""
    path = content_dir / ARCHIVE_FILE
    if not path.exists():
        return []
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ContentError([f"{ARCHIVE_FILE}: cannot read: {exc}"]) from None
    problems = [f"{ARCHIVE_FILE}: unknown key {key!r}" for key in data if key != "item"]
    items: list[ArchiveItem] = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("item", [])):
        where = f"{ARCHIVE_FILE}: item[{n}]"
        item_id, date, sid = raw.get("id"), raw.get("date"), raw.get("source")
        texts, titles = raw.get("text", {}), raw.get("title", {})
        problems += [
            f"{where}: unknown key {k!r}" for k in raw if k not in {"id", "date", "source", "text", "title"}
        ]
        if not isinstance(item_id, str) or not item_id or item_id in seen:
            problems.append(f"{where}: id missing or repeated")
            continue
        seen.add(item_id)
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            problems.append(f"{where}: date must be a date such as 2023-09-18")
            continue
        if sid not in sources:
            problems.append(f"{where}: unknown source {sid!r}")
            continue
        if not all(isinstance(texts.get(loc), str) and texts[loc].strip() for loc in LOCALES):
            problems.append(f"{where}: text needs ru, en and zh")
            continue
        if not all(isinstance(titles.get(loc), str) and titles[loc].strip() for loc in LOCALES):
            problems.append(f"{where}: title needs ru, en and zh")
            continue
        draft = NewsDraft(
            texts={loc: f"{texts[loc].strip()}\n\n{citation(i18n, loc, sources[sid])}" for loc in LOCALES},
            titles={loc: titles[loc].strip() for loc in LOCALES},
        )
        problems += [f"{where}: {p}" for p in draft_problems(draft, i18n, date)]
        items.append(ArchiveItem(id=item_id, date=date, draft=draft))
    if problems:
        raise ContentError(problems)
    return items


async def seed_archive(newsroom: Newsroom, items: list[ArchiveItem]) -> int:
    """Store the archive items not stored yet; returns how many were new."""
    added = 0
    for item in items:
        if await newsroom.items.seed(item.draft, key=KEY_PREFIX + item.id, created=item.date):
            added += 1
    return added
