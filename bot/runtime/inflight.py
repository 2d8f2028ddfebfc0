"""Updates being handled right now, so a shutdown can finish them instead of cutting them off.

aiogram's polling confirms a batch of updates with the next `getUpdates` and runs each update as a task; on
SIGTERM it cancels the fetch and returns, leaving those tasks to be cancelled when the process exits — the
updates are confirmed, their answers never sent. A webhook update that runs past aiogram's answer timeout is
moved to the background the same way. Every update passes through `Dispatcher.feed_update`, so counting
there sees them all, whichever way they came in; it is also where one sender's backlog is bounded
(`Backlog`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.types import TelegramObject, Update

from bot.runtime.routing import walk_below

log = logging.getLogger(__name__)


class InFlight:
    """How many updates are being handled, and the newest update id ever started."""

    def __init__(self) -> None:
        self.count = 0
        self.last_update_id: int | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    @contextmanager
    def track(self, update_id: int) -> Iterator[None]:
        self.count += 1
        self._idle.clear()
        if self.last_update_id is None or update_id > self.last_update_id:
            self.last_update_id = update_id
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait(self, timeout: float) -> bool:
        """Until no update is being handled; False if some still were after `timeout` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), max(timeout, 0.0))
        except TimeoutError:
            return self.count == 0
        return True


# Updates of one person in one chat handled at once, at most: their replies take about a second each.
PER_SENDER = 10


class Backlog:
    """Updates of one person in one chat being handled at once, so that one person cannot take every handler.

    Polling handles a bounded number of updates at once (`runtime.polling.HANDLER_TASKS`), and one chat's
    handlers wait for each other (event isolation) and for that chat's sending slots (about one a second):
    someone pasting a hundred messages would otherwise hold every handler for a hundred seconds. Past
    `limit` of their updates in flight, further ones are skipped (logged once until they catch up)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._counts: dict[tuple[int | None, int | None], int] = {}
        self._over: set[tuple[int | None, int | None]] = set()

    @contextmanager
    def take(self, update: Update) -> Iterator[bool]:
        """Yields whether to handle `update` (False: its sender has `limit` updates in flight already)."""
        context = UserContextMiddleware.resolve_event_context(update)
        key = (context.chat_id, context.user_id)
        if key == (None, None):
            yield True
            return
        count = self._counts.get(key, 0)
        if count >= self.limit:
            if key not in self._over:
                self._over.add(key)
                log.warning(
                    "chat %s, user %s: %d updates in flight already; skipping more until they are done",
                    *key,
                    count,
                )
            yield False
            return
        self._counts[key] = count + 1
        try:
            yield True
        finally:
            left = self._counts[key] - 1
            if left:
                self._counts[key] = left
            else:
                del self._counts[key]
                self._over.discard(key)


class TrackingDispatcher(Dispatcher):
    """aiogram's Dispatcher, counting the updates in flight (`in_flight`) and bounding them per sender
    (`backlog`); its routers are walked by `runtime.routing` (same outcome, less work)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight = InFlight()
        self.backlog = Backlog(PER_SENDER)

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        # Entered in the first step of aiogram's handler task, before anything awaits: by the time polling
        # has stopped, every update it took is counted.
        with self.in_flight.track(update.update_id), self.backlog.take(update) as handle:
            if not handle:
                return None
            return await super().feed_update(bot, update, **kwargs)

    async def _propagate_event(
        self,
        observer: TelegramEventObserver | None,
        update_type: str,
        event: TelegramObject,
        **kwargs: Any,
    ) -> Any:
        return await walk_below(self, observer, update_type, event, kwargs)
