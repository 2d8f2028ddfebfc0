"""The Bot API session sends what aiogram's own would (the same fields, the same JSON once parsed), and
encodes a keyboard or an inline result once while it lives."""

from __future__ import annotations

import gc
import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.methods import EditMessageText, SendDocument, SendMessage, TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import FormData

from bot.core.callbacks import MenuAction, MenuCb
from bot.core.wire import EncodedForm, WireSession
from tests import updates
from tests.conftest import TOKEN, Driver


def fields(form: FormData) -> dict[str, Any]:
    """A form as the Bot API reads it: each field, JSON parsed where it is JSON."""
    payload = form()
    body: bytes = payload._value  # type: ignore[attr-defined]
    parsed: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True):
        try:
            parsed[key] = json.loads(value)
        except ValueError:
            parsed[key] = value
    return parsed


@pytest.fixture
def plain_bot() -> Bot:
    """A Bot for encoding requests (the `bot` fixture sends them to a LocalSession)."""
    return Bot(TOKEN, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def assert_same_request(bot: Bot, method: TelegramMethod[Any]) -> None:
    ours = WireSession().build_form_data(bot, method)
    assert isinstance(ours, EncodedForm)
    assert fields(ours) == fields(AiohttpSession().build_form_data(bot, method))


async def test_every_request_of_a_conversation_is_sent_as_aiogram_would(
    driver: Driver, plain_bot: Bot
) -> None:
    conversation = [
        updates.message("/start"),
        updates.message("/start", language_code="ru"),
        updates.message("/start", language_code="zh-hans"),
        *(updates.callback(MenuCb(action=action).pack()) for action in MenuAction),
        updates.message("/speakers", language_code="ru"),
        updates.message("Liu"),
        updates.message("nobody & <nothing>"),
        updates.inline_query(""),
        updates.inline_query("ki", language_code="ru"),
        updates.inline_query("刘", language_code="zh"),
        updates.inline_query("zzzz"),
        updates.inline_query("", offset="12"),
    ]
    sent: list[TelegramMethod[Any]] = []
    for update in conversation:
        sent += await driver.feed(update)
    kinds = {type(method).__name__ for method in sent}
    assert {"SendMessage", "EditMessageText", "AnswerCallbackQuery", "AnswerInlineQuery"} <= kinds
    for method in sent:
        assert_same_request(plain_bot, method)


def test_a_keyboard_is_encoded_once_while_it_lives(plain_bot: Bot) -> None:
    bot = plain_bot
    session = WireSession()
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Меню", callback_data="m:m")]])
    first = fields(session.build_form_data(bot, SendMessage(chat_id=1, text="Привет", reply_markup=markup)))
    assert len(session._models) == 1
    assert first["parse_mode"] == "HTML"  # the bot's default
    assert_same_request(bot, SendMessage(chat_id=1, text="Привет", reply_markup=markup))
    edit = EditMessageText(chat_id=1, message_id=5, text="Привет", reply_markup=markup)
    second = fields(session.build_form_data(bot, edit))
    assert len(session._models) == 1
    assert (
        first["reply_markup"]
        == second["reply_markup"]
        == {"inline_keyboard": [[{"text": "Меню", "callback_data": "m:m"}]]}
    )
    del markup, edit
    gc.collect()
    assert session._models == {}  # gone with its keyboard: another object may take its id


def test_a_new_keyboard_is_encoded_anew(plain_bot: Bot) -> None:
    bot = plain_bot
    session = WireSession()
    sent = []
    for label in ("One", "Two"):
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=label, callback_data="x")]])
        sent.append(
            fields(session.build_form_data(bot, SendMessage(chat_id=1, text="t", reply_markup=markup)))
        )
    assert [s["reply_markup"]["inline_keyboard"][0][0]["text"] for s in sent] == ["One", "Two"]


def test_files_go_aiogram_s_own_way(plain_bot: Bot) -> None:
    bot = plain_bot
    method = SendDocument(chat_id=1, document=BufferedInputFile(b"data", filename="a.txt"))
    form = WireSession().build_form_data(bot, method)
    assert not isinstance(form, EncodedForm)
    assert form.is_multipart


async def test_answers_are_read_as_aiogram_reads_them(plain_bot: Bot) -> None:
    bot = plain_bot
    session = WireSession()
    method = SendMessage(chat_id=1, text="hi")
    content = json.dumps(
        {
            "ok": True,
            "result": {
                "message_id": 7,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": "hi",
            },
        }
    )
    response = session.check_response(bot, method, 200, content)
    assert response.result.message_id == 7
    assert SendMessage in session._responses
