"""A reply survives a passing server fault (429 is the send pacer's); polling and the broadcaster are
left alone."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, GetUpdates, SendMessage

from bot.console.session import LocalSession
from bot.core.retry import RetryMiddleware, no_retry
from tests.conftest import TOKEN


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def retrying(slept: list[float]) -> tuple[Bot, LocalSession]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    session = LocalSession()
    session.middleware(RetryMiddleware(attempts=3, backoff=0.5, sleep=sleep))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML")), session


async def test_429_is_left_to_the_send_pacer(retrying: tuple[Bot, LocalSession], slept: list[float]) -> None:
    """`core.pacing.SendPacer` owns 429 (it pauses every message); this middleware passes it on."""
    bot, session = retrying
    session.add_error_for(SendMessage, 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "hello")
    assert slept == []
    assert len(session.requests_of(SendMessage)) == 1


async def test_server_errors_back_off_then_give_up(
    retrying: tuple[Bot, LocalSession], slept: list[float]
) -> None:
    bot, session = retrying
    for _ in range(3):
        session.add_error_for(AnswerCallbackQuery, 502, "Bad Gateway")
    with pytest.raises(TelegramServerError):
        await bot.answer_callback_query("cq1")
    assert slept == [0.5, 1.0]
    assert len(session.requests_of(AnswerCallbackQuery)) == 3


async def test_bad_requests_are_not_retried(retrying: tuple[Bot, LocalSession], slept: list[float]) -> None:
    bot, session = retrying
    session.add_error_for(SendMessage, 400, "Bad Request: chat not found")
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(1, "hello")
    assert slept == []


async def test_polling_and_no_retry_blocks_are_left_alone(
    retrying: tuple[Bot, LocalSession], slept: list[float]
) -> None:
    bot, session = retrying
    session.add_error_for(GetUpdates, 502, "Bad Gateway")
    with pytest.raises(TelegramServerError):
        await bot.get_updates()
    session.add_error_for(AnswerCallbackQuery, 502, "Bad Gateway")
    with no_retry(), pytest.raises(TelegramServerError):
        await bot.answer_callback_query("cq1")
    assert slept == []


async def test_network_errors_resend_no_message_but_repeat_harmless_calls(
    retrying: tuple[Bot, LocalSession], slept: list[float]
) -> None:
    """A timeout may hide a delivered message: a send is not repeated, an edit or an answer is."""
    bot, session = retrying
    session.add_error_for(SendMessage, 0, "Request timeout error")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(1, "hello")
    assert len(session.requests_of(SendMessage)) == 1
    session.add_error_for(AnswerCallbackQuery, 0, "Request timeout error")
    assert await bot.answer_callback_query("cq1") is True
    assert len(session.requests_of(AnswerCallbackQuery)) == 2
    assert slept == [0.5]
