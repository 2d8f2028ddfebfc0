"""/privacy (what the bot stores about a user, why, for how long) and /forget (delete it all, after a
confirmation button). Here in runtime because deleting spans the store (the user, the subscription, the FSM
state) and the news (the outbox rows for the user), and only runtime may reach both."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.catalog import screens
from bot.catalog.handlers.common import show
from bot.core.callbacks import ForgetCb
from bot.core.i18n import Translator
from bot.news.repository import Newsroom
from bot.store import Store


async def privacy(message: Message, t: Translator) -> None:
    screen = screens.privacy(t)
    await message.answer(screen.text, reply_markup=screen.markup)


async def forget(message: Message, t: Translator) -> None:
    screen = screens.forget_confirm(t)
    await message.answer(screen.text, reply_markup=screen.markup)


async def forget_user(store: Store, newsroom: Newsroom, state: FSMContext, user_id: int) -> None:
    """Everything stored about `user_id`, gone; doing it again changes nothing."""
    await state.clear()  # an admin's unfinished /post draft (this chat's FSM state)
    await newsroom.outbox.forget(user_id)
    await store.users.forget(user_id)  # last: the user row, with their subscription


async def forget_confirmed(
    callback: CallbackQuery, store: Store, newsroom: Newsroom, state: FSMContext, bot: Bot, t: Translator
) -> None:
    # `t` was chosen before the deletion, so the answer is in the language the user was using.
    await forget_user(store, newsroom, state, callback.from_user.id)
    await show(callback, bot, screens.forgotten(t))


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.register(privacy, Command("privacy", ignore_case=True))
    router.message.register(forget, Command("forget", ignore_case=True))
    router.callback_query.register(forget_confirmed, ForgetCb.filter())
    return router
