"""Helpers for the chat-surface tests: languages to parametrize over, keyboards, requests.

Expected screens are rendered with the bot's own functions and `i18n.translator(locale)`."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tests import updates

# (Telegram language_code, the locale the bot must answer in)
LANGUAGES = [
    pytest.param("ru", "ru", id="ru"),
    pytest.param("en", "en", id="en"),
    pytest.param("zh-hans", "zh", id="zh"),
]


def buttons(markup: Any) -> list[InlineKeyboardButton]:
    assert isinstance(markup, InlineKeyboardMarkup), f"expected an inline keyboard, got {markup!r}"
    return [button for row in markup.inline_keyboard for button in row]


def datas(markup: Any) -> list[str]:
    return [b.callback_data for b in buttons(markup) if b.callback_data]


def of(requests: list[TelegramMethod[Any]], method: type[Any]) -> list[Any]:
    return [r for r in requests if isinstance(r, method)]


def one_message(requests: list[TelegramMethod[Any]]) -> SendMessage:
    sent = of(requests, SendMessage)
    assert len(sent) == 1, f"expected one message, got {requests!r}"
    return sent[0]


def one_edit(requests: list[TelegramMethod[Any]]) -> EditMessageText:
    edits = of(requests, EditMessageText)
    assert len(edits) == 1, f"expected one edit, got {requests!r}"
    return edits[0]


def one_answer(requests: list[TelegramMethod[Any]]) -> AnswerCallbackQuery:
    answers = of(requests, AnswerCallbackQuery)
    assert len(answers) == 1, f"every callback query is answered exactly once: {requests!r}"
    return answers[0]


def callback_on(data: str, markup: InlineKeyboardMarkup | None = None, **kwargs: Any) -> dict[str, Any]:
    """A callback query whose message carries `markup`, as Telegram sends it."""
    update = updates.callback(data, **kwargs)
    if markup is not None:
        update["callback_query"]["message"]["reply_markup"] = markup.model_dump(
            mode="json", exclude_none=True
        )
    return update
