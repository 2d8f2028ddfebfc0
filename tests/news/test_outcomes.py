"""What each result of a broadcast's sendMessage means for its delivery, without a bot."""

from __future__ import annotations

import pytest
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage

from bot.news.outcomes import SENT, Action, Outcome, classify, retry_delay

METHOD = SendMessage(chat_id=1, text="x")


def test_a_sent_message_is_sent() -> None:
    assert Outcome(Action.SENT) == SENT


def test_429_pauses_the_whole_broadcast_for_retry_after() -> None:
    outcome = classify(TelegramRetryAfter(METHOD, "Too Many Requests: retry after 7", 7))
    assert outcome.action is Action.PAUSE_ALL
    assert outcome.retry_after == 7
    assert "retry after 7" in str(outcome.error)


@pytest.mark.parametrize(
    "message",
    [
        "Forbidden: bot was blocked by the user",
        "Forbidden: user is deactivated",
        "Forbidden: bot was kicked from the group chat",
    ],
)
def test_403_unsubscribes(message: str) -> None:
    assert classify(TelegramForbiddenError(METHOD, message)) == Outcome(Action.UNSUBSCRIBE, message)


@pytest.mark.parametrize(
    "message", ["Bad Request: chat not found", "Bad Request: PEER_ID_INVALID", "Bad Request: user not found"]
)
def test_a_chat_that_is_gone_unsubscribes_as_a_403_does(message: str) -> None:
    assert classify(TelegramBadRequest(METHOD, message)) == Outcome(Action.UNSUBSCRIBE, message)


def test_any_other_400_fails_at_once() -> None:
    message = "Bad Request: can't parse entities"
    assert classify(TelegramBadRequest(METHOD, message)) == Outcome(Action.FAIL, message)


@pytest.mark.parametrize(
    "exc",
    [
        TelegramServerError(METHOD, "Bad Gateway"),
        TelegramNetworkError(METHOD, "connection reset"),
        OSError("network is unreachable"),
        TimeoutError(),
    ],
)
def test_passing_faults_are_retried_with_the_error_kept(exc: TelegramAPIError | OSError) -> None:
    outcome = classify(exc)
    assert outcome.action is Action.RETRY
    assert str(outcome.error).startswith(f"{type(exc).__name__}: ")


def test_retries_back_off_doubling_up_to_a_cap_then_give_up() -> None:
    delays = [retry_delay(attempts, 5, backoff=5.0, max_backoff=300.0) for attempts in range(1, 7)]
    assert delays == [5.0, 10.0, 20.0, 40.0, None, None]
    assert retry_delay(9, 20, backoff=5.0, max_backoff=300.0) == 300.0


@pytest.mark.parametrize(
    "exc",
    [
        TelegramNotFound(METHOD, "Not Found"),
        TelegramConflictError(METHOD, "Conflict: terminated by other getUpdates request"),
        TelegramEntityTooLarge(METHOD, "Request Entity Too Large"),
    ],
)
def test_404_409_413_fail_the_delivery_and_pause_nothing(exc: TelegramAPIError) -> None:
    """This request's fault, not an outage (413 even subclasses the network error)."""
    outcome = classify(exc)
    assert outcome.action is Action.FAIL
    assert str(outcome.error).startswith(f"{type(exc).__name__}: ")
