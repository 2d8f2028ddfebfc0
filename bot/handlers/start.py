"""/start: the greeting, in the user's language."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.i18n import current_locale
from bot.render import q
from bot.store import Store


async def start(message: Message, store: Store) -> None:
    title = store.content.event.title.get(current_locale())
    await message.answer(
        _(
            "Hello! I know everything about the <b>{title}</b>: its speakers, its chair and the "
            "initiative signed there."
        ).format(title=q(title))
    )


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    return router
