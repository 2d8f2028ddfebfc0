"""Store faults: a file locked by another process, a full disk, kill -9 in the middle of a content reload."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path

import pytest
from aiogram.methods import SendMessage

from bot.catalog.library import Catalog
from bot.store import Store
from tests import updates
from tests.conftest import ROOT, Driver
from tests.processes import TIMEOUT, reaped, wait


async def test_a_write_waits_for_another_process_lock(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    try:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO user (id) VALUES (777)")
        begun = threading.Event()

        def trace(sql: str) -> None:
            if sql.startswith("BEGIN"):
                begun.set()

        await store.db.conn.set_trace_callback(trace)
        locked = asyncio.ensure_future(store.subscriptions.subscribe(1))
        # The write has started its transaction while the other process holds the lock: only the busy
        # timeout lets it succeed once that process commits.
        assert await asyncio.to_thread(begun.wait, 10), "the write never started"
        assert not locked.done(), "the write should be waiting on the busy timeout"
        threading.Thread(target=lambda: other.execute("COMMIT")).start()
        assert await asyncio.wait_for(locked, 10) is True
        other.close()
        assert await store.users.count() == 2
    finally:
        await store.close()


async def test_a_full_disk_is_a_polite_reply_and_keeps_stored_data(driver: Driver, store: Store) -> None:
    await store.subscriptions.subscribe(5)
    async with store.db.conn.execute("PRAGMA page_count") as cur:
        pages = (await cur.fetchone())[0]
    await store.db.conn.execute(f"PRAGMA max_page_count = {pages}")
    # A brand-new user with a long language code needs a new row: the disk is "full".
    user_id = 2000
    for size in (3000, 300, 1):  # fill what room is left so the next write must fail
        while True:
            user_id += 1
            try:
                await store.users.touch(user_id, "x" * size)
            except sqlite3.OperationalError:
                break
    with pytest.raises(sqlite3.OperationalError, match="full"):
        await store.subscriptions.subscribe(4242)
    requests = await driver.feed(updates.message("/start", user_id=31337, language_code="ru"))
    texts = [r.text for r in requests if isinstance(r, SendMessage)]
    assert texts, "the user got no reply"
    assert await store.subscriptions.is_subscribed(5)
    async with store.db.conn.execute("PRAGMA integrity_check") as cur:
        assert (await cur.fetchone())[0] == "ok"


async def content_load_process(db: Path) -> asyncio.subprocess.Process:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(db)}
    code = (
        "import asyncio\n"
        "from bot.core.config import load_settings\n"
        "from bot.catalog.content import load_content\n"
        "from bot.store import Store\n"
        "from bot.catalog.library import Catalog\n"
        "async def main():\n"
        "    s = load_settings()\n"
        "    c = load_content(s.content_dir)\n"
        "    store = await Store.open(s.database_path)\n"
        "    catalog = Catalog(store.db)\n"
        "    print('ready', flush=True)\n"
        "    while True:\n"
        "        await catalog.load_content(c)\n"
        "asyncio.run(main())\n"
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


@pytest.mark.parametrize("run", range(3))
async def test_kill_9_during_content_reload_keeps_store_intact(tmp_path: Path, run: int) -> None:
    db = tmp_path / "bot.sqlite3"
    store = await Store.open(db)
    catalog = Catalog(store.db)
    await catalog.ensure_content(ROOT / "content")
    for user_id in range(1, 21):
        await store.subscriptions.subscribe(user_id)
    await store.users.set_locale(3, "zh")
    await store.close()

    process = await content_load_process(db)
    assert process.stdout is not None
    async with reaped(process):
        ready = await asyncio.wait_for(process.stdout.readline(), TIMEOUT)
        assert ready == b"ready\n", "the reload worker did not start"
        await asyncio.sleep(0.05 * (run + 1))  # not a wait: another kill point each run
        process.send_signal(signal.SIGKILL)
        assert await wait(process) == -signal.SIGKILL

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = await Store.open(db)
    catalog = Catalog(store.db)
    try:
        assert await store.subscriptions.count() == 20
        assert await store.users.get_locale(3) == "zh"
        content = await catalog.ensure_content(ROOT / "content")
        assert len(content.people) == 10
    finally:
        await store.close()
