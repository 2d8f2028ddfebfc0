"""News items as subscribers read them: the rendering (once per language), the checks an item passes
before anything is stored, a subscriber's language, and news files for the shell.

Rendering takes the reader's `Translator`, like `bot.catalog.cards`. An item's date is the day of its
`created_at` in `TIMEZONE` (the `Translator`'s `tz`): pass the datetime, not `created_at.date()` (a UTC date).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time, get_datetime_format, get_month_names

from bot.core.html import hbold, hitalic, q
from bot.core.i18n import LOCALES, PoI18n, Translator, locale_from_language_code
from bot.core.telegram_rules import CAPTION_LIMIT, MESSAGE_LIMIT, TextProblem, message_issues
from bot.news.repository import MEDIA_KINDS, Media, NewsDraft

TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M")
MAX_SCHEDULE = dt.timedelta(days=366)
TITLE_LIMIT = 256
# What a bot may upload (Bot API, multipart): photos up to 10 MB, other files up to 50 MB.
UPLOAD_LIMITS = {"photo": 10 * 1024 * 1024, "document": 50 * 1024 * 1024}


class NewsFileError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def subscriber_locale(stored: str | None, language_code: str | None, default: str) -> str:
    """The language a subscriber reads news in: their choice, else their Telegram app's, else the default."""
    if stored in LOCALES:
        return stored
    return locale_from_language_code(language_code) or default


def news_date(t: Translator, created: dt.date) -> str:
    """The item's date for `t`'s reader: a datetime is shown as its day in `t.tz` (`TIMEZONE`)."""
    return format_date(t.date_of(created), format="long", locale=t.babel_locale)


def news_moment(t: Translator, moment: dt.datetime) -> str:
    """A moment (a scheduled time) for `t`'s reader: its date and time in `t.tz` (`TIMEZONE`)."""
    local = t.local(moment)
    pattern = str(get_datetime_format("long", locale=t.babel_locale))
    return pattern.replace("{1}", format_date(local, format="long", locale=t.babel_locale)).replace(
        "{0}", format_time(local, format="short", locale=t.babel_locale)
    )


def parse_moment(text: str, tz: dt.tzinfo) -> dt.datetime | None:
    """A moment an admin typed, in `tz`, as an aware datetime; None if unreadable. Accepted:
    `2026-12-05 09:00`, `05.12.2026 09:00`, and the way the bot writes dates in each language
    (`5 December 2026, 09:00`, `5 декабря 2026 г., 09:00`, `2026年12月5日 09:00`)."""
    cleaned = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
    for pattern in TIME_FORMATS:
        try:
            naive = dt.datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=tz)
    found = _CHINESE_MOMENT.fullmatch(cleaned)
    if found:
        year, month, day, hour, minute = (int(part) for part in found.groups())
    else:
        found = _WORDED_MOMENT.fullmatch(cleaned)
        named = _month_names().get(found.group(2).lower().rstrip(".")) if found else None
        if found is None or named is None:
            return None
        month = named
        day, year, hour, minute = (int(found.group(i)) for i in (1, 3, 4, 5))
    try:
        return dt.datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        return None


def schedule_problem(moment: dt.datetime | None, now: float) -> str | None:
    """Why a typed moment cannot be a schedule (`now`: UTC seconds): "unreadable", "passed", "too_far"
    (more than a year ahead); None: it can."""
    if moment is None:
        return "unreadable"
    if moment.timestamp() <= now:
        return "passed"
    if moment.timestamp() - now > MAX_SCHEDULE.total_seconds():
        return "too_far"
    return None


_CHINESE_MOMENT = re.compile(r"(\d{4}) ?年 ?(\d{1,2}) ?月 ?(\d{1,2}) ?日[ ,，]*(\d{1,2})[:：](\d{2})")
_WORDED_MOMENT = re.compile(
    r"(\d{1,2}) ([^\W\d_]+\.?) (\d{4})(?: ?г\.?)?,? (?:at |в )?(\d{1,2}):(\d{2})", re.IGNORECASE
)


@functools.cache
def _month_names() -> dict[str, int]:
    """Month names (wide and abbreviated, both grammatical forms) in English and Russian → number."""
    names: dict[str, int] = {}
    for locale in ("en", "ru"):
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in get_month_names(width, context, locale).items():
                    names[str(name).lower().rstrip(".")] = number
    return names


