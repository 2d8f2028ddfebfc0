"""The SQLite FSM storage keeps every stored state in memory: updates from people without a state (nearly
everyone) cost no query, and what is written is what is read, before and after a reopen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.store import Store
from bot.store.fsm import SQLiteStorage


class Flow(StatesGroup):
    step = State()
    other = State()


def key(user_id: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=user_id, user_id=user_id)


async def test_states_are_read_once_then_served_from_memory(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    storage = SQLiteStorage(store.db)
    await storage.set_state(key(1), Flow.step)
    await storage.set_state(key(2), Flow.other)
    await storage.set_state(key(2), None)
    await store.close()

    store = await Store.open(path)
    try:
        statements: list[str] = []
        await store.db.conn.set_trace_callback(statements.append)
        storage = SQLiteStorage(store.db)
        assert await storage.get_state(key(1)) == "Flow:step"
        assert await storage.get_state(key(2)) is None
        for user_id in range(100, 200):  # new people
            assert await storage.get_state(key(user_id)) is None
        assert len([s for s in statements if "fsm_state" in s]) == 1

        await storage.set_state(key(150), Flow.other)
        await storage.set_state(key(1), None)
        assert await storage.get_state(key(150)) == "Flow:other"
        assert await storage.get_state(key(1)) is None
    finally:
        await store.close()

    store = await Store.open(path)
    try:
        storage = SQLiteStorage(store.db)
        assert await storage.get_state(key(150)) == "Flow:other"
        assert await storage.get_state(key(1)) is None
    finally:
        await store.close()


async def test_a_failed_write_leaves_the_stored_state(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    storage = SQLiteStorage(store.db)
    await storage.set_state(key(1), Flow.step)
    await store.db.conn.execute(
        "CREATE TEMP TRIGGER refuse BEFORE UPDATE ON fsm_state BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    try:
        with pytest.raises(sqlite3.IntegrityError):
            await storage.set_state(key(1), Flow.other)
        await store.db.conn.execute("DROP TRIGGER refuse")
        assert await storage.get_state(key(1)) == "Flow:step"
    finally:
        await store.close()
