"""Writing what became of the broadcaster's deliveries: in batches, one transaction for every result that
arrived while the previous one was being written (a fast broadcast costs a few transactions a second, not one
a message), retried with a short backoff when the database is locked, and kept in memory when it stays
locked, to be written before anything else is sent (their rows stay `sending` meanwhile: nothing sends them
again)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.news.outbox import DeliveryResult, OutboxRepository

log = logging.getLogger(__name__)

FAST_RATE = 100.0  # messages a second (paid broadcasts) above which results are gathered for a while
WRITE_LINGER = 0.02  # seconds


class ResultWriter:
    def __init__(
        self,
        outbox: OutboxRepository,
        *,
        sleep: Callable[[float], Awaitable[None]],
        free: Callable[[list[int]], None],
        attempts: int = 3,
        backoff: float = 0.5,
        linger: float = 0.0,
    ) -> None:
        """`free`: told the chats whose rows are written (or kept to write later): their places in the
        broadcaster's window are free. `linger`: how long a write waits for more results to join it."""
        self.outbox = outbox
        self.sleep = sleep
        self.free = free
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.linger = linger
        self.unrecorded: list[DeliveryResult] = []  # could not be written: written before anything is sent
        self._writes: list[DeliveryResult] = []  # waiting for the next write
        self._writing = False

    async def write(self, *results: DeliveryResult) -> None:
        """Write the results of claimed deliveries, then free their places. Results that arrive while a write
        runs are written together by the next one; the caller that finds no write running does the writing,
        for every result that arrives meanwhile."""
        self._writes.extend(results)
        if self._writing:
            return
        self._writing = True
        try:
            if self.linger:
                await self.sleep(self.linger)  # let the results of the next few messages join this write
            while self._writes:
                batch, self._writes = self._writes, []
                await self.record(batch)
                self.free([r.user_id for r in batch])
        finally:
            self._writing = False

    async def record(self, results: list[DeliveryResult]) -> bool:
        """Write results in one transaction, retrying with a short backoff; if the database still refuses,
        keep them for `record_unrecorded`."""
        for attempt in range(self.attempts):
            try:
                await self.outbox.record(results)
            except Exception as exc:
                if attempt + 1 < self.attempts:
                    log.warning("broadcaster: cannot record %d deliveries (%s); retrying", len(results), exc)
                    await self.sleep(self.backoff * 2**attempt)
                    continue
                log.exception("broadcaster: cannot record %d deliveries; kept to record later", len(results))
                self.unrecorded.extend(results)
                return False
            return True
        return False  # pragma: no cover (attempts >= 1)

    async def record_unrecorded(self) -> bool:
        """Write the results kept in memory; True when none is left."""
        if not self.unrecorded:
            return True
        try:
            await self.outbox.record(self.unrecorded)
        except Exception as exc:
            log.warning("broadcaster: still cannot record %d deliveries: %s", len(self.unrecorded), exc)
            return False
        log.info("broadcaster: recorded %d deliveries late", len(self.unrecorded))
        self.unrecorded.clear()
        return True
