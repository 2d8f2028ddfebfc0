"""One pacer for everything the bot sends, so that every reply arrives under Telegram's limits.

Telegram allows about 30 messages a second overall, one a second to a private chat and 20 a minute to a group,
and answers 429 beyond that. aiogram has no limiter, so every message the bot sends (replies, edits, broadcast
deliveries, progress edits) waits here for a slot:

- `SendSchedule` is the arithmetic: pure, over an injected clock (no sleeping, no I/O), so the rules are
  tested with a fake clock. Slots are evenly spaced at `rate` a second and never more than `rate` fall in one
  second; a chat gets its next message `private_interval` (groups: `group_interval`) after its last one; after
  a 429 nothing goes until `retry_after` has passed.
- `SendPacer`, a session request middleware, queues the requests and hands out the slots: replies before
  broadcast deliveries (code inside `background()` asks for a low-priority slot), oldest first, a chat that
  must wait not holding up the others. A 429 pauses every message, then the refused request is sent again
  (it was not delivered) ahead of newer ones: nothing is given up because of a 429. A reply that cannot go
  within `reply_bound` seconds is logged once with its chat and reason and raises `SendTimedOut`.

Calls that send no message (answers to callback and inline queries, `get*`, `set*`, `delete*`, chat actions)
skip the queue; a 429 on one of them waits for that call alone. Messages sent with `allow_paid_broadcast`
(the broadcaster with `BROADCAST_PAID`) pass straight through: Telegram bills them and does not hold them to
the free ~30 a second, and their sender paces them and owns their 429.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.methods import Response, SendChatAction, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
ChatKey = int | str | None

SEND_RATE = 28.0  # a little under Telegram's ~30/s: network jitter bunches requests up on the way
PRIVATE_INTERVAL = 1.0
GROUP_INTERVAL = 3.0  # 20 a minute
REPLY_BOUND = 60.0
CHATS_KEPT = 10_000  # past this many chats remembered, those free to send again are forgotten

REPLY, BACKGROUND = 0, 1
_priority: ContextVar[int] = ContextVar("send_priority", default=REPLY)


@contextmanager
def background() -> Iterator[None]:
    """Messages sent inside (and by tasks started inside) take the slots replies leave."""
    token = _priority.set(BACKGROUND)
    try:
        yield
    finally:
        _priority.reset(token)


def is_message(method: TelegramMethod[Any]) -> bool:
    """Whether `method` counts against Telegram's message limits."""
    if isinstance(method, SendChatAction):
        return False
    return type(method).__name__.startswith(("Send", "Forward", "Copy", "Edit"))


def chat_of(method: TelegramMethod[Any]) -> ChatKey:
    chat = getattr(method, "chat_id", None)
    return chat if isinstance(chat, int | str) else None


class SendTimedOut(TelegramAPIError):
    """A message that could not get a sending slot in time (already logged, with its chat and reason)."""


class SendSchedule:
    """When the next message may go, overall and to one chat: arithmetic over `clock`, no I/O."""

    def __init__(
        self,
        rate: float,
        clock: Clock,
        *,
        private_interval: float = PRIVATE_INTERVAL,
        group_interval: float = GROUP_INTERVAL,
    ) -> None:
        self.rate = rate
        self.interval = 1.0 / rate
        self.clock = clock
        self.private_interval = private_interval
        self.group_interval = group_interval
        self.paused_until = 0.0
        self._next_slot = 0.0
        self._recent: deque[float] = deque(maxlen=max(1, math.floor(rate)))
        self._chat_free: dict[ChatKey, float] = {}

    def ready_at(self) -> float:
        """The moment the next slot (any chat) opens: after a pause, the even spacing and the one-second
        window."""
        at = max(self.paused_until, self._next_slot)
        if len(self._recent) == self._recent.maxlen:
            at = max(at, self._recent[0] + 1.0)
        return at

    def chat_ready_at(self, chat: ChatKey) -> float:
        """The moment `chat` may get its next message (0.0: at once)."""
        return self._chat_free.get(chat, 0.0) if chat is not None else 0.0

    def take(self, chat: ChatKey) -> None:
        """A message to `chat` goes now."""
        now = self.clock()
        # Slots follow a fixed schedule so wake-up delays do not add up; after idling, start afresh.
        self._next_slot = (now if now >= self._next_slot + self.interval else self._next_slot) + self.interval
        self._recent.append(now)
        if chat is None:
            return
        if len(self._chat_free) > CHATS_KEPT:
            self._chat_free = {c: t for c, t in self._chat_free.items() if t > now}
        private = isinstance(chat, int) and chat > 0
        self._chat_free[chat] = now + (self.private_interval if private else self.group_interval)

    def pause(self, retry_after: float) -> bool:
        """A 429: nothing goes for `retry_after` seconds; True when that extends the pause."""
        resume = self.clock() + retry_after
        if resume > self.paused_until:
            self.paused_until = resume
            return True
        return False


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    chat: ChatKey = field(compare=False)
    deadline: float | None = field(compare=False)
    method: TelegramMethod[Any] = field(compare=False)
    granted: asyncio.Future[None] = field(compare=False)


