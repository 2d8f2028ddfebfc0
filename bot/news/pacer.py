"""The broadcast's pace, as arithmetic over an injected clock: how long to wait before the next message.

No sleeping and no I/O here (the broadcaster sleeps for what `delay()` says), so the rules are tested with a
fake clock: at most `rate` messages a second overall, evenly spaced and never more than `rate` in any
one-second window; never two a second to one chat; nothing at all until a 429's `retry_after` has passed.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]

PER_CHAT_INTERVAL = 1.0
CATCH_UP = 0.02  # seconds of slots a late wake-up may make up (at low rates, one slot)
JITTER = 0.03  # seconds added to the one-second window at high rates
# Past this many chats remembered, those whose interval has passed are forgotten.
CHATS_KEPT = 10_000


class Pacer:
    def __init__(self, rate: float, clock: Clock, *, per_chat_interval: float = PER_CHAT_INTERVAL) -> None:
        self.rate = rate
        self.interval = 1.0 / rate
        # Above 50 a second a slot is shorter than CATCH_UP: a late wake-up (the event loop's timer ticks in
        # milliseconds) is made up by the next slots, and the one-second window is kept JITTER longer, since
        # requests made together reach Telegram a few milliseconds apart and one more than `rate` in a second
        # costs a second's pause.
        self.catch_up = max(self.interval, CATCH_UP)
        self.window_seconds = 1.0 if self.interval >= CATCH_UP else 1.0 + JITTER
        self.window = max(1, math.floor(rate))
        self.per_chat_interval = per_chat_interval
        self.clock = clock
        self.paused_until = 0.0
        self._next_slot = 0.0
        self._recent: deque[float] = deque(maxlen=self.window)
        self._chat_sent: dict[int, float] = {}

    def delay(self) -> float:
        """Seconds to wait before the next sending slot; 0: take it now (`take_slot`).

        Waits out a 429 pause first (the schedule starts afresh when it ends), then `interval` after the
        previous slot, then until the last one-second window holds fewer than `rate` messages."""
        now = self.clock()
        if now < self.paused_until:
            self._next_slot = self.paused_until
            return self.paused_until - now
        if now < self._next_slot:
            return min(self._next_slot - now, self.interval)
        if len(self._recent) == self.window:
            # Compared with the moment the window frees, not with `now - oldest < 1`: the difference can
            # stay a hair under 1 s after waiting what it said, and a fake clock would never get past it.
            frees = self._recent[0] + self.window_seconds
            if now < frees:
                return min(frees - now, 1.0)
        return 0.0

    def take_slot(self) -> None:
        """A message (or an edit) goes now."""
        now = self.clock()
        # Slots follow a fixed schedule so small wake-up delays do not add up: slots a late wake-up missed are
        # made up by the next ones (up to `catch_up` seconds of them; never more than `rate` in one second);
        # after idling longer, start afresh.
        late = now - self._next_slot >= self.catch_up
        self._next_slot = (now if late else self._next_slot) + self.interval
        self._recent.append(now)
        if len(self._chat_sent) > CHATS_KEPT:
            self._chat_sent = {c: t for c, t in self._chat_sent.items() if now - t < self.per_chat_interval}

    def chat_ready(self, chat: int) -> bool:
        """Whether `chat` may get a message now (its last one was at least `per_chat_interval` ago)."""
        last = self._chat_sent.get(chat)
        if last is None:
            return True
        if self.clock() - last >= self.per_chat_interval:
            del self._chat_sent[chat]
            return True
        return False

    def sent_to(self, chat: int) -> None:
        self._chat_sent[chat] = self.clock()

    def pause_all(self, retry_after: float) -> bool:
        """A 429: nothing goes until `retry_after` seconds from now; True when that extends the pause."""
        resume = self.clock() + retry_after
        if resume > self.paused_until:
            self.paused_until = resume
            return True
        return False

    def eta(self, messages: int) -> float:
        """Seconds until `messages` more have gone at this pace, the current pause included."""
        return messages / self.rate + max(self.paused_until - self.clock(), 0.0)
