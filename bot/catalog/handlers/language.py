"""/language: Русский / English / 中文; the choice is stored, and the message and the chat's command menu
follow it."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.catalog import screens
from bot.catalog.handlers.common import show, stale
from bot.catalog.profile import set_chat_commands
from bot.core.callbacks import LanguageCb, MenuAction, MenuCb
from bot.core.i18n import LOCALES, current_locale
from bot.store import Store


async def language(message: Message) -> None:
    screen = screens.language(current_locale())
    await message.answer(screen.text, reply_markup=screen.markup)


async def language_button(callback: CallbackQuery, bot: Bot) -> None:
    await show(callback, bot, screens.language(current_locale()))
    await callback.answer()


async def choose_language(
    callback: CallbackQuery, callback_data: LanguageCb, store: Store, i18n: I18n, bot: Bot
) -> None:
    chosen = callback_data.locale
    if chosen not in LOCALES:
        await stale(callback)
        return
    await store.users.set_locale(callback.from_user.id, chosen)
    # The middleware picked this update's locale before the choice; everything from here speaks the new one.
    with i18n.use_locale(chosen):
        await show(callback, bot, screens.language(chosen))
        chat = callback.message.chat if callback.message else None
        if chat is not None and chat.type == "private":
            await set_chat_commands(bot, chat.id)
        await callback.answer(_("Language saved."))


def create_router() -> Router:
    router = Router(name="language")
    router.message.register(language, Command("language"))
    router.callback_query.register(language_button, MenuCb.filter(F.action == MenuAction.LANGUAGE))
    router.callback_query.register(choose_language, LanguageCb.filter())
    return router
