"""A reply survives a 429 or a passing server fault; polling and the broadcaster keep their own pacing."""

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
    session.middleware(RetryMiddleware(attempts=3, max_retry_after=10, backoff=0.5, sleep=sleep))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML")), session


async def test_429_waits_retry_after_then_sends(
    retrying: tuple[Bot, LocalSession], slept: list[float]
) -> None:
    bot, session = retrying
    session.add_error_for(SendMessage, 429, "Too Many Requests: retry after 3", retry_after=3)
    message = await bot.send_message(1, "hello")
    assert message.text == "hello"
    assert slept == [3.0]
    assert len(session.requests_of(SendMessage)) == 2


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


async def test_long_retry_after_and_bad_requests_are_not_retried(
    retrying: tuple[Bot, LocalSession], slept: list[float]
) -> None:
    bot, session = retrying
    session.add_error_for(SendMessage, 429, "Too Many Requests: retry after 60", retry_after=60)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "hello")
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
    session.add_error_for(SendMessage, 429, "Too Many Requests: retry after 1", retry_after=1)
    with no_retry(), pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "hello")
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
