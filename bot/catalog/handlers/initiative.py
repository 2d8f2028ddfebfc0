"""/initiative and the Initiative button: the initiative's card with a Subscribe/Unsubscribe button."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.catalog import screen_cache as screens
from bot.catalog.handlers.common import show
from bot.catalog.library import Catalog
from bot.core.callbacks import MenuAction, MenuCb
from bot.core.i18n import Translator
from bot.store import Store


async def initiative(message: Message, store: Store, catalog: Catalog, t: Translator) -> None:
    subscribed = message.from_user is not None and await store.subscriptions.is_subscribed(
        message.from_user.id
    )
    screen = screens.initiative(t, catalog.content, subscribed)
    await message.answer(screen.text, reply_markup=screen.markup)


async def initiative_button(
    callback: CallbackQuery, store: Store, catalog: Catalog, bot: Bot, t: Translator
) -> None:
    subscribed = await store.subscriptions.is_subscribed(callback.from_user.id)
    await show(callback, bot, screens.initiative(t, catalog.content, subscribed))


def create_router() -> Router:
    router = Router(name="initiative")
    router.message.register(initiative, Command("initiative", ignore_case=True))
    router.callback_query.register(initiative_button, MenuCb.filter(F.action == MenuAction.INITIATIVE))
    return router
