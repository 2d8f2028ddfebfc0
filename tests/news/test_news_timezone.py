"""News dates are shown in `TIMEZONE`: an item created at 23:30 UTC on 24 October 2024 is dated 25 October in
Asia/Shanghai and 24 October in UTC, in /news (through the real Dispatcher) and in the broadcast message."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import zoneinfo
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage

from bot.catalog.library import Catalog
from bot.console.session import LocalSession
from bot.core.config import Settings
from bot.core.i18n import create_i18n
from bot.news.broadcaster import Broadcaster
from bot.news.items import render_item
from bot.news.repository import Newsroom
from bot.runtime.app import create_dispatcher
from bot.store import Store
from bot.store.migrations import MIGRATIONS
from tests import updates
from tests.conftest import ROOT, TOKEN, Cli, Driver
from tests.news_support import DRAFT, FakeClock, add_subscriber

CREATED_AT = "2024-10-24T23:30:00Z"
DATES = [
    ("UTC", "en", "24 October 2024"),
    ("Asia/Shanghai", "en", "25 October 2024"),
    ("UTC", "zh", "2024年10月24日"),
    ("Asia/Shanghai", "zh", "2024年10月25日"),
    ("Asia/Shanghai", "ru", "25 октября 2024"),
]
LANGUAGE_CODE = {"en": "en", "zh": "zh-hans", "ru": "ru"}


async def post_at(store: Store, newsroom: Newsroom, created_at: str = CREATED_AT) -> int:
    result = await newsroom.items.post(DRAFT, actor="test")
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE news_item SET created_at = ? WHERE id = ?", (created_at, result.item_id))
    return result.item_id


@pytest.mark.parametrize(("tz", "locale", "date"), DATES)
async def test_news_command_dates_items_in_the_timezone(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    bot: Bot,
    session: LocalSession,
    tz: str,
    locale: str,
    date: str,
) -> None:
    await post_at(store, newsroom)
    i18n = create_i18n(ROOT / "locales", "en", zoneinfo.ZoneInfo(tz))
    dp = create_dispatcher(settings.model_copy(update={"timezone": tz}), store, catalog, newsroom, i18n)
    driver = Driver(dp, bot, session)
    texts = await driver.texts(updates.message("/news", language_code=LANGUAGE_CODE[locale]))
    assert len(texts) == 1
    assert date in texts[0].splitlines()[0], texts[0]


@pytest.mark.parametrize(("tz", "locale", "date"), DATES)
async def test_broadcast_message_dates_the_item_in_the_timezone(
    store: Store, newsroom: Newsroom, tz: str, locale: str, date: str
) -> None:
    """What the broadcaster renders: the item's `created_at` with the process's `Translator`."""
    item_id = await post_at(store, newsroom)
    item = await newsroom.items.get(item_id)
    assert item is not None
    i18n = create_i18n(ROOT / "locales", "en", zoneinfo.ZoneInfo(tz))
    text = render_item(i18n.translator(locale), item.draft, item.created_at)
    assert date in text.splitlines()[0]
    assert "/unsubscribe" in text


async def test_broadcaster_sends_the_date_in_the_timezone(
    store: Store, newsroom: Newsroom, bot: Bot, session: LocalSession
) -> None:
    await add_subscriber(store, 42, "en")
    await post_at(store, newsroom)
    i18n = create_i18n(ROOT / "locales", "en", zoneinfo.ZoneInfo("Asia/Shanghai"))
    clock = FakeClock()
    await Broadcaster(newsroom, i18n, clock=clock, sleep=clock.sleep).drain(bot)
    [message] = session.requests_of(SendMessage)
    assert "25 October 2024" in message.text.splitlines()[0]


def test_timezone_setting_reaches_news_in_the_running_bot(cli: Cli, tmp_path: Path) -> None:
    """TIMEZONE from the environment to /news, through `python -m bot console` (the real wiring)."""
    scratch = tmp_path / "data" / "console.sqlite3"

    async def prepare() -> None:
        scratch.parent.mkdir(parents=True)
        store = await Store.open(scratch)
        try:
            await post_at(store, Newsroom(store.db))
        finally:
            await store.close()

    asyncio.run(prepare())
    env = {
        "TIMEZONE": "Asia/Shanghai",
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:9",  # nothing listens there: any request would fail
        "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
    }
    # The seeded archive's 31 October 2024 item comes first; ▶ (button 2) turns to the item posted here.
    result = cli("console", "--lang", "en", env=env, stdin="/news\n2\n")
    assert result.returncode == 0, result.stderr
    assert "25 October 2024" in result.stdout.split("> /news", 1)[1].split("\n> 2\n", 1)[1]


def test_zones_resolve_without_the_systems_tz_database() -> None:
    """The slim container has no /usr/share/zoneinfo: the `tzdata` dependency must be enough for zoneinfo."""
    saved = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[])
    try:
        shanghai = zoneinfo.ZoneInfo.no_cache("Asia/Shanghai")
        moment = dt.datetime(2024, 10, 24, 23, 30, tzinfo=zoneinfo.ZoneInfo.no_cache("UTC"))
        assert moment.astimezone(shanghai).date() == dt.date(2024, 10, 25)
    finally:
        zoneinfo.reset_tzpath(to=saved)


@pytest.mark.parametrize(
    "tz", ["America/New_York", "America/Los_Angeles", "UTC", "Asia/Shanghai", "Asia/Tokyo"]
)
async def test_an_archive_item_shows_its_own_day_west_and_east_of_utc(
    store: Store, newsroom: Newsroom, tz: str
) -> None:
    assert await newsroom.items.seed(DRAFT, key="archive:suzhou", created=dt.date(2023, 9, 18))
    item = await newsroom.items.latest()
    assert item is not None
    i18n = create_i18n(ROOT / "locales", "en", zoneinfo.ZoneInfo(tz))
    text = render_item(i18n.translator("en"), item.draft, item.created_at, footer=False)
    assert "18 September 2023" in text.splitlines()[0]


async def test_archive_items_stored_at_midnight_move_to_noon(tmp_path: Path) -> None:
    """A database seeded before (midnight UTC, schema 5) moves with migration 6; posted items do not."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        for script in MIGRATIONS[:5]:
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 5")
        conn.execute(
            "INSERT INTO news_item (text_ru, text_en, text_zh, post_key, created_at, released_at) "
            "VALUES ('р', 'e', '中', 'archive:x', '2023-09-18T00:00:00Z', '2023-09-18T00:00:00Z'), "
            "('р', 'e', '中', NULL, '2023-09-19T00:00:00Z', '2023-09-19T00:00:00Z')"
        )
    conn.close()
    store = await Store.open(path)
    try:
        async with store.db.read(
            "SELECT created_at, released_at, revision FROM news_item ORDER BY id"
        ) as cur:
            rows = [tuple(row) for row in await cur.fetchall()]
    finally:
        await store.close()
    assert rows == [
        ("2023-09-18T12:00:00Z", "2023-09-18T12:00:00Z", 1),
        ("2023-09-19T00:00:00Z", "2023-09-19T00:00:00Z", 1),
    ]
