"""aiogram FSM storage in the bot's SQLite file, so a conversation in progress (an admin's /post) survives
a restart. aiogram ships memory, Redis and Mongo storages only."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey

from bot.store.db import Database
from bot.store.users import utcnow


class SQLiteStorage(BaseStorage):
    """State and data per key in table `fsm_state`; a key with neither is deleted.

    aiogram asks for the state of every update (inline queries included), and almost nobody has one (only an
    admin writing a news item): every stored state is read once, on first use, and kept in memory, written
    through (this process is the only writer of its store). A key not in memory has no state: a new user's
    update costs no query.
    """

    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self.db = db
        self._states: dict[str, str] | None = None  # every key with a stored state, once read
        self.key_builder = key_builder or DefaultKeyBuilder(
            with_bot_id=True, with_business_connection_id=True, with_destiny=True
        )

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    async def _stored_states(self) -> dict[str, str]:
        if self._states is None:
            async with self.db.read("SELECT key, state FROM fsm_state WHERE state IS NOT NULL") as cur:
                self._states = {key: state for key, state in await cur.fetchall()}
        return self._states

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        built = self._key(key)
        states = await self._stored_states()
        try:
            async with self.db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO fsm_state (key, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) "
                    "DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                    (built, value, utcnow()),
                )
                await conn.execute(
                    "DELETE FROM fsm_state WHERE key = ? AND state IS NULL AND data = '{}'", (built,)
                )
        except BaseException:
            self._states = None  # whether the write landed is unknown: read them all again on next use
            raise
        if value is None:
            states.pop(built, None)
        else:
            states[built] = value

    async def forget_in(self, conn: Any, key: StorageKey) -> None:
        """/forget's part here, inside its transaction: the key's state and data, gone (every stored state is
        read again on next use, so a rolled-back transaction loses nothing)."""
        self._states = None
        await conn.execute("DELETE FROM fsm_state WHERE key = ?", (self._key(key),))

    async def get_state(self, key: StorageKey) -> str | None:
        states = self._states if self._states is not None else await self._stored_states()
        return states.get(self._key(key))

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