def render_item(
    t: Translator,
    draft: NewsDraft,
    created: dt.date,
    *,
    footer: bool = True,
    edited: dt.datetime | None = None,
) -> str:
    """The message a subscriber gets (`footer=True`), or the item as /news shows it. `created` is the item's
    `created_at` (its date is taken in `t.tz`), or a date already in `TIMEZONE`."""
    locale = t.locale
    lines = [t._("📰 <b>Initiative news</b> · {date}").format(date=news_date(t, created)), ""]
    if draft.titles:
        lines.append(hbold(q(draft.titles[locale])))
    lines.append(draft.texts[locale].strip())
    notes = []
    if draft.media is not None and not footer:  # /news shows the text; the file went with the message
        notes.append(hitalic(media_note(t, draft.media.kind)))
    if edited is not None:  # /news says an item was corrected after it went out, and when
        notes.append(hitalic(t._("✏️ Corrected on {date}.").format(date=news_date(t, edited))))
    if notes:
        lines += ["", *notes]
    if footer:
        lines += ["", hitalic(t._("To stop receiving news, send /unsubscribe"))]
    return "\n".join(lines)


def media_note(t: Translator, kind: str) -> str:
    if kind == "photo":
        return t._("📎 This news item was sent with a photo.")
    return t._("📎 This news item was sent with a file.")


def text_limit(draft: NewsDraft) -> int:
    """A photo's or document's text is its caption: 1,024 characters, not 4,096."""
    return CAPTION_LIMIT if draft.media is not None else MESSAGE_LIMIT


def text_issues(t: Translator, draft: NewsDraft, created: dt.date) -> list[TextProblem]:
    """Why Telegram would refuse the message in `t`'s language (empty: it can be sent).

    Kinds: those of `message_issues`, plus "title_empty" and "title_too_long" (`limit` set)."""
    locale = t.locale
    text = draft.texts.get(locale, "")
    if not text.strip():
        return [TextProblem("empty", "text is empty")]
    problems = []
    if draft.titles is not None:
        title = draft.titles.get(locale, "")
        if not title.strip():
            problems.append(TextProblem("title_empty", "title is empty"))
        elif len(title) > TITLE_LIMIT:
            problems.append(
                TextProblem(
                    "title_too_long",
                    f"title is longer than {TITLE_LIMIT} characters",
                    len(title),
                    TITLE_LIMIT,
                )
            )
    if problems:
        return problems
    return message_issues(render_item(t, draft, created), limit=text_limit(draft))


def text_problems(t: Translator, draft: NewsDraft, created: dt.date) -> list[str]:
    """The same in English, for the shell (`python -m bot news post`)."""
    return [problem.detail for problem in text_issues(t, draft, created)]


def draft_problems(draft: NewsDraft, i18n: PoI18n, created: dt.date) -> list[str]:
    return [
        f"{locale}: {p}" for locale in LOCALES for p in text_problems(i18n.translator(locale), draft, created)
    ]


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


def audit_detail(t: Translator, action: str, detail: str | None) -> str | None:
    """An audit line's detail in `t`'s language (see `AuditEntry.detail`); another form is shown as stored."""
    if not detail:
        return None
    try:
        if action == "scheduled":
            moment = dt.datetime.strptime(detail, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            return t._("for {when}").format(when=news_moment(t, moment))
        if action == "edited":
            codes, count = detail.split(";")
            languages = t.comma().join(language_word(t, code) for code in codes.split())
            return t.ngettext("{languages}: {count} copy", "{languages}: {count} copies", int(count)).format(
                languages=languages, count=int(count)
            )
        if action == "retracted":
            return t.ngettext("{count} copy", "{count} copies", int(detail)).format(count=int(detail))
        if action == "released":
            return t.ngettext("{count} subscriber", "{count} subscribers", int(detail)).format(
                count=int(detail)
            )
        if action == "retry-failed":
            return t.ngettext(
                "{count} delivery queued again", "{count} deliveries queued again", int(detail)
            ).format(count=int(detail))
    except ValueError:
        pass
    return detail


def language_word(t: Translator, locale: str) -> str:
    """A language's name as a word of its own (“Russian”), for lists."""
    return {"ru": t._("Russian"), "en": t._("English"), "zh": t._("Chinese")}.get(locale, locale)
