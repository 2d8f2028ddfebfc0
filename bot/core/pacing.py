"""The one rate limiter: every message the bot sends, replies and broadcasts, keeps under Telegram's limits.

Telegram allows about 30 messages a second overall, about one a second *sustained* to a private chat (short
bursts pass) and 20 a minute to a group, and answers 429 beyond that. aiogram has no limiter, so:

- `SendSchedule` is the arithmetic: pure, over an injected clock (no sleeping, no I/O), so the rules are
  tested with a fake clock. Slots are evenly spaced at `rate` a second and never more than `rate` fall in one
  second; a private chat has a token bucket (`PRIVATE_BURST` replies at once, refilled one a second; a
  broadcast's message waits for a full bucket, so news never bunches up in a reader's chat), a group one
  message every `GROUP_INTERVAL` seconds; after a 429 nothing goes until `retry_after` has passed.
- `SendPacer`, a session request middleware, hands out the slots: replies before broadcast messages (code
  inside `background()` asks for a low-priority slot), each chat's messages in the order they were sent, the
  oldest ready chat first, a chat that must wait not holding up the others. Waiting requests sit in one deque
  per chat, the chats in two heaps (ready now; ready later, by when), so a slot costs O(log n) whatever the
  crowd. A 429 pauses every message, then the refused request is sent again (it was not delivered) ahead of
  its chat's newer ones: nothing is given up because of a 429 or a long queue. Only `max_waiting` bounds the
  queue, for memory: a message beyond it is refused at once (`SendTimedOut`, logged with its chat).
- `Pacer` is the broadcaster's view of a budget: standalone it paces over its own `SendSchedule` (a paid
  broadcast, which Telegram does not hold to the free 30 a second); once `SendPacer.share` has taken it, a
  free broadcast has no pace of its own: its messages queue in the SendPacer with the low priority and take
  whatever slots replies leave.

Calls that send no message (answers to callback and inline queries, `get*`, `set*`, `delete*`, chat actions)
skip the queue; a 429 on one of them waits for that call alone. Messages sent with `allow_paid_broadcast`
(the broadcaster with `BROADCAST_PAID`) pass straight through: Telegram bills them and does not hold them to
the free ~30 a second, and their sender paces them and owns their 429.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
PRIVATE_INTERVAL = 1.0  # a private chat's sustained pace: one a second...
PRIVATE_BURST = 3  # ...after a burst of this many
GROUP_INTERVAL = 3.0  # 20 a minute
PER_CHAT_INTERVAL = PRIVATE_INTERVAL  # how soon a chat is free again after one message
MAX_WAITING = 100_000  # messages waiting for a slot, at most (a bound for memory, ~1 KiB each)
CATCH_UP = 0.02  # seconds of slots a late wake-up may make up (at low rates, one slot)
JITTER = 0.03  # seconds added to the one-second window at high rates
CHATS_KEPT = 10_000  # past this many chats remembered, those free to send again are forgotten
EPSILON = 1e-9  # a moment this close counts as reached (the clock may land a hair before it)

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
    """A message refused a sending slot (already logged, with its chat and reason)."""


class SendSchedule:
    """When the next message may go, overall and to one chat: arithmetic over `clock`, no I/O.

    A chat's bucket is kept as one number, the moment its bucket would be full again were it never refilled
    early (GCRA): a chat may send while that moment is at most `burst - 1` intervals ahead."""

    def __init__(
        self,
        rate: float,
        clock: Clock,
        *,
        private_interval: float = PRIVATE_INTERVAL,
        private_burst: int = PRIVATE_BURST,
        group_interval: float = GROUP_INTERVAL,
    ) -> None:
        self.rate = rate
        self.interval = 1.0 / rate
        self.clock = clock
        self.private_interval = private_interval
        self.private_tolerance = (max(private_burst, 1) - 1) * private_interval
        self.group_interval = group_interval
        # Above 50 a second a slot is shorter than CATCH_UP: a late wake-up (the event loop's timer ticks in
        # milliseconds) is made up by the next slots, and the one-second window is kept JITTER longer, since
        # requests made together reach Telegram a few milliseconds apart and one more than `rate` in a second
        # costs a second's pause.
        self.catch_up = max(self.interval, CATCH_UP)
        self.window_seconds = 1.0 if self.interval >= CATCH_UP else 1.0 + JITTER
        self.paused_until = 0.0
        self._next_slot = 0.0
        self._recent: deque[float] = deque(maxlen=max(1, math.floor(rate)))
        self._chat_full: dict[ChatKey, float] = {}

    def ready_at(self) -> float:
        """The moment the next slot (any chat) opens: after a pause, the even spacing and the one-second
        window."""
        at = max(self.paused_until, self._next_slot)
        if len(self._recent) == self._recent.maxlen:
            at = max(at, self._recent[0] + self.window_seconds)
        return at

    def _private(self, chat: ChatKey) -> bool:
        return isinstance(chat, int) and chat > 0

    def chat_ready_at(self, chat: ChatKey, *, burst: bool = True) -> float:
        """The moment `chat` may get its next message (0.0: at once); `burst=False`: only once its bucket is
        full again (a broadcast's message never bunches up with others in a reader's chat)."""
        if chat is None:
            return 0.0
        full = self._chat_full.get(chat)
        if full is None:
            return 0.0
        return full - (self.private_tolerance if burst and self._private(chat) else 0.0)

    def take(self, chat: ChatKey) -> None:
        """A message to `chat` goes now (`None`: a slot for no particular chat)."""
        now = self.clock()
        # Slots follow a fixed schedule so small wake-up delays do not add up: slots a late wake-up missed are
        # made up by the next ones (up to `catch_up` seconds of them; never more than `rate` in one second);
        # after idling longer, or after a pause, start afresh.
        late = now - self._next_slot >= self.catch_up
        self._next_slot = (now if late else self._next_slot) + self.interval
        self._recent.append(now)
        self.spend(chat)

    def spend(self, chat: ChatKey) -> None:
        """One of `chat`'s messages goes now (its bucket only; `take` also takes the overall slot)."""
        if chat is None:
            return
        now = self.clock()
        if len(self._chat_full) > CHATS_KEPT:
            self._chat_full = {c: t for c, t in self._chat_full.items() if t > now}
        step = self.private_interval if self._private(chat) else self.group_interval
        self._chat_full[chat] = max(self._chat_full.get(chat, now), now) + step

    def pause(self, retry_after: float) -> bool:
        """A 429: nothing goes for `retry_after` seconds; True when that extends the pause."""
        resume = self.clock() + retry_after
        if resume > self.paused_until:
            self.paused_until = resume
            return True
        return False


