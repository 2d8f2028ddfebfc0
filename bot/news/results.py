"""What became of the broadcaster's deliveries, decided and written.

What an outcome (`outcomes.py`) means for the delivery's row: sent, dropped (and unsubscribed), failed, or
pending again — at once and not counted against it when the whole broadcast waits (a 429, an outage, a
revoked token), after a doubling backoff when it is the chat's own fault, failed after `max_attempts`.

Results are written in batches, one transaction for every result that arrived while the previous one was
being written (a fast broadcast costs a few transactions a second, not one
a message), retried with a short backoff when the database is locked, and kept in memory when it stays
locked, to be written before anything else is sent (their rows stay `sending` meanwhile: nothing sends them
again)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiogram.types import Message

from bot.news.copies import Copy
from bot.news.outage import OutageDetector
from bot.news.outbox import DeliveryResult, DueDelivery, OutboxRepository
from bot.news.outcomes import Action, Outcome

log = logging.getLogger(__name__)

FAST_RATE = 100.0  # messages a second (paid broadcasts) above which results are gathered for a while
WRITE_LINGER = 0.02  # seconds


@dataclass
class BroadcastCounters:
    """What this process has done since it started (the store holds the durable figures)."""

    sent: int = 0
    dropped: int = 0
    failed: int = 0
    retried: int = 0
    retry_after: int = 0


class Brakes(Protocol):
    """What the broadcaster does for the whole broadcast when one result says so; the moments returned are
    wall seconds, to store as the delivery's `next_attempt_at`."""

    def pause_all(self, retry_after: float) -> float:
        """A 429: nothing is sent for `retry_after` seconds; returns when sending resumes."""
        ...

    def outage_pause(self, error: str) -> float:
        """Telegram unreachable: every send pauses (a growing backoff); returns when sending resumes."""
        ...

    def resumed(self) -> None:
        """A send got through: an outage is over."""
        ...

    def refused_token(self, reason: str) -> None:
        """A 401: stop with everything pending."""
        ...


class ResultWriter:
    def __init__(
        self,
        outbox: OutboxRepository,
        *,
        wall: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        free: Callable[[list[int]], None],
        outage: OutageDetector,
        retry_in: Callable[[int], float | None],
        attempts: int = 3,
        backoff: float = 0.5,
        linger: float = 0.0,
    ) -> None:
        """`retry_in`: seconds before a delivery at fault is tried again after so many attempts (None: it
        fails). `free`: told the chats whose rows are written (or kept to write later): their places in the
        broadcaster's window are free. `attempts` and `backoff`: writing a batch is retried so, then the
        batch is kept. `linger`: how long a write waits for more results to join it."""
        self.outbox = outbox
        self.wall = wall
        self.sleep = sleep
        self.free = free
        self.outage = outage
        self.retry_in = retry_in
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.linger = linger
        self.counters = BroadcastCounters()
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

    # -- what a delivery came to ----------------------------------------------------------------------------
    async def unsubscribed(self, deliveries: list[DueDelivery]) -> bool:
        """Due deliveries whose subscriber left before their turn: dropped. True when there were any."""
        if deliveries:
            await self.record(
                [
                    DeliveryResult(d.item_id, d.user_id, "dropped", "unsubscribed before delivery")
                    for d in deliveries
                ]
            )
            self.counters.dropped += len(deliveries)
        return bool(deliveries)

    async def unsendable(self, delivery: DueDelivery, copy: Copy | None) -> bool:
        """The item is gone (None) or retracted: the delivery is recorded failed or dropped (True); False:
        send it."""
        if copy is None:
            self.counters.failed += 1
            await self.write(
                DeliveryResult(delivery.item_id, delivery.user_id, "failed", "news item not found")
            )
            return True
        if copy.retracted:
            self.counters.dropped += 1
            await self.write(
                DeliveryResult(delivery.item_id, delivery.user_id, "dropped", "retracted before delivery")
            )
            return True
        return False

    async def file_missing(self, delivery: DueDelivery, copy: Copy) -> None:
        """The item's file was moved or deleted since it was posted: its copies fail (retry-failed once it is
        back); Telegram is not at fault, so nothing pauses the broadcast."""
        self.counters.failed += 1
        log.error("broadcaster: news #%d: its file %s is gone", copy.item_id, copy.media and copy.media.path)
        await self.write(
            DeliveryResult(delivery.item_id, delivery.user_id, "failed", "the item's file is missing")
        )

    async def settle(
        self, delivery: DueDelivery, outcome: Outcome, message: Message | None, copy: Copy, brakes: Brakes
    ) -> None:
        """Record what the send of `copy` came to, and count it."""
        item, chat = delivery.item_id, delivery.user_id
        error = outcome.error or ""
        if outcome.action is Action.SENT:
            self.outage.succeeded((item, chat))
            brakes.resumed()
            self.counters.sent += 1
            message_id = message.message_id if message is not None else None
            await self.write(
                DeliveryResult(
                    item,
                    chat,
                    "sent",
                    message_id=message_id,
                    locale=copy.locale,
                    sent_at=self.wall(),
                    revision=copy.revision,
                )
            )
        elif outcome.action is Action.STOP:
            # Not this delivery's fault: it stays pending, with every other one, for a bot with a valid token.
            brakes.refused_token(error)
            await self.write(again(delivery, error, self.wall(), counted=False))
        elif outcome.action is Action.PAUSE_ALL:
            resume = brakes.pause_all(outcome.retry_after)
            self.counters.retry_after += 1
            await self.write(again(delivery, error, resume, counted=False))
        elif outcome.action is Action.UNSUBSCRIBE:
            self.counters.dropped += 1
            log.info("broadcaster: user %d cannot receive messages (%s): unsubscribed", chat, error)
            await self.write(DeliveryResult(item, chat, "dropped", error, unsubscribe=True))
        elif outcome.action is Action.DROP:
            self.counters.dropped += 1
            await self.write(DeliveryResult(item, chat, "dropped", error))
        elif outcome.action is Action.FAIL:
            self.counters.failed += 1
            log.warning("broadcaster: item %d to %d refused: %s", item, chat, error)
            await self.write(DeliveryResult(item, chat, "failed", error))
        elif self.outage.own_fault((item, chat)):  # a 5xx or a network error: the chat's, or Telegram's
            await self._retry_or_fail(delivery, error)
        else:
            resume = brakes.outage_pause(error)
            self.counters.retried += 1
            await self.write(again(delivery, error, resume, counted=False))

    async def _retry_or_fail(self, delivery: DueDelivery, error: str) -> None:
        item, chat = delivery.item_id, delivery.user_id
        attempts = delivery.attempts + 1
        delay = self.retry_in(attempts)
        if delay is None:
            self.counters.failed += 1
            log.warning(
                "broadcaster: item %d to %d failed after %d attempts: %s", item, chat, attempts, error
            )
            await self.write(DeliveryResult(item, chat, "failed", error))
            return
        self.counters.retried += 1
        log.info("broadcaster: news #%d to %d: %s; retry in %.0f s", item, chat, error, delay)
        await self.write(again(delivery, error, self.wall() + delay))


def again(delivery: DueDelivery, error: str, at: float, *, counted: bool = True) -> DeliveryResult:
    """Back to pending, due at `at` (wall seconds); `counted=False`: not the delivery's fault."""
    return DeliveryResult(
        delivery.item_id, delivery.user_id, "pending", error, next_attempt_at=at, attempt_counted=counted
    )
