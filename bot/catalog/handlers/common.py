"""What every chat-surface handler needs: showing a screen in answer to a button, and stale-button alerts."""

from __future__ import annotations

import logging

from aiogram import Bot, flags
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import CallbackQuery, Chat, InaccessibleMessage, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.catalog.screens import Screen
from bot.core.config import Settings
from bot.core.i18n import Translator

log = logging.getLogger(__name__)


def is_not_modified(exc: TelegramBadRequest) -> bool:
    """Telegram refuses an edit that changes nothing; for us that edit has simply succeeded."""
    return "message is not modified" in exc.message


def _is_gone(exc: TelegramBadRequest) -> bool:
    text = exc.message.lower()
    return "message to edit not found" in text or "message can't be edited" in text


def webapp_url(settings: Settings, chat: Chat | None) -> str | None:
    """The Mini App's URL for an "Open as a page" button in `chat`: `web_app` buttons work in private chats
    only, and only when `WEBAPP_URL` is set."""
    return settings.webapp_url if chat is not None and chat.type == ChatType.PRIVATE else None


async def show(callback: CallbackQuery, bot: Bot, screen: Screen) -> None:
    """Turn the message the button was on into `screen`; send it anew when that message cannot be edited.

    The button is answered before the handler runs (`CallbackAnswerMiddleware(pre=True)`, see
    `runtime/app.py`): an answer sends no message, so it never waits for a sending slot, and the button stops
    spinning at once even when the edit waits behind a burst of replies."""
    message = callback.message
    if isinstance(message, Message):
        try:
            await message.edit_text(screen.text, reply_markup=screen.markup)
            return
        except TelegramBadRequest as exc:
            if is_not_modified(exc):
                return
            if not _is_gone(exc):
                raise
    chat_id = message.chat.id if isinstance(message, Message | InaccessibleMessage) else callback.from_user.id
    try:
        await bot.send_message(chat_id, screen.text, reply_markup=screen.markup)
    except TelegramForbiddenError as exc:  # a button on an inline message from someone who never started us
        log.info("cannot show a screen to chat %s: %s", chat_id, exc.message)


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def stale(callback: CallbackQuery, callback_answer: CallbackAnswer, t: Translator) -> None:
    """The short alert for a button that no longer means anything (old, unknown or forged data); the
    handler is flagged `callback_answer(pre=False)`."""
    callback_answer.text = t._("This button is out of date. Send /start to begin again.")
    callback_answer.show_alert = True
