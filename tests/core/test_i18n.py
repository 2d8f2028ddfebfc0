"""Catalogs: every interface string translated in every language with the same placeholders; plurals and
dates by Babel; the locale decided per update."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest
from babel.dates import format_date
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.core.i18n import LOCALES, PoI18n, locale_from_language_code
from bot.store import Store
from tests import updates
from tests.conftest import ROOT, Driver

KEYWORDS = {"_": None, "__": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}


def extracted() -> dict[str, tuple[str, ...]]:
    messages: dict[str, tuple[str, ...]] = {}
    method_map = [("**.py", "python")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "bot", method_map=method_map, keywords={"_": None, "__": None, "ngettext": (1, 2)}
    ):
        ids = message if isinstance(message, tuple) else (message,)
        messages[ids[0]] = ids
    return messages


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def tags(text: str) -> list[str]:
    return sorted(re.findall(r"</?[a-z-]+", text))


def test_code_has_messages() -> None:
    assert len(extracted()) >= 10


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    path = ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    problems = []
    for key, ids in extracted().items():
        entry = catalog.get(ids if len(ids) > 1 else key)
        if entry is None:
            problems.append(f"missing: {key!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            problems.append(f"untranslated: {key!r}")
        for translated in strings:
            if translated and placeholders(translated) != placeholders(key):
                problems.append(f"placeholders differ: {key!r} -> {translated!r}")
            if translated and tags(translated) != tags(key):
                problems.append(f"HTML tags differ: {key!r} -> {translated!r}")
    assert not problems, "\n".join(problems)


def test_russian_plurals_have_three_forms(i18n: PoI18n) -> None:
    forms = [
        i18n.gettext("{count} guest speaker", "{count} guest speakers", n, locale="ru").format(count=n)
        for n in (1, 3, 9, 11, 21)
    ]
    assert forms == [
        "1 приглашённый спикер",
        "3 приглашённых спикера",
        "9 приглашённых спикеров",
        "11 приглашённых спикеров",
        "21 приглашённый спикер",
    ]


def test_dates_are_localised_by_babel() -> None:
    day = dt.date(2022, 12, 20)
    assert format_date(day, format="long", locale="ru") == "20 декабря 2022\u202fг."
    assert format_date(day, format="long", locale="en") == "December 20, 2022"
    assert format_date(day, format="long", locale="zh") == "2022年12月20日"


def test_english_dates_are_british(i18n: PoI18n) -> None:
    t = i18n.translator("en")
    assert t.babel_locale == "en_GB"
    assert format_date(dt.date(2022, 12, 20), format="long", locale=t.babel_locale) == "20 December 2022"
    assert i18n.translator("ru").babel_locale == "ru"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ru", "ru"), ("ru-RU", "ru"), ("en", "en"), ("en-US", "en"), ("en_US", "en"),
        ("zh", "zh"), ("zh-hans", "zh"), ("zh-hant", "zh"), ("zh-CN", "zh"), ("ZH-Hans-CN", "zh"),
        ("de", None), ("", None), (None, None), ("-", None), ("🙂", None),
    ],
)  # fmt: skip
def test_locale_from_language_code(code: str | None, expected: str | None) -> None:
    assert locale_from_language_code(code) == expected


async def test_stored_choice_beats_telegram_language(driver: Driver, store: Store) -> None:
    await store.users.set_locale(55, "zh")
    texts = await driver.texts(updates.message("/start", user_id=55, language_code="ru"))
    assert re.search(r"[\u4e00-\u9fff]", texts[0])


def test_catalogs_load_from_po_without_compiling(i18n: PoI18n) -> None:
    assert set(i18n.available_locales) == set(LOCALES)
    assert i18n.gettext("Chair of the roundtable", locale="ru") == "Председатель круглого стола"
    assert i18n.gettext("Chair of the roundtable", locale="zh") == "圆桌峰会主持人"


def test_a_translator_speaks_one_locale_and_is_made_once(i18n: PoI18n) -> None:
    ru = i18n.translator("ru")
    assert ru is i18n.translator("ru")
    assert ru.locale == "ru"
    assert ru._("Chair of the roundtable") == "Председатель круглого стола"
    assert ru.ngettext("{count} guest speaker", "{count} guest speakers", 3) == "{count} приглашённых спикера"
    assert i18n.translator("zh").list_separator() == "；"
    assert i18n.translator("en").parenthesised("x") == " (x)"
    assert i18n.translator("de")._("Chair of the roundtable") == "Chair of the roundtable"


AMBIENT = re.compile(
    r"from aiogram\.utils\.i18n import[^\n]*\b(gettext|ngettext|get_i18n)\b"
    r"|\bcurrent_locale\(\)|\.use_locale\("
)


def test_nothing_in_the_bot_reads_an_ambient_locale() -> None:
    """The locale is passed (`t: Translator`), never looked up: only `LocaleMiddleware` sets aiogram's context
    variable, for aiogram's own lazy texts, and `core.i18n` defines the helpers."""
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path != ROOT / "bot" / "core" / "i18n.py"
        for match in AMBIENT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)
