"""The last line of defence: log what broke (never the token) and tell a private chat politely."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.core.i18n import Translator
from bot.core.pacing import SendTimedOut

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot, t: Translator) -> None:
    update = event.update
    if isinstance(event.exception, SendTimedOut):
        return  # the pacer logged it once, with its chat; telling the chat would wait in the same queue
    log.error(
        "update %s failed: %s: %s",
        update.update_id,
        type(event.exception).__name__,
        event.exception,
        exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
    )
    chat = None
    if update.message:
        chat = update.message.chat
    elif update.callback_query and update.callback_query.message:
        chat = update.callback_query.message.chat
    try:
        if update.callback_query:
            await update.callback_query.answer(
                t._("Something went wrong. Please try again."), show_alert=True
            )
        elif chat is not None and chat.type == "private":
            await bot.send_message(chat.id, t._("Something went wrong. Please try again or send /help."))
    except TelegramAPIError as exc:
        log.warning("could not tell chat about the failure of update %s: %s", update.update_id, exc)


def create_router() -> Router:
    router = Router(name="errors")
    router.error.register(on_error)
    return router
