"""The chat's menu button opens the Mini App, labelled in the chat's language.

At start-up the bot's default menu button (every chat without its own) becomes a `web_app` button labelled
in `DEFAULT_LOCALE`; after a private chat's message is handled, that chat gets its own button in the
chat's language (once per chat and language while the process runs: a new language is one more call).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import MenuButtonWebApp, Message, TelegramObject, WebAppInfo

from bot.core.i18n import PoI18n, Translator

log = logging.getLogger(__name__)

MAX_CHATS = 100_000  # chats whose button is known to be set; forgetting them costs one call each


def menu_button(t: Translator, url: str) -> MenuButtonWebApp:
    return MenuButtonWebApp(text=t._("Speakers and news"), web_app=WebAppInfo(url=url))


class MenuButtons(BaseMiddleware):
    """Outer middleware on messages: a private chat's menu button follows the chat's language."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._labelled: dict[int, str] = {}

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        result = await handler(event, data)  # the reply first; the button after
        t = data.get("t")
        bot = data.get("bot")
        if not isinstance(event, Message) or event.chat.type != ChatType.PRIVATE:
            return result
        if not isinstance(t, Translator) or not isinstance(bot, Bot):
            return result
        chat_id = event.chat.id
        if self._labelled.get(chat_id) == t.locale:
            return result
        try:
            await bot.set_chat_menu_button(chat_id=chat_id, menu_button=menu_button(t, self.url))
        except TelegramAPIError as exc:
            log.info("could not set the menu button of chat %s: %s", chat_id, exc.message)
            return result
        if len(self._labelled) >= MAX_CHATS:
            self._labelled.clear()
        self._labelled[chat_id] = t.locale
        return result


def setup_menu(dp: Dispatcher, url: str | None, i18n: PoI18n) -> None:
    """With `WEBAPP_URL`: the default menu button at start-up, and each private chat's in its language."""
    if url is None:
        return
    dp.message.outer_middleware(MenuButtons(url))

    async def default_button(bot: Bot) -> None:
        try:
            await bot.set_chat_menu_button(menu_button=menu_button(i18n.translator(i18n.default_locale), url))
        except TelegramAPIError as exc:
            log.warning("could not set the default menu button: %s", exc.message)

    dp.startup.register(default_button)
