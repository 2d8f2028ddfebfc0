"""/about and the About button: the roundtable's card."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.catalog import screen_cache as screens
from bot.catalog.handlers.common import show
from bot.catalog.library import Catalog
from bot.core.callbacks import MenuAction, MenuCb
from bot.core.i18n import Translator


async def about(message: Message, catalog: Catalog, t: Translator) -> None:
    screen = screens.about(t, catalog.content)
    await message.answer(screen.text, reply_markup=screen.markup)


async def about_button(callback: CallbackQuery, catalog: Catalog, bot: Bot, t: Translator) -> None:
    await show(callback, bot, screens.about(t, catalog.content))


def create_router() -> Router:
    router = Router(name="about")
    router.message.register(about, Command("about", ignore_case=True))
    router.callback_query.register(about_button, MenuCb.filter(F.action == MenuAction.ABOUT))
    return router
