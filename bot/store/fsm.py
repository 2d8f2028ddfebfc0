"""aiogram FSM storage in the bot's SQLite file, so a conversation in progress (an admin's /post) survives
a restart. aiogram ships memory, Redis and Mongo storages only."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey

from bot.store.db import Database
from bot.store.users import utcnow

STATE_CACHE_SIZE = 50_000


class SQLiteStorage(BaseStorage):
    """State and data per key in table `fsm_state`; a key with neither is deleted.

    aiogram asks for the state of every update (inline queries included), so states are cached in memory,
    written through: this process is the only writer of its store, and most users have no state at all.
    """

    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self.db = db
        self._states: OrderedDict[str, str | None] = OrderedDict()
        self.key_builder = key_builder or DefaultKeyBuilder(
            with_bot_id=True, with_business_connection_id=True, with_destiny=True
        )

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    def _remember(self, key: str, state: str | None) -> None:
        self._states[key] = state
        self._states.move_to_end(key)
        if len(self._states) > STATE_CACHE_SIZE:
            self._states.popitem(last=False)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        self._states.pop(self._key(key), None)  # never serve a stale state if the write fails
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO fsm_state (key, state, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                (self._key(key), value, utcnow()),
            )
            await conn.execute(
                "DELETE FROM fsm_state WHERE key = ? AND state IS NULL AND data = '{}'", (self._key(key),)
            )
        self._remember(self._key(key), value)

    async def get_state(self, key: StorageKey) -> str | None:
        built = self._key(key)
        if built in self._states:
            return self._states[built]
        async with self.db.read("SELECT state FROM fsm_state WHERE key = ?", (built,)) as cur:
            row = await cur.fetchone()
        state: str | None = row[0] if row else None
        self._remember(built, state)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        body = json.dumps(data, ensure_ascii=False, sort_keys=True)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO fsm_state (key, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (self._key(key), body, utcnow()),
            )
            await conn.execute(
                "DELETE FROM fsm_state WHERE key = ? AND state IS NULL AND data = '{}'", (self._key(key),)
            )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self.db.read("SELECT data FROM fsm_state WHERE key = ?", (self._key(key),)) as cur:
            row = await cur.fetchone()
        if row is None:
            return {}
        data: dict[str, Any] = json.loads(row[0])
        return data

    async def close(self) -> None:
        """The connection belongs to the store, which closes it after the dispatcher has stopped."""
