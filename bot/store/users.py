"""Who the bot knows: users (the language each chose) and who subscribed to the news.

These rows belong to people, not to any feature: content reloads and news never rewrite them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.store.db import Database, StoreError

log = logging.getLogger(__name__)

# Users whose (language, locale) is remembered, least recently seen dropped first: at ~200 bytes each, 100,000
# cost ~20 MB however many people the bot has ever met; someone dropped costs one write on their next update.
USER_CACHE_SIZE = 100_000
# Users seen by `seen()` are written this long after (a burst: one transaction); shutdown writes the rest.
WRITE_BEHIND_SECONDS = 0.25
WRITE_BEHIND_MAX = 1000  # this many waiting are written at once
RETRY_SECONDS = 2.0  # after a failed write (locked, full disk): the sightings wait, nothing is dropped
# Subscription states remembered (a bool each); past this the memory starts afresh.
SUBSCRIPTION_CACHE_SIZE = 100_000
_WATCH_FUNCTION = "roundtable_subscription_changed"
# A feature's part of /forget: its deletes, on the connection of the one transaction.
Forget = Callable[[Any], Awaitable[None]]


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class UserRepository:
    """Users the bot has seen and the language each chose; a small cache keeps updates free of writes."""

    def __init__(
        self,
        db: Database,
        cache_size: int = USER_CACHE_SIZE,
        subscriptions: SubscriptionRepository | None = None,
    ) -> None:
        self.db = db
        self.cache_size = cache_size
        self.subscriptions = subscriptions  # told the subscription state of the users looked up
        self._cache: OrderedDict[int, tuple[str | None, str | None]] = OrderedDict()
        self._lookups: dict[int, list[asyncio.Future[str | None]]] = {}
        self._lookup_task: asyncio.Task[None] | None = None
        self._pending: dict[int, str | None] = {}
        self._flush_timer: asyncio.TimerHandle | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._closed = False

    def _remember(self, user_id: int, entry: tuple[str | None, str | None]) -> None:
        self._cache[user_id] = entry
        self._cache.move_to_end(user_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def touch(self, user_id: int, language_code: str | None) -> str | None:
        """Record the user (first sight or a changed Telegram language); return the stored locale choice."""
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] == language_code:
            self._cache.move_to_end(user_id)
            return cached[1]
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO user (id, language_code) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET language_code = excluded.language_code, "
                "last_seen = excluded.last_seen",
                (user_id, language_code),
            )
            async with conn.execute("SELECT locale FROM user WHERE id = ?", (user_id,)) as cur:
                row = await cur.fetchone()
        locale = row[0] if row else None
        self._remember(user_id, (language_code, locale))
        return locale

    async def seen(self, user_id: int, language_code: str | None) -> str | None:
        """Like `touch`, for every update: return the stored locale choice; the row is written behind.

        Users not in the cache are looked up together (one query for the updates of a batch), and the
        sightings go to the database in one transaction `WRITE_BEHIND_SECONDS` later (and on `close()`).
        The locale itself is only ever written by `set_locale`, at once."""
        cached = self._cache.get(user_id)
        if cached is None:
            locale = await self._lookup(user_id)
            cached = self._cache.get(user_id)  # a `set_locale` (or another lookup) may have come first
            if cached is None:
                self._remember(user_id, (language_code, locale))
                self._write_later(user_id, language_code)
                return locale
        self._cache.move_to_end(user_id)
        if cached[0] != language_code:
            self._cache[user_id] = (language_code, cached[1])
            self._write_later(user_id, language_code)
        return cached[1]

    # -- batched lookups -----------------------------------------------------------------------------------
    async def _lookup(self, user_id: int) -> str | None:
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._lookups.setdefault(user_id, []).append(future)
        if self._lookup_task is None:
            # Runs after the other updates of the batch, already scheduled, have asked too.
            self._lookup_task = asyncio.get_running_loop().create_task(self._run_lookups())
        return await future

    async def _run_lookups(self) -> None:
        try:
            while self._lookups:
                batch, self._lookups = self._lookups, {}
                try:
                    found = await self._read_users(list(batch))
                except Exception as exc:
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                for user_id, futures in batch.items():
                    for future in futures:
                        if not future.done():
                            future.set_result(found.get(user_id))
        finally:
            self._lookup_task = None

    async def _read_users(self, user_ids: list[int]) -> dict[int, str | None]:
        """Stored locales of `user_ids` (absent: not stored); their subscription state goes to the
        subscription cache on the way (read in the same turn, so no write slips in between)."""
        found: dict[int, str | None] = {}
        async with self.db.read(
            "SELECT j.value, u.locale, s.user_id IS NOT NULL FROM json_each(?) AS j "
            "LEFT JOIN user AS u ON u.id = j.value LEFT JOIN subscription AS s ON s.user_id = j.value",
            (json.dumps(user_ids),),
        ) as cur:
            rows = await cur.fetchall()
            subscriptions = self.subscriptions
            for user_id, locale, subscribed in rows:
                found[user_id] = locale
                if subscriptions is not None:
                    subscriptions.remember(user_id, bool(subscribed))
        return found

    # -- write-behind --------------------------------------------------------------------------------------
    def _write_later(self, user_id: int, language_code: str | None) -> None:
        self._pending[user_id] = language_code
        if self._flush_task is not None:
            return
        if len(self._pending) >= WRITE_BEHIND_MAX:
            self._start_flush()
        elif self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(WRITE_BEHIND_SECONDS, self._start_flush)

    def _start_flush(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if self._flush_task is None and not self._closed:
            self._flush_task = asyncio.get_running_loop().create_task(self._flush_in_background())

    async def _flush_in_background(self) -> None:
        try:
            while self._pending:
                await self.flush()
        except (sqlite3.Error, StoreError) as exc:
            log.warning(
                "cannot record %d user(s) yet, retrying in %.0f s: %s", len(self._pending), RETRY_SECONDS, exc
            )
            if not self._closed:
                self._flush_timer = asyncio.get_running_loop().call_later(RETRY_SECONDS, self._start_flush)
        finally:
            self._flush_task = None

    @property
    def pending(self) -> int:
        """Users seen but not written yet."""
        return len(self._pending)

    async def flush(self) -> None:
        """Write every user seen so far in one transaction; on failure they stay queued."""
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        try:
            async with self.db.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO user (id, language_code) VALUES (?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET language_code = excluded.language_code, "
                    "last_seen = excluded.last_seen",
                    list(batch.items()),
                )
        except BaseException:
            for user_id, language_code in batch.items():  # newer sightings win
                self._pending.setdefault(user_id, language_code)
            raise

    async def close(self) -> None:
        """Stop writing behind and write what is waiting (the store closes next)."""
        self._closed = True
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if self._flush_task is not None:
            await asyncio.gather(self._flush_task, return_exceptions=True)
        try:
            await self.flush()
        except (sqlite3.Error, StoreError) as exc:
            log.error("could not record %d user(s) seen before the stop: %s", len(self._pending), exc)

    async def get_locale(self, user_id: int) -> str | None:
        async with self.db.read("SELECT locale FROM user WHERE id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def set_locale(self, user_id: int, locale: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO user (id, locale) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET locale = excluded.locale",
                (user_id, locale),
            )
        cached = self._cache.get(user_id)
        self._remember(user_id, (cached[0] if cached else None, locale))

    async def forget(self, user_id: int, *, also: Sequence[Forget] = ()) -> None:
        """Delete the user's row and their subscription (idempotent), and with `also` what the features keep
        about them (the news outbox's rows, an FSM state): each gets the connection, all in one transaction,
        so a failure leaves everything and a post committed meanwhile finds no one to queue for. The next
        update from them records them afresh.

        Sightings still waiting to be written (this very update's among them) are written first, so none
        can bring the row back after it is deleted."""
        await self.flush()
        async with self.db.transaction() as conn:
            for part in also:
                await part(conn)
            await conn.execute("DELETE FROM subscription WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM user WHERE id = ?", (user_id,))
        self._cache.pop(user_id, None)

    async def count(self) -> int:
        await self.flush()
        async with self.db.read("SELECT count(*) FROM user") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0


class SubscriptionRepository:
    """Who wants news about the initiative; survives restarts and content reloads."""

    def __init__(self, db: Database, cache_size: int = SUBSCRIPTION_CACHE_SIZE) -> None:
        self.db = db
        self.cache_size = cache_size
        # user id → subscribed. Filled only while a trigger on the connection forgets a user whenever their
        # row in `subscription` is written, whoever writes it (these methods, the broadcaster's drop, a
        # cascade): the trigger's function runs on aiosqlite's thread, so only atomic dict calls are used.
        self._known: dict[int, bool] = {}
        self._watching = False

    async def watch(self) -> None:
        """Install the trigger that keeps the cache coherent (once per connection)."""
        if self._watching:
            return
        known = self._known

        def changed(user_id: int) -> None:
            known.pop(user_id, None)

        await self.db.conn.create_function(_WATCH_FUNCTION, 1, changed)
        async with self.db.transaction() as conn:
            await conn.execute(
                "CREATE TEMP TRIGGER IF NOT EXISTS subscription_insert_watch AFTER INSERT ON subscription "
                "BEGIN SELECT roundtable_subscription_changed(NEW.user_id); END"
            )
            await conn.execute(
                "CREATE TEMP TRIGGER IF NOT EXISTS subscription_delete_watch AFTER DELETE ON subscription "
                "BEGIN SELECT roundtable_subscription_changed(OLD.user_id); END"
            )
            await conn.execute(
                "CREATE TEMP TRIGGER IF NOT EXISTS subscription_update_watch AFTER UPDATE ON subscription "
                "BEGIN SELECT roundtable_subscription_changed(OLD.user_id); "
                "SELECT roundtable_subscription_changed(NEW.user_id); END"
            )
        self._watching = True

    def remember(self, user_id: int, subscribed: bool) -> None:
        """Record a state just read from the database (call while holding the database's turn)."""
        if not self._watching:
            return
        if len(self._known) >= self.cache_size:
            self._known.clear()
        self._known[user_id] = subscribed

    async def subscribe(self, user_id: int) -> bool:
        """Subscribe; True when the user was not subscribed before."""
        async with self.db.transaction() as conn:
            await conn.execute("INSERT INTO user (id) VALUES (?) ON CONFLICT DO NOTHING", (user_id,))
            cur = await conn.execute(
                "INSERT INTO subscription (user_id) VALUES (?) ON CONFLICT DO NOTHING", (user_id,)
            )
            return cur.rowcount > 0

    async def unsubscribe(self, user_id: int) -> bool:
        """Unsubscribe; True when the user was subscribed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM subscription WHERE user_id = ?", (user_id,))
            return cur.rowcount > 0

    async def is_subscribed(self, user_id: int) -> bool:
        known = self._known.get(user_id)
        if known is not None:
            return known
        await self.watch()
        async with self.db.read("SELECT 1 FROM subscription WHERE user_id = ?", (user_id,)) as cur:
            subscribed = await cur.fetchone() is not None
            self.remember(user_id, subscribed)  # before the turn ends: no write slips in between
        return subscribed

    async def count(self) -> int:
        async with self.db.read("SELECT count(*) FROM subscription") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0
