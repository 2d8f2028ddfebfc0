"""Retries decided per call: a message is sent again only when the failure proves it was not delivered."""

from __future__ import annotations

import socket

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import TelegramServerError
from aiogram.methods import EditMessageText, SendMessage

from bot.console.session import LocalSession
from bot.core.config import Settings
from bot.core.retry import RetryMiddleware
from bot.runtime.app import create_bot
from tests.bot_api_server import FakeBotAPI
from tests.conftest import TOKEN


def retrying_bot(session: LocalSession, slept: list[float]) -> Bot:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    session.middleware(RetryMiddleware(attempts=3, backoff=0.5, sleep=sleep))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))


async def test_a_server_error_on_a_send_is_not_repeated() -> None:
    """A 502 from a proxy may come after Telegram delivered the message: sending again could repeat it."""
    session, slept = LocalSession(), []
    bot = retrying_bot(session, slept)
    session.add_error_for(SendMessage, 502, "Bad Gateway")
    with pytest.raises(TelegramServerError):
        await bot.send_message(1, "hello")
    assert len(session.requests_of(SendMessage)) == 1
    assert slept == []


async def test_a_server_error_on_an_edit_is_repeated() -> None:
    session, slept = LocalSession(), []
    bot = retrying_bot(session, slept)
    sent = await bot.send_message(1, "hello")
    session.add_error_for(EditMessageText, 502, "Bad Gateway")
    await bot.edit_message_text("hello again", chat_id=1, message_id=sent.message_id)
    assert len(session.requests_of(EditMessageText)) == 2
    assert slept == [0.5]


async def test_a_send_whose_connection_was_refused_is_sent_once_the_server_answers(
    settings: Settings,
) -> None:
    """Nothing reached Telegram when the connection was never made: the send is safe to repeat."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    api = FakeBotAPI()  # not listening yet: the first attempt is refused

    async def sleep(seconds: float) -> None:
        if not api.url:
            await api.start(port)

    bot = create_bot(
        settings.model_copy(update={"telegram_api_url": f"http://127.0.0.1:{port}"}),
        retry=RetryMiddleware(attempts=3, backoff=0.5, sleep=sleep),
    )
    try:
        message = await bot.send_message(7, "hello")
    finally:
        await bot.session.close()
        await api.stop()
    assert message.text == "hello"
    assert len(api.calls_of("sendmessage")) == 1