class SendPacer(BaseRequestMiddleware):
    def __init__(
        self,
        rate: float = SEND_RATE,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        reply_bound: float = REPLY_BOUND,
        private_interval: float = PRIVATE_INTERVAL,
        group_interval: float = GROUP_INTERVAL,
    ) -> None:
        self.schedule = SendSchedule(
            rate, clock, private_interval=private_interval, group_interval=group_interval
        )
        self.clock = clock
        self.sleep = sleep
        self.reply_bound = reply_bound
        self.retry_afters = 0  # 429s received, for the log and the tests
        self._waiting: list[_Waiter] = []  # sorted: replies first, then oldest first
        self._seq = itertools.count()
        self._arrived = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if getattr(method, "allow_paid_broadcast", None):
            # A paid broadcast is outside the free budget (up to 1,000 a second, billed): its sender paces it
            # and takes its 429s; replies keep every free slot.
            return await make_request(bot, method)
        priority = _priority.get()
        deadline = None if priority == BACKGROUND else self.clock() + self.reply_bound
        if not is_message(method):
            return await self._unpaced(make_request, bot, method, deadline)
        seq = next(self._seq)  # kept across a 429: the refused request goes before newer ones
        while True:
            await self._turn(method, priority, seq, deadline)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                self.pause(exc.retry_after)

    def pause(self, retry_after: float) -> None:
        self.retry_afters += 1
        if self.schedule.pause(retry_after):
            log.warning("Telegram asked to wait %s s (429): every message waits", retry_after)

    async def _unpaced(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
        deadline: float | None,
    ) -> Response[TelegramType]:
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                self.retry_afters += 1
                if deadline is not None and self.clock() + exc.retry_after > deadline:
                    raise self._timed_out(method, f"429, retry after {exc.retry_after} s") from exc
                await self.sleep(exc.retry_after)

    def _timed_out(self, method: TelegramMethod[Any], reason: str) -> SendTimedOut:
        name = type(method).__name__
        log.warning("%s to chat %s not sent: %s", name, chat_of(method), reason)
        return SendTimedOut(method=method, message=f"{name} not sent: {reason}")

    async def _turn(
        self, method: TelegramMethod[Any], priority: int, seq: int, deadline: float | None
    ) -> None:
        """Until this request's slot (the slot is taken when this returns)."""
        chat = chat_of(method)
        schedule = self.schedule
        if not self._waiting:
            now = self.clock()
            if schedule.ready_at() <= now and schedule.chat_ready_at(chat) <= now:
                schedule.take(chat)  # nobody waits and the slot is free: no queue, no task switch
                return
        granted = asyncio.get_running_loop().create_future()
        waiter = _Waiter(priority, seq, chat, deadline, method, granted)
        bisect.insort(self._waiting, waiter)
        self._arrived.set()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run(), name="send-pacer")
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            raise

    async def _run(self) -> None:
        try:
            await self._hand_out()
        except Exception as exc:  # a bug here must not leave every sender waiting for ever
            log.exception("send pacer failed; %d waiting requests fail with it", len(self._waiting))
            waiting, self._waiting = self._waiting, []
            for waiter in waiting:
                if not waiter.granted.done():
                    waiter.granted.set_exception(exc)

    async def _hand_out(self) -> None:
        """Hand out slots while anyone waits: the first waiter (replies first, oldest first) whose chat is
        free gets the next one."""
        schedule = self.schedule
        while self._waiting:
            now = self.clock()
            self._expire(now)
            ready = schedule.ready_at()
            if ready <= now:
                chosen = next((w for w in self._waiting if schedule.chat_ready_at(w.chat) <= now), None)
                if chosen is not None:
                    self._waiting.remove(chosen)
                    schedule.take(chosen.chat)
                    chosen.granted.set_result(None)
                    await asyncio.sleep(0)
                    continue
                # Every waiter's chat is busy: wait for the first to free, or for a newcomer.
                until = min(schedule.chat_ready_at(w.chat) for w in self._waiting)
                self._arrived.clear()
                waiters = [
                    asyncio.ensure_future(self.sleep(self._until(until, now))),
                    asyncio.ensure_future(self._arrived.wait()),
                ]
                try:
                    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waiters:
                        waiter.cancel()
                continue
            # No one can go before `ready`; newcomers are sorted in meanwhile.
            await self.sleep(self._until(ready, now))

    def _until(self, moment: float, now: float) -> float:
        deadlines = [w.deadline for w in self._waiting if w.deadline is not None]
        moment = min([moment, *deadlines])
        return max(moment - now, 0.0)

    def _expire(self, now: float) -> None:
        for waiter in [w for w in self._waiting if w.deadline is not None and now >= w.deadline]:
            self._waiting.remove(waiter)
            paused = self.schedule.paused_until > now
            reason = (
                f"Telegram asked to wait (429) past {self.reply_bound:.0f} s"
                if paused
                else f"no sending slot within {self.reply_bound:.0f} s ({len(self._waiting)} more waiting)"
            )
            waiter.granted.set_exception(self._timed_out(waiter.method, reason))
