"""Helpers for the chat-surface tests: languages to parametrize over, keyboards, requests.

Expected screens are rendered with the bot's own functions and `i18n.translator(locale)`."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.console.session import LocalSession
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


def press_shown(
    session: LocalSession,
    kind: type[CallbackData],
    *,
    user_id: int,
    language_code: str | None = "en",
    **fields: Any,
) -> dict[str, Any]:
    """A press of the newest button of `kind` (with these field values) the bot has shown, on the message
    that carried it, as Telegram sends it — also when the message has lost its buttons since."""
    prefix = f"{kind.__prefix__}{kind.__separator__}"
    for request in reversed(session.requests):
        markup = getattr(request, "reply_markup", None)
        for button in buttons(markup) if isinstance(markup, InlineKeyboardMarkup) else []:
            data = button.callback_data or ""
            if not data.startswith(prefix):
                continue
            unpacked = kind.unpack(data)
            if any(getattr(unpacked, name) != value for name, value in fields.items()):
                continue
            shown = session.responses.get(id(request))
            message_id = shown.message_id if isinstance(shown, Message) else 500
            return updates.callback(data, user_id=user_id, language_code=language_code, message_id=message_id)
    raise AssertionError(f"no {kind.__name__} button {fields or ''} was shown")
