"""Searches that found nobody: recorded from chat and inline (text only, normalised, per day), shown in /stats
and by `python -m bot search misses`, bounded and aged out; an alias added to content/ and loaded with
`content load` reaches the running bot, which then finds the person, and the miss leaves the list."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from aiogram.methods import AnswerInlineQuery, SendMessage

from bot.catalog.library import Catalog
from bot.core.config import Settings
from bot.store import Store
from bot.store.misses import SearchMisses, normalise
from tests import updates
from tests.conftest import ADMIN_ID, Cli, Driver
from tests.news_support import FakeClock

NOBODY = "Zorigtbaatar"  # nobody of the roundtable is called that (yet)


def table(settings: Settings) -> list[tuple[str, ...]]:
    with sqlite3.connect(settings.database_path) as conn:
        return conn.execute("SELECT * FROM search_miss ORDER BY query").fetchall()


def columns(settings: Settings) -> list[str]:
    with sqlite3.connect(settings.database_path) as conn:
        return [row[1] for row in conn.execute("PRAGMA table_info(search_miss)")]


async def test_chat_and_inline_misses_are_counted_per_day_without_who(
    driver: Driver, settings: Settings
) -> None:
    await driver.feed(updates.message(NOBODY, user_id=11))
    await driver.feed(updates.message(f"  «{NOBODY.upper()}»  ", user_id=12))
    inline = await driver.feed(updates.inline_query(NOBODY.lower(), user_id=13))
    assert [r.results for r in inline if isinstance(r, AnswerInlineQuery)] == [[]]
    await driver.feed(updates.message("Kin Phea", user_id=14))  # found: not a miss
    [(day, query, count)] = table(settings)
    assert (query, count) == (NOBODY.lower(), 3)
    assert len(day) == 10  # YYYY-MM-DD, no time of day
    assert columns(settings) == ["day", "query", "count"]  # nobody's id, no chat


def test_normalise() -> None:
    assert normalise("  Kin   PHEA? ") == "kin phea"
    assert normalise("«Ｚｏｒｉｇ»") == "zorig"
    assert normalise("x") is None
    assert normalise("/start") is None
    assert normalise("a" * 300) == "a" * 64


async def test_a_flood_of_random_queries_is_bounded(store: Store) -> None:
    clock = FakeClock()
    misses = SearchMisses(store.db, wall=clock)
    await misses.record("known query")
    for n in range(1100):
        await misses.record(f"random {n}")
    assert await misses.rows() == 1000  # DAY_LIMIT new queries a day
    await misses.record("known query")  # one already counted still counts
    assert (await misses.top(1, 1))[0].count == 2
    clock.now += 86400  # the next day takes new ones again
    await misses.record("random 5000")
    assert await misses.rows() == 1001


async def test_misses_older_than_90_days_are_deleted(store: Store) -> None:
    clock = FakeClock()
    misses = SearchMisses(store.db, wall=clock)
    await misses.record("old query")
    clock.now += 86400 * 89
    await misses.record("newer query")
    assert await misses.rows() == 2
    assert [m.query for m in await misses.top(days=90)] == ["newer query", "old query"]
    assert [m.query for m in await misses.top(days=7)] == ["newer query"]
    clock.now += 86400 * 2
    await misses.record("newest query")
    assert await misses.rows() == 2  # the old one is gone


def content_with_alias(tmp_path: Path, settings: Settings) -> Path:
    folder = tmp_path / "content-new"
    shutil.copytree(settings.content_dir, folder)
    people = folder / "people.toml"
    text = people.read_text(encoding="utf-8")
    marker = 'native = "Tuvshin Badral"\naliases = []'
    assert marker in text
    people.write_text(
        text.replace(marker, f'native = "Tuvshin Badral"\naliases = ["{NOBODY}"]'), encoding="utf-8"
    )
    return folder


async def test_stats_and_cli_list_misses_and_an_alias_loaded_while_running_ends_one(
    driver: Driver, settings: Settings, catalog: Catalog, cli: Cli, tmp_path: Path
) -> None:
    for user_id in (21, 22):
        await driver.feed(updates.message(NOBODY, user_id=user_id))
    await driver.feed(updates.message("Qwertyuiop", user_id=23))
    stats = [
        r
        for r in await driver.feed(updates.message("/stats", user_id=ADMIN_ID))
        if isinstance(r, SendMessage)
    ]
    assert (
        f"Searches that found nobody</b>, last 7 days:\n{NOBODY.lower()} × 2\nqwertyuiop × 1" in stats[0].text
    )
    env = {"DATABASE_PATH": str(settings.database_path)}
    listed = await asyncio.to_thread(cli, "search", "misses", "--days", "30", env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [f"2  {NOBODY.lower()}", "1  qwertyuiop"]

    # The running bot: its content watcher looks at the store's content version on its interval.
    ticks: asyncio.Queue[None] = asyncio.Queue()
    asleep = asyncio.Event()

    async def next_tick(_: float) -> None:
        asleep.set()
        await ticks.get()

    watcher = driver.dp["content_watcher"]
    watcher.sleep = next_tick
    await watcher.on_startup()
    try:
        await asleep.wait()
        loaded = await asyncio.to_thread(
            cli, "content", "load", env={**env, "CONTENT_DIR": str(content_with_alias(tmp_path, settings))}
        )
        assert loaded.returncode == 0, loaded.stderr
        asleep.clear()
        ticks.put_nowait(None)  # the interval has passed
        await asleep.wait()  # it looked, and waits for the next interval
        assert watcher.checks == 1
    finally:
        await watcher.on_shutdown()

    replies = await driver.texts(updates.message(NOBODY, user_id=24))
    assert "Tuvshin Badral" in replies[0]
    stats = [
        r
        for r in await driver.feed(updates.message("/stats", user_id=ADMIN_ID))
        if isinstance(r, SendMessage)
    ]
    assert NOBODY.lower() not in stats[0].text
    assert "qwertyuiop × 1" in stats[0].text
    listed = await asyncio.to_thread(cli, "search", "misses", env=env)
    assert listed.stdout.splitlines() == ["1  qwertyuiop"]


async def test_stats_without_misses_says_so(driver: Driver) -> None:
    stats = [
        r
        for r in await driver.feed(updates.message("/stats", user_id=ADMIN_ID))
        if isinstance(r, SendMessage)
    ]
    assert "Every search of the last 7 days found someone." in stats[0].text


@pytest.mark.parametrize("lang", ["ru", "zh"])
async def test_stats_misses_in_every_language(driver: Driver, lang: str) -> None:
    await driver.feed(updates.message(NOBODY, user_id=31))
    stats = [
        r
        for r in await driver.feed(updates.message("/stats", user_id=ADMIN_ID, language_code=lang))
        if isinstance(r, SendMessage)
    ]
    header = {"ru": "Поиски без результата", "zh": "没有结果的搜索"}[lang]
    assert header in stats[0].text
