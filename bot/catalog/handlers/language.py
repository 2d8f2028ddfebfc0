"""/language: Русский / English / 中文; the choice is stored, and the message and the chat's command menu
follow it."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Bot, F, Router, flags
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.catalog import screen_cache as screens
from bot.catalog.handlers.common import show, stale
from bot.catalog.profile import set_chat_commands
from bot.core.callbacks import LanguageCb, MenuAction, MenuCb
from bot.core.i18n import LOCALES, PoI18n, Translator
from bot.store import Store

# Other features' commands for one user's menu (an admin's), given by the wiring: (t, user id) → commands.
ExtraCommands = Callable[[Translator, int], list[tuple[str, str]]]


async def language(message: Message, t: Translator) -> None:
    screen = screens.language(t)
    await message.answer(screen.text, reply_markup=screen.markup)


async def language_button(callback: CallbackQuery, bot: Bot, t: Translator) -> None:
    await show(callback, bot, screens.language(t))


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def choose_language(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: LanguageCb,
    store: Store,
    i18n: PoI18n,
    bot: Bot,
    t: Translator,
    extra_commands: ExtraCommands | None = None,
) -> None:
    chosen = callback_data.locale
    if chosen not in LOCALES:
        await stale(callback, callback_answer, t)
        return
    await store.users.set_locale(callback.from_user.id, chosen)
    # The middleware picked this update's locale before the choice; everything from here speaks the new one.
    t = i18n.translator(chosen)
    callback_answer.disable()  # answered here, first: the button stops spinning at once, in the new language
    await callback.answer(t._("Language saved."))
    await show(callback, bot, screens.language(t))
    chat = callback.message.chat if callback.message else None
    if chat is not None and chat.type == "private":
        extra = extra_commands(t, callback.from_user.id) if extra_commands is not None else []
        await set_chat_commands(bot, t, chat.id, extra)


def create_router() -> Router:
    router = Router(name="language")
    router.message.register(language, Command("language", ignore_case=True))
    router.callback_query.register(language_button, MenuCb.filter(F.action == MenuAction.LANGUAGE))
    router.callback_query.register(choose_language, LanguageCb.filter())
    return router
