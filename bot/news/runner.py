"""A background task that aiogram's startup and shutdown hooks start and stop (polling, webhook and the
console all emit them): it runs passes (`deliver_due`), each saying when the next one is due, and waits for
that moment, a `wake()` or `poll_interval`, whichever is first; `stop()` ends it between passes. The
broadcaster is one; `drain()` runs passes until nothing is due, for tests, the benchmark and the console."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot

log = logging.getLogger(__name__)


class BackgroundLoop:
    name = "background"

    def __init__(self, poll_interval: float) -> None:
        self.poll_interval = poll_interval
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()

    # -- what a loop does ------------------------------------------------------------------------------------
    def describe(self) -> str:
        """For the log line at start."""
        return ""

    async def recover(self) -> int:
        """Before the first pass: take up what a crash left half done; returns how much."""
        return 0

    async def deliver_due(self, bot: Bot) -> float | None:
        """One pass: returns seconds until the next one is due (None: nothing is waiting)."""
        raise NotImplementedError

    async def _pause(self, seconds: float, *, wakeable: bool = False) -> None:
        """Sleep unless stopping; `wakeable` also ends it when `wake()` is called."""
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def state(self) -> str:
        """`stopped`, `idle` (nothing due) or `sending`: for health checks."""
        if not self.running:
            return "stopped"
        return "idle" if self._idle.is_set() else "sending"

    async def start(self, bot: Bot) -> None:
        if self.running:
            return
        self._stopping.clear()
        await self.recover()
        self._task = asyncio.create_task(self._run(bot), name=self.name)
        log.info("%s started (%s)", self.name, self.describe())

    async def stop(self) -> None:
        """Stop between passes: what is in flight finishes and is recorded, nothing new starts."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            await task
            log.info("%s stopped", self.name)

    def wake(self) -> None:
        """Look now (an item was just posted) instead of at the next poll."""
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        """Until the running loop has nothing due."""
        await self._idle.wait()

    # aiogram startup/shutdown hooks
    async def on_startup(self, bot: Bot) -> None:
        await self.start(bot)

    async def on_shutdown(self) -> None:
        await self.stop()

    async def _run(self, bot: Bot) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                wait = await self.deliver_due(bot)
            except Exception:
                log.exception("%s: unexpected error; retrying in %.0f s", self.name, self.poll_interval * 5)
                await self._pause(self.poll_interval * 5)
                continue
            self._idle.set()
            timeout = self.poll_interval if wait is None else min(max(wait, 0.0), self.poll_interval)
            await self._pause(timeout, wakeable=True)

    async def drain(self, bot: Bot) -> None:
        """Run passes until nothing is due, sleeping (the injected sleep) through backoffs."""
        if not self.running:
            await self.recover()
        while not self._stopping.is_set():
            wait = await self.deliver_due(bot)
            if wait is None:
                break
            await self._pause(wait)
