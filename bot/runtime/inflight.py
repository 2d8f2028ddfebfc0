"""Updates being handled right now, so a shutdown can finish them instead of cutting them off.

aiogram's polling confirms a batch of updates with the next `getUpdates` and runs each update as a task; on
SIGTERM it cancels the fetch and returns, leaving those tasks to be cancelled when the process exits — the
updates are confirmed, their answers never sent. A webhook update that runs past aiogram's answer timeout is
moved to the background the same way. Every update passes through `Dispatcher.feed_update`, so counting
there sees them all, whichever way they came in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.types import TelegramObject, Update

from bot.runtime.routing import walk_below


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


class TrackingDispatcher(Dispatcher):
    """aiogram's Dispatcher, counting the updates in flight (`in_flight`); its routers are walked by
    `runtime.routing` (same outcome, less work)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight = InFlight()

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        # Entered in the first step of aiogram's handler task, before anything awaits: by the time polling
        # has stopped, every update it took is counted.
        with self.in_flight.track(update.update_id):
            return await super().feed_update(bot, update, **kwargs)

    async def _propagate_event(
        self,
        observer: TelegramEventObserver | None,
        update_type: str,
        event: TelegramObject,
        **kwargs: Any,
    ) -> Any:
        return await walk_below(self, observer, update_type, event, kwargs)
