"""/help and the Help button: every command with one line each."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.catalog import screen_cache as screens
from bot.catalog.handlers.common import show
from bot.core.callbacks import MenuAction, MenuCb
from bot.core.i18n import Translator


async def help_command(message: Message, bot: Bot, t: Translator) -> None:
    screen = screens.help_screen(t, (await bot.me()).username)
    await message.answer(screen.text, reply_markup=screen.markup)


async def help_button(callback: CallbackQuery, bot: Bot, t: Translator) -> None:
    await show(callback, bot, screens.help_screen(t, (await bot.me()).username))


def create_router() -> Router:
    router = Router(name="help")
    router.message.register(help_command, Command("help", ignore_case=True))
    router.callback_query.register(help_button, MenuCb.filter(F.action == MenuAction.HELP))
    return router
