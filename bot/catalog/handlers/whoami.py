"""/whoami: a person's own Telegram user id, which an organiser needs for ADMIN_IDS (README: Running against
Telegram). Not in the command menu; private chats only."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import Message

from bot.core.i18n import Translator


async def whoami(message: Message, t: Translator) -> None:
    if message.from_user is None:
        return
    await message.answer(
        t._(
            "Your Telegram user id: <code>{user_id}</code>. An organiser adds it to ADMIN_IDS to let you "
            "post news."
        ).format(user_id=message.from_user.id)
    )


def create_router() -> Router:
    router = Router(name="whoami")
    router.message.register(whoami, Command("whoami", ignore_case=True), F.chat.type == ChatType.PRIVATE)
    return router
