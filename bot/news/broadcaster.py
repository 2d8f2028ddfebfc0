"""The broadcaster: a background task that drains the news outbox as fast as Telegram allows, and no faster.

Every delivery is a row in SQLite. A few due rows at a time are claimed (`sending`) in one transaction before
any of them is sent. At most `max_in_flight` rows are `sending` at any moment (claimed and waiting for their
turn, in flight, or answered but not yet written): those are the only ones a crash leaves for the restart to
send again, so they bound the repeats (of them, only the ones already sent are repeats); nothing is lost.

The loop is here (started, stopped and woken as `runner.py` says); each other job has its room beside it:
the pace from `core/pacing.py` (shared with the replies' budget when free, else at most `rate` a second, never
two a second to one chat), what each API result means in `outcomes.py`, whether
a 5xx or a network error is an outage (the whole broadcast pauses, probing with a backoff capped at
`max_outage_backoff`) or the chat's own fault in `outage.py`, what a delivery came to, written in batches,
in `results.py`, the copy each subscriber gets (rendered once per item, language and revision) in
`copies.py`, a file uploaded once in `uploads.py`, the admin's progress message in `progress.py`, and edits
and deletions of delivered copies in `reviser.py` (run in this broadcaster's window and pace). With `paid`
(`BROADCAST_PAID`) every message goes with `allow_paid_broadcast`: Telegram then allows up to 1,000 a second
and bills each one.

Pacing runs on an injected monotonic `clock` (a wall clock stepping back or forth changes no pace); an
injected `wall` clock only stamps stored rows (`next_attempt_at`); `sleep` is injected too, so tests pace
without sleeping.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import Response
from aiogram.types import Message

from bot.core.i18n import PoI18n
from bot.core.pacing import PER_CHAT_INTERVAL, Clock, Pacer, background
from bot.core.retry import no_retry
from bot.news.copies import Copies, Copy, Render, send_copy
from bot.news.items import render_item
from bot.news.outage import OutageDetector
from bot.news.outbox import DeliveryResult, DueDelivery
from bot.news.outcomes import SENT, Action, Outcome, classify, retry_delay
from bot.news.progress import ProgressReporter
from bot.news.repository import Newsroom
from bot.news.results import FAST_RATE, WRITE_LINGER, ResultWriter
from bot.news.reviser import Claim, Job, Reviser
from bot.news.runner import BackgroundLoop
from bot.news.uploads import Uploads

log = logging.getLogger(__name__)

SHORT_PAUSE = 0.05  # a pause this short is not cut by `stop()` (the caller looks again right after)

Sleep = Callable[[float], Awaitable[None]]


class Broadcaster(BackgroundLoop):
    name = "broadcaster"

    def __init__(
        self,
        newsroom: Newsroom,
        i18n: PoI18n,
        *,
        rate: float = 25.0,
        paid: bool = False,
        default_locale: str = "en",
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        render: Render = render_item,
        max_in_flight: int | None = None,
        max_attempts: int = 5,
        backoff: float = 5.0,
        max_backoff: float = 300.0,
        outage_backoff: float = 5.0,
        max_outage_backoff: float = 60.0,
        outage_patience: float = 3600.0,
        poll_interval: float = 2.0,
        progress_interval: float = 3.0,
        batch_size: int = 200,
        record_attempts: int = 3,
        record_backoff: float = 0.5,
        write_linger: float | None = None,
    ) -> None:
        super().__init__(poll_interval)
        self.newsroom = newsroom
        self.rate = rate
        self.paid = paid  # BROADCAST_PAID: messages go with allow_paid_broadcast (up to 1,000 a second)
        self.clock = clock  # monotonic: paces
        self.wall = wall  # stamps stored rows (`next_attempt_at`)
        self.sleep = sleep
        self.render = render
        self.pacer = Pacer(rate, clock)
        # Rows held `sending` at once: a quarter of a second of sending, enough to keep the rate when Telegram
        # answers in ~200 ms; these are also the only messages a crash can repeat.
        self.max_in_flight = max_in_flight or max(1, math.ceil(rate / 4))
        self.outage_backoff = outage_backoff
        self.max_outage_backoff = max_outage_backoff
        self.batch_size = batch_size
        # Recording an outcome can fail (another process holds the database past the busy timeout): retried a
        # few times, then kept in memory. Above FAST_RATE a write waits a moment for more results: one
        # transaction for ~20 messages, not ~3.
        self.results = ResultWriter(
            newsroom.outbox,
            wall=wall,
            sleep=sleep,
            free=self._free,
            outage=OutageDetector(clock, patience=outage_patience),
            retry_in=partial(
                retry_delay, max_attempts=max_attempts, backoff=backoff, max_backoff=max_backoff
            ),
            attempts=record_attempts,
            backoff=record_backoff,
            linger=write_linger if write_linger is not None else (WRITE_LINGER if rate > FAST_RATE else 0.0),
        )
        self.copies = Copies(newsroom.items, i18n, self.render, default_locale)
        self.uploads = Uploads(newsroom.items)
        self.counters = self.results.counters
        # aiogram parses every answer as `Response[<result type>]`, a generic model pydantic caches weakly: a
        # garbage collection drops it, and the next answer rebuilds it (~5 ms). At hundreds of messages a
        # second that happened dozens of times a second; holding the answer types of a broadcast keeps them.
        self._answer_types = (Response[Message], Response[Message | bool])
        self.progress = ProgressReporter(
            newsroom.outbox,
            i18n,
            default_locale=default_locale,
            clock=clock,
            interval=progress_interval,
            wait_turn=self._wait_turn,
            eta=self.eta,
            pause_all=self._pause_all,
        )

        self._in_flight: set[asyncio.Task[None]] = set()
        self._claimed: deque[DueDelivery] = deque()  # claimed, waiting for their turn
        # The window: rows this process holds `sending` (claimed, in flight, or answered and not yet written).
        self._held = 0
        self._window_chats: set[int] = set()
        self._freed = asyncio.Event()
        self.reviser = Reviser(
            newsroom,
            i18n,
            default_locale=default_locale,
            wall=wall,
            render=render,
            max_attempts=max_attempts,
            backoff=backoff,
            max_backoff=max_backoff,
            batch_size=batch_size,
        )
        # Telegram unreachable (5xx, network): the whole broadcast pauses, probing with a growing backoff.
        self._outage_level = 0
        self._outage_until = 0.0
        self._unauthorized = False

    def describe(self) -> str:
        return f"{self.rate:.1f} messages/s, {self.max_in_flight} in flight"

    async def recover(self) -> int:
        """Deliveries left `sending` by a crash may or may not have arrived: send them again."""
        recovered = await self.newsroom.outbox.recover()
        if recovered:
            log.warning("broadcaster: %d deliveries were in flight at the last stop; resending", recovered)
        changed = await self.reviser.recover()
        if changed:
            log.warning(
                "broadcaster: %d edits or deletions were in flight at the last stop; redoing", changed
            )
        return recovered

    async def eta(self, item_id: int) -> float:
        """Seconds until this item (and the ones queued before it) should be delivered."""
        return self.pacer.eta(await self.newsroom.outbox.pending_before(item_id))

    # -- one pass over what is due ---------------------------------------------------------------------------
    async def deliver_due(self, bot: Bot) -> float | None:
        """Send every delivery that is due now; return seconds until the next one is due (None: none left)."""
        # Every message of a broadcast takes the slots replies leave (`background()`); the broadcaster owns
        # what a 5xx or a network fault means, so the reply-retry middleware leaves them alone (tasks started
        # below inherit this context).
        with no_retry(), background():
            return await self._deliver_due(bot)

    async def _deliver_due(self, bot: Bot) -> float | None:
        if not await self.results.record_unrecorded():
            # Sending more while results cannot be written would only grow what a restart sends twice.
            return self.poll_interval
        now = dt.datetime.fromtimestamp(self.wall(), dt.UTC)
        for released in await self.newsroom.items.release_due(now):
            log.info(
                "news #%d: its time has come; queued for %d subscribers",
                released.item_id,
                released.recipients,
            )
        try:
            while not self._stopping.is_set():
                if self.results.unrecorded:
                    break  # nothing more is sent before the kept results are written (next pass)
                free = self.max_in_flight - self._held
                if free <= 0:
                    await self._window_frees()
                    continue
                batch = await self.newsroom.outbox.due(self.wall(), self.batch_size)
                if not batch:
                    break
                if not await self._claim(batch, free):
                    # Every due row waits for its chat's one-second gap: let one pass.
                    await self._pause(PER_CHAT_INTERVAL / 4)
                    continue
                while self._claimed and await self._start(bot, self._claimed[0]):
                    self._claimed.popleft()
                    await self.progress.maybe_report(bot)
            # Edits and deletions of delivered copies, after the deliveries and paced with them.
            while not self._stopping.is_set() and not self.results.unrecorded:
                if await self.reviser.run_due(bot, self) == 0:
                    break
        finally:
            if self._claimed:  # stopping (or an error): what was claimed and not sent goes back to pending
                unsent, self._claimed = list(self._claimed), deque()
                await self.results.write(
                    *(DeliveryResult(d.item_id, d.user_id, "pending", attempt_counted=False) for d in unsent)
                )
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self.results.record_unrecorded()
        await self.progress.maybe_report(bot, force=True)
        await self.reviser.report(bot)
        return await self._next_due()

    async def _next_due(self) -> float | None:
        """Seconds until a delivery, a change or a scheduled item is due (None: nothing is waiting)."""
        moments = [await self.newsroom.outbox.next_due_at(), await self.reviser.next_due_at()]
        release = await self.newsroom.items.next_release_at()
        if release is not None:
            moments.append(release.timestamp())
        known = [moment for moment in moments if moment is not None]
        return max(min(known) - self.wall(), 0.0) if known else None

    # -- the lane the reviser runs its changes in, and the brakes the results pull --------------------------
    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def pause_all(self, retry_after: float) -> float:
        return self._stamp(self._pause_all(retry_after))

    def outage_pause(self, error: str) -> float:
        return self._stamp(self._outage(error))

    def resumed(self) -> None:
        if self._outage_level:
            log.warning("broadcaster: Telegram answers again; the broadcast resumes")
            self._outage_level = 0

    def refused_token(self, reason: str) -> None:
        if not self._unauthorized:
            self._unauthorized = True
            log.error(
                "broadcaster: Telegram refused the bot token (401: %s); the broadcaster stops, every "
                "delivery stays pending",
                reason,
            )
        self._stopping.set()

    async def launch(self, chat: int, claim: Claim, job: Job) -> bool:
        """Run `job` for `chat` in a place of the window when the pace allows and the chat's gap has passed,
        after `claim`; False: not now (the chat is busy, the window full, stopping, or the claim failed)."""
        if self._chat_busy(chat) or self._held >= self.max_in_flight:
            return False
        await self._wait_turn()
        if self._stopping.is_set() or self._chat_busy(chat) or self._held >= self.max_in_flight:
            return False
        if not await claim():
            return False
        self._held += 1
        self._window_chats.add(chat)
        self._idle.clear()
        self.pacer.sent_to(chat)

        async def run() -> None:
            try:
                await job()
            finally:
                self._free([chat])

        task = asyncio.create_task(run())
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        await asyncio.sleep(0)
        return True

    async def _claim(self, batch: list[DueDelivery], free: int) -> bool:
        """Claim (mark `sending`, in one transaction) up to `free` due deliveries whose chat may get a message
        now, one per chat, into `_claimed`; drop those whose subscriber has left. False: nothing was done,
        every due row waits for its chat."""
        left = await self.results.unsubscribed([d for d in batch if not d.subscribed])
        wanted: dict[int, DueDelivery] = {}
        for delivery in batch:
            if len(wanted) >= free:
                break
            chat = delivery.user_id
            if delivery.subscribed and chat not in wanted and not self._chat_busy(chat):
                wanted[chat] = delivery
        if not wanted:
            return left
        keys = await self.newsroom.outbox.claim([(d.item_id, d.user_id) for d in wanted.values()])
        claimed = [
            replace(d, revision=keys[d.item_id, d.user_id])
            for d in wanted.values()
            if (d.item_id, d.user_id) in keys
        ]
        self._held += len(claimed)
        self._window_chats.update(d.user_id for d in claimed)
        self._claimed.extend(claimed)
        return True

    async def _start(self, bot: Bot, delivery: DueDelivery) -> bool:
        """Send one claimed delivery when its turn comes; False when stopping (it was not sent)."""
        copy = await self.copies.get(delivery)
        while copy is not None and (upload := self.uploads.under_way(copy)) is not None:
            await upload.wait()  # its file is on its way: reuse Telegram's file_id
            copy = await self.copies.get(delivery)
        if await self.results.unsendable(delivery, copy) or copy is None:
            return True
        if await self.uploads.file_missing(copy):
            await self.results.file_missing(delivery, copy)
            return True
        self.uploads.begin(copy)
        await self._wait_turn()
        if self._stopping.is_set():
            self.uploads.end(copy)
            return False
        fresh = await self._fresh(delivery, copy)
        if fresh is None:
            self.uploads.end(copy)
            return True
        copy = fresh
        self._idle.clear()
        self.pacer.sent_to(delivery.user_id)
        task = asyncio.create_task(self._deliver(bot, delivery, copy))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        # Let the request go out before the next slot is taken: messages reach Telegram as evenly spaced
        # as their slots, even when a late wake-up makes up several slots at once.
        await asyncio.sleep(0)
        return True

    async def _deliver(self, bot: Bot, delivery: DueDelivery, copy: Copy) -> None:
        try:
            outcome: Outcome
            message: Message | None = None
            try:
                message = await send_copy(bot, delivery.user_id, copy, paid=self.paid)
            except (TelegramAPIError, OSError, TimeoutError) as exc:
                outcome = classify(exc)
            else:
                outcome = SENT
            # Recorded sent first: a failure to keep the file_id below must not leave the row `sending`.
            await self.results.settle(delivery, outcome, message, copy, self)
        except Exception:
            # The row stays `sending` and is sent again after a restart.
            log.exception(
                "broadcaster: cannot record the delivery of news #%d to %d",
                delivery.item_id,
                delivery.user_id,
            )
            self._free([delivery.user_id])
        else:
            if outcome.action is Action.SENT and message and await self.uploads.learn(copy, message):
                self.copies.forget(copy.item_id)  # the next copies go with the file_id
        finally:
            self.uploads.end(copy)

    def _outage(self, error: str) -> float:
        """Pause every send; a fault from a request made after the last pause ended doubles the pause (up to
        `max_outage_backoff`). Returns when sending resumes (monotonic)."""
        now = self.clock()
        if now >= self._outage_until:
            self._outage_level = min(self._outage_level + 1, 16)
            delay = min(self.outage_backoff * 2 ** (self._outage_level - 1), self.max_outage_backoff)
            self._outage_until = now + delay
            self.pacer.pause_all(delay)
            log.warning("broadcaster: Telegram unreachable (%s); the broadcast pauses %.0f s", error, delay)
        return self._outage_until

    def _stamp(self, moment: float) -> float:
        """A moment of the pacing clock as wall time, to store."""
        return self.wall() + max(moment - self.clock(), 0.0)

    def _free(self, chats: list[int]) -> None:
        """These chats' claimed rows are written (or kept to write later): their places are free."""
        self._held -= len(chats)
        self._window_chats.difference_update(chats)
        self._freed.set()

    async def _window_frees(self) -> None:
        """Until a write frees a place in the window (requests in flight always end, and are written)."""
        self._freed.clear()
        await self._freed.wait()

    async def _fresh(self, delivery: DueDelivery, copy: Copy) -> Copy | None:
        """`copy`, or the item as it is now when this process stored a newer revision (an edit, a retraction)
        while the copy waited for its turn; None: not to be sent any more (recorded so)."""
        known = self.newsroom.items.known_revision(copy.item_id)
        if known is not None and known > copy.revision:
            fresh = await self.copies.get(delivery, known)
            if await self.results.unsendable(delivery, fresh) or fresh is None:
                return None
            copy = fresh
        return copy

    # -- pacing ----------------------------------------------------------------------------------------------
    def _chat_busy(self, chat: int) -> bool:
        return chat in self._window_chats or not self.pacer.chat_ready(chat)

    def _pause_all(self, retry_after: float) -> float:
        """A 429: nothing is sent until Telegram's `retry_after` has passed."""
        if self.pacer.pause_all(retry_after):
            log.warning("broadcaster: Telegram asked to wait %s s (429); the broadcast pauses", retry_after)
        return self.pacer.paused_until

    async def _wait_turn(self) -> None:
        """Wait (injected sleep) for the pacer's next sending slot, then take it."""
        while not self._stopping.is_set():
            delay = self.pacer.delay()
            if delay <= 0:
                break
            await self._pause(delay)
        self.pacer.take_slot()

    async def _pause(self, seconds: float, *, wakeable: bool = False) -> None:
        """Sleep (injected) unless stopping; `wakeable` also ends it when `wake()` is called."""
        if seconds <= 0 or self._stopping.is_set():
            await asyncio.sleep(0)
            return
        if seconds <= SHORT_PAUSE and not wakeable:
            await self.sleep(seconds)  # the wait for a sending slot, up to 1,000 a second: keep it cheap
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
