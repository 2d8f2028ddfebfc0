"""The broadcaster: a background task that drains the news outbox as fast as Telegram allows, and no faster.

Every delivery is a row in SQLite. It is marked `sending` just before the call and `sent` as soon as Telegram
confirms, so a crash can only repeat the few messages in flight at that moment (rows left in `sending` are
sent again on restart); nothing is lost. When the outcome cannot be written (the database is locked by another
process), it is retried with a short backoff, then kept in memory and written before anything else is sent.

Pacing: at most `rate` messages a second overall (evenly spaced, and never more than `rate` in any one-second
window), never two a second to one chat, at most `max_in_flight` requests at once. A 429 pauses the whole
broadcast for `retry_after`; a 403 unsubscribes the user and drops the delivery; "chat not found" drops it;
5xx and network errors are retried with backoff, then the delivery is marked failed with its error.

Time comes from an injected `clock` (seconds, persisted as `next_attempt_at`, so wall time by default) and
`sleep`, so tests pace without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)

from bot.core.i18n import PoI18n
from bot.core.retry import no_retry
from bot.news.items import progress_text, render_item, subscriber_locale
from bot.news.repository import DueDelivery, ItemProgress, Newsroom

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Record = Callable[[], Awaitable[None]]

PER_CHAT_INTERVAL = 1.0
DROP_ERRORS = ("chat not found", "peer_id_invalid", "user not found")


@dataclass
class BroadcastCounters:
    """What this process has done since it started (the store holds the durable figures)."""

    sent: int = 0
    dropped: int = 0
    failed: int = 0
    retried: int = 0
    retry_after: int = 0


class Broadcaster:
    def __init__(
        self,
        newsroom: Newsroom,
        i18n: PoI18n,
        *,
        rate: float = 25.0,
        default_locale: str = "en",
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        max_in_flight: int | None = None,
        max_attempts: int = 5,
        backoff: float = 5.0,
        max_backoff: float = 300.0,
        poll_interval: float = 2.0,
        progress_interval: float = 3.0,
        batch_size: int = 200,
        record_attempts: int = 3,
        record_backoff: float = 0.5,
    ) -> None:
        self.newsroom = newsroom
        self.i18n = i18n
        self.rate = rate
        self.interval = 1.0 / rate
        self.window = max(1, math.floor(rate))
        self.default_locale = default_locale
        self.clock = clock
        self.sleep = sleep
        # Enough requests in flight to keep the rate when Telegram answers in ~200 ms; these are also the
        # only messages a crash can repeat.
        self.max_in_flight = max_in_flight or max(1, math.ceil(rate / 5))
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.poll_interval = poll_interval
        self.progress_interval = progress_interval
        self.batch_size = batch_size
        # Recording an outcome can fail (another process holds the database past the busy timeout): retry a
        # few times, then keep it in memory and record it before anything else is sent.
        self.record_attempts = max(1, record_attempts)
        self.record_backoff = record_backoff
        self.counters = BroadcastCounters()

        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._slots = asyncio.Semaphore(self.max_in_flight)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._in_flight_chats: set[int] = set()
        self._next_slot = 0.0
        self._recent: deque[float] = deque(maxlen=self.window)
        self._chat_sent: dict[int, float] = {}
        self._paused_until = 0.0
        self._next_progress = 0.0
        self._last_progress: dict[int, tuple[int, int, int, int]] = {}
        self._rendered: dict[tuple[int, str], str] = {}
        self._unrecorded: list[tuple[int, int, Record]] = []

    # -- lifecycle ------------------------------------------------------------------------------------------
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
        self._task = asyncio.create_task(self._run(bot), name="broadcaster")
        log.info("broadcaster started (%.1f messages/s, %d in flight)", self.rate, self.max_in_flight)

    async def recover(self) -> int:
        """Deliveries left `sending` by a crash may or may not have arrived: send them again."""
        recovered = await self.newsroom.outbox.recover()
        if recovered:
            log.warning("broadcaster: %d deliveries were in flight at the last stop; resending", recovered)
        return recovered

    async def stop(self) -> None:
        """Stop between messages: requests in flight finish and are recorded, nothing new starts."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            await task
            log.info("broadcaster stopped")

    def wake(self) -> None:
        """Look at the outbox now (an item was just posted) instead of at the next poll."""
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        """Until the running broadcaster has nothing due."""
        await self._idle.wait()

    # aiogram startup/shutdown hooks (polling, webhook and console all emit them)
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
                log.exception("broadcaster: unexpected error; retrying in %.0f s", self.poll_interval * 5)
                await self._pause(self.poll_interval * 5)
                continue
            self._idle.set()
            timeout = self.poll_interval if wait is None else min(max(wait, 0.0), self.poll_interval)
            await self._pause(timeout, wakeable=True)

    async def drain(self, bot: Bot) -> None:
        """Deliver until the outbox holds nothing pending, sleeping (injected sleep) through backoffs.

        For tests, the benchmark and the console; the running bot uses `start`.
        """
        if not self.running:
            await self.recover()
        while not self._stopping.is_set():
            wait = await self.deliver_due(bot)
            if wait is None:
                break
            await self._pause(wait)

    # -- one pass over what is due ---------------------------------------------------------------------------
    async def deliver_due(self, bot: Bot) -> float | None:
        """Send every delivery that is due now; return seconds until the next one is due (None: none left)."""
        # The broadcaster owns its pacing: a 429 pauses the whole broadcast, so the reply-retry middleware
        # must not sleep on it per message (tasks started below inherit this context).
        with no_retry():
            return await self._deliver_due(bot)

    async def _deliver_due(self, bot: Bot) -> float | None:
        if not await self._record_unrecorded():
            # Sending more while outcomes cannot be written would only grow what a restart sends twice.
            return self.poll_interval
        try:
            while not self._stopping.is_set():
                batch = await self.newsroom.outbox.due(self.clock(), self.batch_size)
                if not batch:
                    break
                started = 0
                for delivery in batch:
                    if self._stopping.is_set():
                        break
                    if await self._start(bot, delivery):
                        started += 1
                    await self._maybe_report(bot)
                if started == 0:
                    # Every due row waits for its chat's one-second gap (or stopping): let one pass.
                    await self._pause(PER_CHAT_INTERVAL / 4)
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self._record_unrecorded()
        await self._maybe_report(bot, force=True)
        next_due = await self.newsroom.outbox.next_due_at()
        return None if next_due is None else max(next_due - self.clock(), 0.0)

    async def _start(self, bot: Bot, delivery: DueDelivery) -> bool:
        """Start sending one delivery when its turn comes; False when it has to wait for a later pass."""
        chat = delivery.user_id
        if not delivery.subscribed:
            await self.newsroom.outbox.drop(delivery.item_id, chat, "unsubscribed before delivery")
            self.counters.dropped += 1
            return True
        if self._chat_busy(chat):
            return False
        text = await self._text(delivery)
        await self._slots.acquire()
        try:
            await self._wait_turn()
            if self._stopping.is_set() or self._chat_busy(chat):
                self._slots.release()
                return False
            if not await self.newsroom.outbox.mark_sending(delivery.item_id, chat):
                self._slots.release()
                return False
        except BaseException:
            self._slots.release()
            raise
        self._idle.clear()
        self._chat_sent[chat] = self.clock()
        self._in_flight_chats.add(chat)
        task = asyncio.create_task(self._deliver(bot, delivery, text))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        return True

    async def _deliver(self, bot: Bot, delivery: DueDelivery, text: str | None) -> None:
        item, chat = delivery.item_id, delivery.user_id
        outbox = self.newsroom.outbox
        try:
            if text is None:
                await self._record(item, chat, partial(outbox.fail, item, chat, "news item not found"))
                self.counters.failed += 1
                return
            try:
                await bot.send_message(chat, text)
            except TelegramRetryAfter as exc:
                resume = self._pause_all(exc.retry_after)
                await self._record(
                    item,
                    chat,
                    partial(outbox.retry_later, item, chat, exc.message, resume, count_attempt=False),
                )
                self.counters.retry_after += 1
            except TelegramForbiddenError as exc:
                await self._record(
                    item, chat, partial(outbox.drop, item, chat, exc.message, unsubscribe=True)
                )
                self.counters.dropped += 1
                log.info("broadcaster: user %d cannot receive messages (%s): unsubscribed", chat, exc.message)
            except TelegramBadRequest as exc:
                if any(marker in exc.message.lower() for marker in DROP_ERRORS):
                    await self._record(item, chat, partial(outbox.drop, item, chat, exc.message))
                    self.counters.dropped += 1
                else:  # the same request would be refused again
                    await self._record(item, chat, partial(outbox.fail, item, chat, exc.message))
                    self.counters.failed += 1
                    log.warning("broadcaster: item %d to %d refused: %s", item, chat, exc.message)
            except (TelegramAPIError, OSError, TimeoutError) as exc:
                await self._retry_or_fail(delivery, f"{type(exc).__name__}: {exc}")
            else:
                await self._record(item, chat, partial(outbox.mark_sent, item, chat))
                self.counters.sent += 1
        except Exception:
            # The row stays `sending` and is sent again after a restart.
            log.exception("broadcaster: cannot record the delivery of news #%d to %d", item, chat)
        finally:
            self._in_flight_chats.discard(chat)
            self._slots.release()

    async def _record(self, item: int, chat: int, write: Record) -> bool:
        """Write one delivery's outcome, retrying with a short backoff; if the database still refuses, keep
        it for `_record_unrecorded` (the row stays `sending`, so nothing sends it again meanwhile)."""
        for attempt in range(self.record_attempts):
            try:
                await write()
            except Exception as exc:
                if attempt + 1 < self.record_attempts:
                    log.warning("broadcaster: cannot record news #%d to %d (%s); retrying", item, chat, exc)
                    await self.sleep(self.record_backoff * 2**attempt)
                    continue
                log.exception("broadcaster: cannot record news #%d to %d; kept to record later", item, chat)
                self._unrecorded.append((item, chat, write))
                return False
            return True
        return False  # pragma: no cover (record_attempts >= 1)

    async def _record_unrecorded(self) -> bool:
        """Write the outcomes kept in memory; True when none is left."""
        while self._unrecorded:
            item, chat, write = self._unrecorded[0]
            try:
                await write()
            except Exception as exc:
                log.warning("broadcaster: still cannot record news #%d to %d: %s", item, chat, exc)
                return False
            self._unrecorded.pop(0)
            log.info("broadcaster: recorded news #%d to %d late", item, chat)
        return True

    async def _retry_or_fail(self, delivery: DueDelivery, error: str) -> None:
        item, chat = delivery.item_id, delivery.user_id
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            await self._record(item, chat, partial(self.newsroom.outbox.fail, item, chat, error))
            self.counters.failed += 1
            log.warning(
                "broadcaster: item %d to %d failed after %d attempts: %s", item, chat, attempts, error
            )
            return
        delay = min(self.backoff * 2 ** (attempts - 1), self.max_backoff)
        await self._record(
            item, chat, partial(self.newsroom.outbox.retry_later, item, chat, error, self.clock() + delay)
        )
        self.counters.retried += 1
        log.info("broadcaster: news #%d to %d: %s; retry in %.0f s", item, chat, error, delay)

    async def _text(self, delivery: DueDelivery) -> str | None:
        """The item in the subscriber's language, rendered once per (item, language)."""
        locale = subscriber_locale(delivery.locale, delivery.language_code, self.default_locale)
        key = (delivery.item_id, locale)
        if key not in self._rendered:
            item = await self.newsroom.items.get(delivery.item_id)
            if item is None:
                return None
            if len(self._rendered) >= 64:
                self._rendered.clear()
            with self.i18n.context(), self.i18n.use_locale(locale):
                self._rendered[key] = render_item(item.draft, item.created_at.date())
        return self._rendered[key]

    # -- pacing ----------------------------------------------------------------------------------------------
    def _chat_busy(self, chat: int) -> bool:
        if chat in self._in_flight_chats:
            return True
        last = self._chat_sent.get(chat)
        if last is None:
            return False
        if self.clock() - last >= PER_CHAT_INTERVAL:
            del self._chat_sent[chat]
            return False
        return True

    def _pause_all(self, retry_after: float) -> float:
        """A 429: nothing is sent until Telegram's `retry_after` has passed."""
        resume = self.clock() + retry_after
        if resume > self._paused_until:
            self._paused_until = resume
            log.warning("broadcaster: Telegram asked to wait %s s (429); the broadcast pauses", retry_after)
        return self._paused_until

    async def _wait_turn(self) -> None:
        """Wait for the next sending slot: after any 429 pause, `interval` after the previous slot, and so
        that no one-second window holds more than `rate` messages."""
        while not self._stopping.is_set():
            now = self.clock()
            if now < self._paused_until:
                await self._pause(self._paused_until - now)
                self._next_slot = self.clock()
                continue
            if now < self._next_slot:
                await self._pause(min(self._next_slot - now, self.interval))
                continue
            if len(self._recent) == self.window and now - self._recent[0] < 1.0:
                await self._pause(min(1.0 - (now - self._recent[0]), 1.0))
                continue
            break
        now = self.clock()
        # Slots follow a fixed schedule so small wake-up delays do not add up; after idling, start afresh.
        self._next_slot = (now if now >= self._next_slot + self.interval else self._next_slot) + self.interval
        self._recent.append(now)
        if len(self._chat_sent) > 10_000:
            self._chat_sent = {c: t for c, t in self._chat_sent.items() if now - t < PER_CHAT_INTERVAL}

    async def _pause(self, seconds: float, *, wakeable: bool = False) -> None:
        """Sleep (injected) unless stopping; `wakeable` also ends it when `wake()` is called."""
        if seconds <= 0 or self._stopping.is_set():
            await asyncio.sleep(0)
            return
        waiters = [asyncio.ensure_future(self.sleep(seconds)), asyncio.ensure_future(self._stopping.wait())]
        if wakeable:
            waiters.append(asyncio.ensure_future(self._wake.wait()))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    # -- progress --------------------------------------------------------------------------------------------
    async def _maybe_report(self, bot: Bot, *, force: bool = False) -> None:
        now = self.clock()
        if not force and now < self._next_progress:
            return
        self._next_progress = now + self.progress_interval
        for progress in await self.newsroom.outbox.unfinished():
            figures = (progress.sent, progress.dropped, progress.failed, progress.left)
            if self._last_progress.get(progress.item_id) == figures:
                continue
            await self._report(bot, progress)

    async def _report(self, bot: Bot, progress: ItemProgress) -> None:
        has_message = progress.progress_chat_id is not None and progress.progress_message_id is not None
        if has_message:
            # An edit counts against the same budget as the broadcast. Deliveries in flight finish while we
            # wait, so the figures are read after the wait: an edit never shows fewer than are delivered.
            await self._wait_turn()
            fresh = await self.newsroom.outbox.progress(progress.item_id)
            if fresh is None:
                return
            progress = fresh
        figures = (progress.sent, progress.dropped, progress.failed, progress.left)
        if self._last_progress.get(progress.item_id) == figures:
            return
        self._last_progress[progress.item_id] = figures
        if progress.done:
            await self.newsroom.outbox.mark_finished(progress.item_id)
            self._last_progress.pop(progress.item_id, None)
            log.info(
                "news #%d delivered: %d sent, %d dropped, %d failed",
                progress.item_id,
                progress.sent,
                progress.dropped,
                progress.failed,
            )
        else:
            log.info(
                "news #%d: %d sent, %d dropped, %d failed, %d left",
                progress.item_id,
                progress.sent,
                progress.dropped,
                progress.failed,
                progress.left,
            )
        if has_message:
            await self._edit_progress(bot, progress)

    async def eta(self, item_id: int) -> float:
        """Seconds until this item (and the ones queued before it) should be delivered."""
        left = await self.newsroom.outbox.pending_before(item_id)
        return left / self.rate + max(self._paused_until - self.clock(), 0.0)

    async def _edit_progress(self, bot: Bot, progress: ItemProgress) -> None:
        """Edit the admin's progress message with figures read after `_wait_turn` (see `_report`)."""
        if progress.progress_chat_id is None or progress.progress_message_id is None:
            return
        locale = progress.progress_locale or self.default_locale
        eta = await self.eta(progress.item_id)
        with self.i18n.context(), self.i18n.use_locale(locale):
            text = progress_text(progress, eta)
        try:
            await bot.edit_message_text(
                text=text, chat_id=progress.progress_chat_id, message_id=progress.progress_message_id
            )
        except TelegramRetryAfter as exc:
            self._pause_all(exc.retry_after)
        except TelegramAPIError as exc:
            if "message is not modified" not in exc.message:
                log.warning("broadcaster: cannot update the progress of news #%d: %s", progress.item_id, exc)
