"""News files for the shell: `news post FILE` (an item in every language, an optional title and one photo or
document) and `news edit N FILE` (new texts or titles in some languages), read and checked before anything
is stored; every problem is one line of a `NewsFileError`."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.i18n import LOCALES, PoI18n
from bot.news.items import NewsFileError, draft_problems
from bot.news.models import MEDIA_KINDS, Media, NewsDraft

# What a bot may upload (Bot API, multipart): photos up to 10 MB, other files up to 50 MB.
UPLOAD_LIMITS = {"photo": 10 * 1024 * 1024, "document": 50 * 1024 * 1024}


def load_news_file(path: Path, i18n: PoI18n, today: dt.date) -> NewsDraft:
    """Read and check a news file: `ru`, `en`, `zh` (HTML), an optional `[title]` table in each, and an
    optional `photo` or `document`: a file's path (relative to the news file), sent with every language's
    text as its caption."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise NewsFileError([f"{path}: cannot read: {exc.strerror}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise NewsFileError([f"{path}: not valid TOML: {exc}"]) from None
    problems = [
        f"{path}: unknown key {key!r}" for key in data if key not in {*LOCALES, "title", *MEDIA_KINDS}
    ]
    media, media_problems = _news_file_media(path, data)
    problems += media_problems
    texts: dict[str, str] = {}
    for locale in LOCALES:
        value = data.get(locale)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{path}: {locale}: missing or empty (a string of HTML is needed)")
        else:
            texts[locale] = value.strip()
    titles: dict[str, str] | None = None
    if "title" in data:
        raw = data["title"]
        if not isinstance(raw, dict):
            problems.append(f"{path}: title: must be a table with ru, en and zh")
        else:
            problems += [f"{path}: title.{key}: unknown key" for key in raw if key not in LOCALES]
            titles = {}
            for locale in LOCALES:
                value = raw.get(locale)
                if not isinstance(value, str) or not value.strip():
                    problems.append(f"{path}: title.{locale}: missing or empty")
                else:
                    titles[locale] = value.strip()
    if problems:
        raise NewsFileError(problems)
    draft = NewsDraft(texts=texts, titles=titles, media=media)
    problems = [f"{path}: {p}" for p in draft_problems(draft, i18n, today)]
    if problems:
        raise NewsFileError(problems)
    return draft


def _news_file_media(path: Path, data: dict[str, Any]) -> tuple[Media | None, list[str]]:
    kinds = [kind for kind in MEDIA_KINDS if kind in data]
    if not kinds:
        return None, []
    if len(kinds) > 1:
        return None, [f"{path}: one photo or one document, not both"]
    kind = kinds[0]
    value = data[kind]
    if not isinstance(value, str) or not value.strip():
        return None, [f"{path}: {kind}: a file path is needed"]
    file = (path.parent / value).resolve()
    try:
        size = file.stat().st_size
    except OSError as exc:
        return None, [f"{path}: {kind}: cannot read {file}: {exc.strerror}"]
    if not file.is_file() or size == 0:
        return None, [f"{path}: {kind}: {file} is not a non-empty file"]
    if size > UPLOAD_LIMITS[kind]:
        limit = UPLOAD_LIMITS[kind] // (1024 * 1024)
        return None, [f"{path}: {kind}: {file} is {size} bytes; Telegram takes at most {limit} MB"]
    return Media(kind=kind, path=str(file)), []


@dataclass(frozen=True)
class NewsEdit:
    """What `news edit` changes: new texts and/or titles, by language (a language missing keeps its own)."""

    texts: dict[str, str]
    titles: dict[str, str]


TITLE_KEYS = {f"title_{loc}": loc for loc in LOCALES}


def load_edit_file(path: Path, i18n: PoI18n) -> NewsEdit:
    """The new texts of `news edit`: any of `ru`, `en`, `zh` (HTML) and `title_ru`, `title_en`, `title_zh`
    (plain text), at least one."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise NewsFileError([f"{path}: cannot read: {exc.strerror}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise NewsFileError([f"{path}: not valid TOML: {exc}"]) from None
    known = {*LOCALES, *TITLE_KEYS}
    problems = [
        f"{path}: unknown key {key!r} (only ru, en, zh, title_ru, title_en, title_zh)"
        for key in data
        if key not in known
    ]
    values = {key: value.strip() for key, value in data.items() if key in known and isinstance(value, str)}
    problems += [
        f"{path}: {key}: empty or not a string" for key in data if key in known and not values.get(key)
    ]
    if not data.keys() & known:
        problems.append(f"{path}: give the new text (or title) in at least one of ru, en, zh")
    if problems:
        raise NewsFileError(problems)
    return NewsEdit(
        texts={loc: values[loc] for loc in LOCALES if loc in values},
        titles={loc: values[key] for key, loc in TITLE_KEYS.items() if key in values},
    )
