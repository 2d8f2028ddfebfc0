"""Users written behind in batches (nothing lost at a stop), and the subscription cache kept coherent with
every write to the subscription table."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.core.callbacks import SubscribeCb
from bot.news.repository import Newsroom
from bot.store import Store
from bot.store import users as users_module
from tests import updates
from tests.chat_support import datas, one_message
from tests.conftest import Driver


async def rows(store: Store) -> dict[int, tuple[str | None, str | None]]:
    async with store.db.conn.execute("SELECT id, language_code, locale FROM user") as cur:
        return {row[0]: (row[1], row[2]) for row in await cur.fetchall()}


async def test_users_seen_are_written_on_close(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    await asyncio.gather(*(store.users.seen(i, "ru") for i in range(1, 301)))
    assert store.users.pending == 300
    assert await rows(store) == {}  # not yet: written behind
    await store.close()
    store = await Store.open(path)
    try:
        assert len(await rows(store)) == 300
        assert (await rows(store))[7] == ("ru", None)
    finally:
        await store.close()


async def test_users_seen_are_written_within_the_window(store: Store) -> None:
    await store.users.seen(5, "en")
    await asyncio.sleep(users_module.WRITE_BEHIND_SECONDS * 4)
    assert store.users.pending == 0
    assert await rows(store) == {5: ("en", None)}


async def test_a_changed_telegram_language_is_written_and_the_count_is_exact(store: Store) -> None:
    await store.users.seen(5, "en")
    await store.users.seen(5, "de")
    assert await store.users.count() == 1  # flushes first
    assert await rows(store) == {5: ("de", None)}


async def test_the_stored_choice_is_read_by_a_new_process(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    await store.users.seen(9, "en")
    await store.users.set_locale(9, "zh")
    assert await store.users.seen(9, "en") == "zh"
    await store.close()
    store = await Store.open(path)
    try:
        # Looked up together with other new users, in one query.
        found = await asyncio.gather(store.users.seen(9, "en"), store.users.seen(10, "en"))
        assert found == ["zh", None]
    finally:
        await store.close()


async def test_a_failed_write_keeps_the_users_for_later(store: Store) -> None:
    await store.users.seen(1, "en")
    await store.db.conn.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.Error):
        await store.users.flush()
    assert store.users.pending == 1
    await store.db.conn.execute("PRAGMA query_only = OFF")
    await store.users.flush()
    assert await rows(store) == {1: ("en", None)}


async def test_the_subscription_cache_follows_every_write(store: Store) -> None:
    subs = store.subscriptions
    assert not await subs.is_subscribed(3)
    assert await subs.subscribe(3)
    assert await subs.is_subscribed(3)
    assert await subs.unsubscribe(3)
    assert not await subs.is_subscribed(3)
    await subs.subscribe(3)
    assert await subs.is_subscribed(3)
    # The broadcaster drops a subscriber who blocked the bot with its own SQL: the cache hears of it.
    await Newsroom(store.db).outbox.drop(1, 3, "Forbidden: bot was blocked by the user", unsubscribe=True)
    assert not await subs.is_subscribed(3)


async def test_the_user_lookup_fills_the_subscription_cache_coherently(store: Store) -> None:
    await store.subscriptions.subscribe(4)
    await store.users.seen(4, "en")  # read with the user row
    assert store.subscriptions._known.get(4) is True
    await store.subscriptions.unsubscribe(4)
    assert 4 not in store.subscriptions._known
    assert not await store.subscriptions.is_subscribed(4)


async def test_subscribing_then_start_shows_unsubscribe(driver: Driver) -> None:
    first = one_message(await driver.feed(updates.message("/start", user_id=61, language_code="en")))
    assert SubscribeCb(on=True).pack() in datas(first.reply_markup)
    await driver.feed(updates.message("/subscribe", user_id=61, language_code="en"))
    again = one_message(await driver.feed(updates.message("/start", user_id=61, language_code="en")))
    assert SubscribeCb(on=False).pack() in datas(again.reply_markup)
    await driver.feed(updates.message("/unsubscribe", user_id=61, language_code="en"))
    last = one_message(await driver.feed(updates.message("/start", user_id=61, language_code="en")))
    assert SubscribeCb(on=True).pack() in datas(last.reply_markup)
