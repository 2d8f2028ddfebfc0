"""The store stays usable after any error: a failed COMMIT, a filesystem without WAL, a rolled-back post."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.news.repository import NewsDraft, Newsroom
from bot.store import Store
from bot.store.db import Database
from bot.store.migrations import MIGRATIONS
from bot.store.users import UserRepository

DRAFT = NewsDraft(texts={"ru": "Новость", "en": "News", "zh": "新闻"})


async def test_a_failed_commit_rolls_back_and_the_next_write_works(store: Store) -> None:
    # A filesystem without WAL: a reader in another connection blocks every COMMIT of ours.
    await store.db.conn.execute("PRAGMA journal_mode = DELETE")
    await store.db.conn.execute("PRAGMA busy_timeout = 50")
    reader = sqlite3.connect(store.db.path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM user").fetchone()  # holds a SHARED lock until its COMMIT
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await store.subscriptions.subscribe(1)
        reader.execute("COMMIT")
    finally:
        reader.close()

    assert not store.db.conn.in_transaction
    assert await store.subscriptions.subscribe(2)
    assert not await store.subscriptions.is_subscribed(1)  # the failed write left nothing behind


async def test_a_cancelled_transaction_leaves_the_connection_usable(store: Store) -> None:
    entered = asyncio.Event()

    async def stuck() -> None:
        async with store.db.transaction() as conn:
            await conn.execute("INSERT INTO user (id) VALUES (7)")
            entered.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.subscriptions.subscribe(8)
    assert await store.users.count() == 1


async def test_a_store_without_wal_says_so_in_one_line(caplog: pytest.LogCaptureFixture) -> None:
    # An in-memory database cannot do WAL, like a network filesystem without shared memory.
    with caplog.at_level(logging.WARNING, logger="bot.store.db"):
        db = await Database.open(Path(":memory:"))
    await db.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "WAL" in warnings[0]
    assert "\n" not in warnings[0]


async def test_reads_never_see_another_coroutines_uncommitted_post(store: Store) -> None:
    newsroom = Newsroom(store.db)
    inserted, go = asyncio.Event(), asyncio.Event()

    async def post_then_fail() -> None:
        async with store.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO news_item (text_ru, text_en, text_zh) VALUES ('черновик', 'draft', '草稿')"
            )
            inserted.set()
            await go.wait()
            raise RuntimeError("the post fails after its insert")

    writer = asyncio.create_task(post_then_fail())
    await inserted.wait()
    reader = asyncio.create_task(newsroom.items.latest())
    go.set()
    with pytest.raises(RuntimeError):
        await writer
    assert await reader is None


async def test_news_ids_are_never_reused(store: Store) -> None:
    newsroom = Newsroom(store.db)
    first = await newsroom.items.post(DRAFT, actor="test")
    async with store.db.transaction() as conn:
        await conn.execute("DELETE FROM news_item WHERE id = ?", (first.item_id,))
    second = await newsroom.items.post(DRAFT, actor="test")
    assert second.item_id > first.item_id


async def test_the_autoincrement_migration_keeps_existing_news(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        old.executescript(script)
    old.executescript(
        """
        PRAGMA user_version = 2;
        INSERT INTO user (id) VALUES (5);
        INSERT INTO subscription (user_id) VALUES (5);
        INSERT INTO news_item (id, text_ru, text_en, text_zh) VALUES (3, 'р', 'e', 'z');
        INSERT INTO news_audit (item_id, action, actor) VALUES (3, 'posted', 'shell');
        INSERT INTO delivery (item_id, user_id, state) VALUES (3, 5, 'sent');
        """
    )
    old.commit()
    old.close()

    store = await Store.open(path)
    try:
        newsroom = Newsroom(store.db)
        item = await newsroom.items.get(3)
        assert item is not None
        assert item.texts["en"] == "e"
        assert await newsroom.items.audit(3) == [("posted", "shell")]
        assert (await newsroom.outbox.get(3, 5) or {}).get("state") == "sent"
        posted = await newsroom.items.post(DRAFT, actor="test")
        assert posted.item_id == 4
        async with store.db.conn.execute("PRAGMA foreign_key_check") as cur:
            assert await cur.fetchall() == []
        async with store.db.conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone() or [0])[0] == 1
    finally:
        await store.close()


async def test_the_user_cache_is_bounded(store: Store) -> None:
    users = UserRepository(store.db, cache_size=3)
    for user_id in range(1, 11):
        await users.touch(user_id, "en")
    await users.touch(8, "en")  # recently used: kept
    await users.touch(11, "en")
    assert len(users._cache) <= 3
    assert 8 in users._cache