class Pacer:
    """The broadcaster's pace. Standalone (`Pacer(rate, clock)`) it is a `SendSchedule` of its own at `rate`;
    shared (`SendPacer.share`) the broadcast has no pace of its own: its messages wait in the SendPacer with
    the low priority, and this only keeps the broadcaster's own pauses (an outage) and reads the shared
    budget's state for chats and estimates."""

    def __init__(self, rate: float, clock: Clock, *, per_chat_interval: float = PER_CHAT_INTERVAL) -> None:
        self.rate = rate
        self.clock = clock
        self._own = SendSchedule(rate, clock, private_interval=per_chat_interval, private_burst=1)
        self._schedule = self._own
        self._pause_until = 0.0
        self.shared = False

    def _share(self, schedule: SendSchedule) -> None:
        self._schedule = schedule
        self.shared = True

    @property
    def paused_until(self) -> float:
        return max(self._pause_until, self._schedule.paused_until)

    def delay(self) -> float:
        """Seconds to wait before the next sending slot; 0: take it now (`take_slot`). Shared: only a pause
        of this broadcaster's or the budget's (the SendPacer spaces the messages)."""
        now = self.clock()
        at = self.paused_until if self.shared else max(self.paused_until, self._own.ready_at())
        wait = at - now
        return wait if wait > EPSILON else 0.0

    def take_slot(self) -> None:
        """A message (or an edit) goes now."""
        if not self.shared:
            self._own.take(None)

    def chat_ready(self, chat: int) -> bool:
        """Whether `chat` may get a message now: its last one went `per_chat_interval` ago (a broadcast has
        no burst: one message a second to a chat at most)."""
        return self._schedule.chat_ready_at(chat, burst=False) <= self.clock() + EPSILON

    def sent_to(self, chat: int) -> None:
        if not self.shared:  # shared: the SendPacer counts the message when it goes
            self._own.spend(chat)

    def pause_all(self, retry_after: float) -> bool:
        """Nothing of this broadcaster's goes until `retry_after` seconds from now (a 429 of a paid broadcast,
        an outage; replies are not held); True when that extends the pause."""
        resume = self.clock() + retry_after
        if resume > self._pause_until:
            self._pause_until = resume
            return True
        return False

    def eta(self, messages: int) -> float:
        """Seconds until `messages` more have gone at this pace, the current pause included."""
        return messages / self._schedule.rate + max(self.paused_until - self.clock(), 0.0)


