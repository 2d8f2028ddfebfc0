"""Telling an outage from one chat's fault, on an injected clock: pure, like `pacer.py`.

A 5xx or a network error the first time, or while no other chat gets through, is Telegram's: the whole
broadcast pauses and the delivery keeps its attempt. Again after other chats succeeded, it is this chat's:
the delivery backs off and loses an attempt. So is a fault that has lasted `patience` (a delivery left alone
at the end of a broadcast has no other chat to compare with).
"""

from __future__ import annotations

from collections.abc import Callable

Key = tuple[int, int]  # (item, user): one delivery
MEMORY = 10_000  # deliveries with a fault remembered; past this the memory starts afresh


class OutageDetector:
    def __init__(self, clock: Callable[[], float], *, patience: float = 3600.0) -> None:
        self.clock = clock  # monotonic
        self.patience = patience
        self._successes = 0  # sends that succeeded since the start
        self._failed_at: dict[Key, int] = {}  # delivery -> `_successes` at its last fault
        self._first_fault: dict[Key, float] = {}  # delivery -> when its faults began

    def succeeded(self, key: Key) -> None:
        """A send got through: other chats' faults are compared with it; this delivery's are forgotten."""
        self._successes += 1
        self._failed_at.pop(key, None)
        self._first_fault.pop(key, None)

    def own_fault(self, key: Key) -> bool:
        """Note a fault of this delivery: True when it is the delivery's own (it backs off), False when it is
        Telegram's (the whole broadcast pauses)."""
        first = self._first_fault.setdefault(key, self.clock())
        own = (
            self._failed_at.get(key, self._successes) < self._successes
            or self.clock() - first >= self.patience
        )
        self._failed_at[key] = self._successes
        if not own and len(self._failed_at) > MEMORY:
            self._failed_at.clear()
            self._first_fault.clear()
        return own
