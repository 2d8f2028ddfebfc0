"""What one `sendMessage` of a broadcast came to, and so what happens to its delivery: a pure function of the
result, tested without a bot. Telegram's status code (aiogram's exception class) decides first.

A 429 pauses the whole broadcast and the delivery waits (not counted as an attempt); a 403, and a 400 saying
the chat does not exist ("chat not found", "user not found"), unsubscribe the user and drop the delivery: a
later item would be refused the same way. Any other 400 would be refused again, so the delivery fails; so do
a 404, a 409 and a 413 (a file grown too big since it was posted): those are this request's, not an outage.
A 401 (the token was revoked) stops the broadcaster. A 5xx or a network error may mean Telegram is down: the
broadcaster pauses the whole broadcast and decides whether the delivery is to blame.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)

# The 400 an edit gets when the message already shows that text (it is done, not refused).
NOT_MODIFIED = "message is not modified"
# 400s that mean the chat is gone for good: the reader is unsubscribed, as after a 403.
GONE_ERRORS = ("chat not found", "peer_id_invalid", "user not found")


class Action(enum.Enum):
    SENT = "sent"
    PAUSE_ALL = "pause all"  # 429: the broadcast waits `retry_after`, the delivery with it
    UNSUBSCRIBE = "unsubscribe"  # 403 (blocked, deactivated, kicked) or no such chat: drop and unsubscribe
    DROP = "drop"  # nothing to do for this delivery (a change whose copy the reader deleted)
    FAIL = "fail"  # the same request would be refused again (400, 404, 409, 413)
    RETRY = "retry"  # 5xx or network: Telegram may be down (pause all) or this chat at fault (backoff)
    STOP = "stop"  # 401: the token is no longer valid; nothing can be sent


@dataclass(frozen=True)
class Outcome:
    action: Action
    error: str | None = None
    retry_after: float = 0.0


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
        if any(marker in exc.message.lower() for marker in GONE_ERRORS):
            return Outcome(Action.UNSUBSCRIBE, exc.message)
        return Outcome(Action.FAIL, exc.message)
    if isinstance(exc, TelegramEntityTooLarge):  # before the network errors it subclasses
        return Outcome(Action.FAIL, f"{type(exc).__name__}: {exc.message}")
    if isinstance(exc, TelegramNotFound | TelegramConflictError):
        return Outcome(Action.FAIL, f"{type(exc).__name__}: {exc.message}")
    return Outcome(Action.RETRY, f"{type(exc).__name__}: {exc}")


def retry_delay(attempts: int, max_attempts: int, backoff: float, max_backoff: float) -> float | None:
    """Seconds before trying again after `attempts` failed attempts; None: give up."""
    if attempts >= max_attempts:
        return None
    return min(backoff * 2.0 ** (attempts - 1), max_backoff)