class _Waiter:
    """One message waiting for its slot."""

    __slots__ = ("granted", "priority", "seq")

    def __init__(self, priority: int, seq: int, granted: asyncio.Future[None]) -> None:
        self.priority = priority
        self.seq = seq
        self.granted = granted


class SendPacer(BaseRequestMiddleware):
    def __init__(
        self,
        rate: float = SEND_RATE,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        private_interval: float = PRIVATE_INTERVAL,
        private_burst: int = PRIVATE_BURST,
        group_interval: float = GROUP_INTERVAL,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self.schedule = SendSchedule(
            rate,
            clock,
            private_interval=private_interval,
            private_burst=private_burst,
            group_interval=group_interval,
        )
        self.clock = clock
        self.sleep = sleep
        self.max_waiting = max_waiting
        self.retry_afters = 0  # 429s received, for the log and the tests
        self._waiting = 0
        self._queues: dict[ChatKey, deque[_Waiter]] = {}  # per chat, in the order its messages were sent
        # Every chat with a queue is in exactly one heap: its head may go now (replies first, oldest first),
        # or its bucket refills later (by when).
        self._ready: list[tuple[int, int, ChatKey]] = []
        self._later: list[tuple[float, int, ChatKey]] = []
        self._seq = itertools.count()
        self._arrived = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Messages waiting for a slot now (cheap: a counter)."""
        return self._waiting

    def chat_ready(self, chat: ChatKey) -> bool:
        return chat not in self._queues and self.schedule.chat_ready_at(chat) <= self.clock() + EPSILON

    def share(self, pacer: Pacer) -> None:
        """`pacer` (a free broadcast's) stops pacing on its own: its messages take the slots replies leave."""
        pacer._share(self.schedule)

    @staticmethod
    def of(bot: Bot) -> SendPacer | None:
        """The SendPacer among `bot`'s session middlewares."""
        return next((m for m in bot.session.middleware if isinstance(m, SendPacer)), None)

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
        if not is_message(method):
            return await self._unpaced(make_request, bot, method)
        priority = _priority.get()
        seq = next(self._seq)  # kept across a 429: the refused request goes before its chat's newer ones
        retry = False
        while True:
            await self._turn(method, priority, seq, retry)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                self.pause(exc.retry_after)
                retry = True

    def pause(self, retry_after: float) -> None:
        self.retry_afters += 1
        if self.schedule.pause(retry_after):
            log.warning("Telegram asked to wait %s s (429): every message waits", retry_after)

    async def _unpaced(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                self.retry_afters += 1
                await self.sleep(exc.retry_after)

    async def _turn(self, method: TelegramMethod[Any], priority: int, seq: int, retry: bool) -> None:
        """Until this request's slot (the slot is taken when this returns)."""
        chat = chat_of(method)
        schedule = self.schedule
        if not self._queues:
            now = self.clock()
            chat_at = schedule.chat_ready_at(chat, burst=priority == REPLY)
            if schedule.ready_at() <= now + EPSILON and chat_at <= now + EPSILON:
                schedule.take(chat)  # nobody waits and the slot is free: no queue, no task switch
                return
        if self._waiting >= self.max_waiting and not retry:
            name = type(method).__name__
            log.warning("%s to chat %s not sent: %d messages wait already", name, chat, self._waiting)
            raise SendTimedOut(method=method, message=f"{name} not sent: {self._waiting} messages wait")
        waiter = _Waiter(priority, seq, asyncio.get_running_loop().create_future())
        queue = self._queues.get(chat)
        if queue is None:
            self._queues[chat] = deque((waiter,))
            self._place(chat, waiter)
        elif retry:
            queue.appendleft(waiter)  # its turn came already; newer messages of its chat stay behind it
        else:
            queue.append(waiter)
        self._waiting += 1
        self._arrived.set()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run(), name="send-pacer")
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if not waiter.granted.done() or waiter.granted.cancelled():
                self._waiting -= 1  # left in its queue, skipped when its turn comes
            raise

    def _place(self, chat: ChatKey, head: _Waiter) -> None:
        """Put a chat whose queue has `head` first into the heap it belongs to."""
        at = self.schedule.chat_ready_at(chat, burst=head.priority == REPLY)
        if at <= self.clock() + EPSILON:
            heapq.heappush(self._ready, (head.priority, head.seq, chat))
        else:
            heapq.heappush(self._later, (at, head.seq, chat))

    async def _run(self) -> None:
        try:
            await self._hand_out()
        except Exception as exc:  # a bug here must not leave every sender waiting for ever
            log.exception("send pacer failed; %d waiting requests fail with it", self._waiting)
            queues, self._queues = self._queues, {}
            self._ready, self._later, self._waiting = [], [], 0
            for queue in queues.values():
                for waiter in queue:
                    if not waiter.granted.done():
                        waiter.granted.set_exception(exc)

    async def _hand_out(self) -> None:
        """Hand out slots while anyone waits: the head of the first ready chat (replies first, oldest first)
        gets the next one."""
        schedule, ready, later = self.schedule, self._ready, self._later
        while self._queues:
            now = self.clock()
            while later and later[0][0] <= now + EPSILON:
                _, _, chat = heapq.heappop(later)
                head = self._queues[chat][0]
                heapq.heappush(ready, (head.priority, head.seq, chat))
            at = schedule.ready_at()
            if at > now + EPSILON:
                await self.sleep(at - now)  # nobody can go before; newcomers are queued meanwhile
                continue
            if not ready:
                # Every waiting chat's bucket is empty: wait for the first to refill, or for a newcomer.
                self._arrived.clear()
                waits = [
                    asyncio.ensure_future(self.sleep(max(later[0][0] - now, 0.0))),
                    asyncio.ensure_future(self._arrived.wait()),
                ]
                try:
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for wait in waits:
                        wait.cancel()
                continue
            _, _, chat = heapq.heappop(ready)
            queue = self._queues[chat]
            waiter = queue.popleft()
            cancelled = waiter.granted.done()  # its sender stopped waiting: no slot is taken
            if not cancelled:
                self._waiting -= 1
                schedule.take(chat)
                waiter.granted.set_result(None)
            if queue:
                self._place(chat, queue[0])
            else:
                del self._queues[chat]
            if not cancelled:
                await asyncio.sleep(0)  # the request goes out before the next slot is handed out
