"""What one `sendMessage` of a broadcast came to, and so what happens to its delivery: a pure function of the
result, tested without a bot.

A 429 pauses the whole broadcast and the delivery waits (not counted as an attempt); a 403 unsubscribes the
user and drops the delivery; "chat not found" and the like drop it; any other 400 would be refused again, so
it fails; a 401 (the token was revoked) stops the broadcaster. A 5xx or a network error may mean Telegram is
down: the broadcaster pauses the whole broadcast and decides whether the delivery is to blame
(`Outcome.maybe_delivered` tells whether the message may have arrived anyway: only a connection that was
never made proves it did not).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)

from bot.core.retry import never_sent

# 400s that mean the chat is gone for good.
DROP_ERRORS = ("chat not found", "peer_id_invalid", "user not found")


class Action(enum.Enum):
    SENT = "sent"
    PAUSE_ALL = "pause all"  # 429: the broadcast waits `retry_after`, the delivery with it
    UNSUBSCRIBE = "unsubscribe"  # 403: blocked, deactivated, kicked: drop and unsubscribe
    DROP = "drop"  # the chat does not exist
    FAIL = "fail"  # the same request would be refused again
    RETRY = "retry"  # 5xx or network: Telegram may be down (pause all) or this chat at fault (backoff)
    STOP = "stop"  # 401: the token is no longer valid; nothing can be sent


@dataclass(frozen=True)
class Outcome:
    action: Action
    error: str | None = None
    retry_after: float = 0.0
    maybe_delivered: bool = False


SENT = Outcome(Action.SENT)


def classify(exc: TelegramAPIError | OSError | TimeoutError) -> Outcome:
    """The outcome of a send that raised `exc`."""
    if isinstance(exc, TelegramRetryAfter):
        return Outcome(Action.PAUSE_ALL, exc.message, exc.retry_after)
    if isinstance(exc, TelegramUnauthorizedError):
        return Outcome(Action.STOP, exc.message)
    if isinstance(exc, TelegramForbiddenError):
        return Outcome(Action.UNSUBSCRIBE, exc.message)
    if isinstance(exc, TelegramBadRequest):
        if any(marker in exc.message.lower() for marker in DROP_ERRORS):
            return Outcome(Action.DROP, exc.message)
        return Outcome(Action.FAIL, exc.message)
    proven = isinstance(exc, TelegramNetworkError) and never_sent(exc)
    return Outcome(Action.RETRY, f"{type(exc).__name__}: {exc}", maybe_delivered=not proven)


def retry_delay(attempts: int, max_attempts: int, backoff: float, max_backoff: float) -> float | None:
    """Seconds before trying again after `attempts` failed attempts; None: give up."""
    if attempts >= max_attempts:
        return None
    return min(backoff * 2.0 ** (attempts - 1), max_backoff)
