"""One SQLite connection (aiosqlite) with the pragmas we rely on, and the migrations that run on open."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

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
        # One connection serves every concurrent update: transactions, and reads outside them, take turns
        # on it (a read between another coroutine's INSERT and its ROLLBACK would see a row that never was).
        self._turn = asyncio.Lock()

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
        async with self.conn.execute("PRAGMA journal_mode = WAL") as cur:
            row = await cur.fetchone()
        mode = str(row[0]) if row else "unknown"
        if mode.lower() != "wal":
            log.warning(
                "database %s: journal mode is %s, not WAL (this filesystem cannot do WAL): a reader in "
                "another process makes writes wait or fail",
                self.path,
                mode,
            )
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
            # Foreign keys off while a migration rebuilds a table (SQLite's own recipe: a DROP TABLE would
            # otherwise cascade into its children), checked before the commit; the pragma is a no-op inside
            # a transaction, so it is switched around it.
            await self.conn.execute("PRAGMA foreign_keys = OFF")
            try:
                async with self.transaction():
                    for statement in _statements(script):
                        await self.conn.execute(statement)
                    async with self.conn.execute("PRAGMA foreign_key_check") as cur:
                        broken = await cur.fetchone()
                    if broken is not None:
                        raise StoreError(f"database {self.path}: migration {version} breaks a foreign key")
                    await self.conn.execute(f"PRAGMA user_version = {version}")
            finally:
                await self.conn.execute("PRAGMA foreign_keys = ON")
            log.info("database migrated to schema version %d", version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error (a failed BEGIN or COMMIT included), so a write
        is all or nothing and the shared connection is never left inside a transaction.

        Transactions on the shared connection run one at a time (not reentrant: never nest them)."""
        async with self._turn:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
                await self.conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        # Unconditional: aiosqlite runs statements in order on its own thread, so even when this coroutine
        # was cancelled while its BEGIN or COMMIT was still queued, this ROLLBACK runs after it. A COMMIT that
        # failed (SQLITE_BUSY) leaves the transaction open; one that never began has nothing to undo.
        with suppress(sqlite3.OperationalError):  # "no transaction is active"
            await self.conn.execute("ROLLBACK")

    @asynccontextmanager
    async def read(
        self, sql: str, parameters: Iterable[Any] | dict[str, Any] = ()
    ) -> AsyncIterator[aiosqlite.Cursor]:
        """A query outside any transaction, taking its turn with them: it sees committed data only."""
        async with self._turn, self.conn.execute(sql, parameters) as cursor:
            yield cursor

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
