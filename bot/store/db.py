"""One SQLite connection (aiosqlite) with the pragmas we rely on, and the migrations that run on open."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The database cannot be used (unreadable, read-only, corrupt, from a newer version)."""


class Database:
    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.conn = connection
        self.path = path
        # One connection serves every concurrent update: transactions must take turns on it.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        try:
            conn = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from None
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await db._configure()
            await db._migrate()
        except sqlite3.Error as exc:
            await conn.close()
            raise StoreError(f"database {path}: {exc}") from None
        except BaseException:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        await self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await self.conn.execute("PRAGMA journal_mode = WAL")
        await self.conn.execute("PRAGMA synchronous = NORMAL")
        await self.conn.execute("PRAGMA foreign_keys = ON")

    async def user_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.user_version()
        if current > len(MIGRATIONS):
            raise StoreError(
                f"database {self.path} has schema version {current}, newer than this bot "
                f"({len(MIGRATIONS)}); upgrade the bot"
            )
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            async with self.transaction():
                for statement in _statements(script):
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version = {version}")
            log.info("database migrated to schema version %d", version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error, so a write is all or nothing.

        Transactions on the shared connection run one at a time (not reentrant: never nest them)."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def close(self) -> None:
        await self.conn.close()


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
