"""/privacy (what the bot stores about a user, why, for how long) and /forget (delete it all, after a
confirmation button). Here in runtime because deleting spans the store (the user, the subscription, the FSM
state) and the news (the outbox rows for the user), and only runtime may reach both."""

from __future__ import annotations

from functools import partial

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.catalog import screens
from bot.catalog.handlers.common import show
from bot.core.callbacks import ForgetCb
from bot.core.i18n import Translator
from bot.news import outbox as news_outbox
from bot.store import Store
from bot.store.fsm import SQLiteStorage
from bot.store.users import Forget


async def privacy(message: Message, t: Translator) -> None:
    screen = screens.privacy(t)
    await message.answer(screen.text, reply_markup=screen.markup)


async def forget(message: Message, t: Translator) -> None:
    screen = screens.forget_confirm(t)
    await message.answer(screen.text, reply_markup=screen.markup)


async def forget_user(store: Store, state: FSMContext, user_id: int) -> None:
    """Everything stored about `user_id`, gone, in one transaction; doing it again changes nothing."""
    also: list[Forget] = [partial(news_outbox.forget_in, user_id=user_id)]
    if isinstance(state.storage, SQLiteStorage):  # an admin's unfinished /post draft (this chat's FSM state)
        also.append(partial(state.storage.forget_in, key=state.key))
    else:
        await state.clear()
    await store.users.forget(user_id, also=also)


async def forget_confirmed(
    callback: CallbackQuery, store: Store, state: FSMContext, bot: Bot, t: Translator
) -> None:
    # `t` was chosen before the deletion, so the answer is in the language the user was using.
    await forget_user(store, state, callback.from_user.id)
    await show(callback, bot, screens.forgotten(t))


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.register(privacy, Command("privacy", ignore_case=True))
    router.message.register(forget, Command("forget", ignore_case=True))
    router.callback_query.register(forget_confirmed, ForgetCb.filter())
    return router
