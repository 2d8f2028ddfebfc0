"""`python -m bot content load` reaching a running bot: the content tables carry a version
(`content_meta`), and the bot looks at it every CONTENT_CHECK_INTERVAL seconds; a new version is read from the
store and served from the next update on (search index and cached screens follow the snapshot)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

from bot.catalog.library import Catalog

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class ContentWatcher:
    """A background task started and stopped by the dispatcher's startup/shutdown hooks."""

    def __init__(self, catalog: Catalog, interval: float, sleep: Sleep = asyncio.sleep) -> None:
        self.catalog = catalog
        self.interval = interval
        self.sleep = sleep
        self.checks = 0  # looks taken, for the tests
        self._task: asyncio.Task[None] | None = None

    async def on_startup(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="content-watcher")

    async def on_shutdown(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self.sleep(self.interval)
            try:
                await self.catalog.refresh()
            except Exception as exc:  # a store that does not answer now may answer next time (/healthz says)
                log.warning("content check failed: %s: %s", type(exc).__name__, exc)
            self.checks += 1
