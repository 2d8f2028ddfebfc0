"""The last line of defence: log what broke (never the token) and tell a private chat politely.

A button is never answered here: `CallbackAnswerMiddleware` (see `runtime/app.py`) has answered it already,
before the handler or on its way out, and Telegram takes one answer per button. A private chat gets a
message instead; a group is not disturbed."""

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
    exc = event.exception
    text = str(exc)
    secret = bot.token in text  # an error that quotes a request URL: the traceback would repeat it
    log.error(
        "update %s failed: %s: %s",
        update.update_id,
        type(exc).__name__,
        text.replace(bot.token, "<token>"),
        exc_info=None if secret else (type(exc), exc, exc.__traceback__),
    )
    chat = None
    if update.message:
        chat = update.message.chat
    elif update.callback_query and update.callback_query.message:
        chat = update.callback_query.message.chat
    if chat is None or chat.type != "private":
        return
    try:
        await bot.send_message(chat.id, t._("Something went wrong. Please try again or send /help."))
    except TelegramAPIError as exc:
        log.warning("could not tell chat about the failure of update %s: %s", update.update_id, exc)


def create_router() -> Router:
    router = Router(name="errors")
    router.error.register(on_error)
    return router
