"""/about and the About button: the roundtable's card."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot import screens
from bot.callbacks import MenuAction, MenuCb
from bot.handlers.common import show
from bot.store import Store


async def about(message: Message, store: Store) -> None:
    screen = screens.about(store.content)
    await message.answer(screen.text, reply_markup=screen.markup)


async def about_button(callback: CallbackQuery, store: Store, bot: Bot) -> None:
    await show(callback, bot, screens.about(store.content))
    await callback.answer()


def create_router() -> Router:
    router = Router(name="about")
    router.message.register(about, Command("about"))
    router.callback_query.register(about_button, MenuCb.filter(F.action == MenuAction.ABOUT))
    return router
