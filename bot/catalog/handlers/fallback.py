"""The last router: free text in a private chat is a search for a speaker, an unknown command gets a hint
towards /help, and a button nobody else understood gets a short alert. In groups only commands count."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import Message

from bot.catalog import screen_cache as screens
from bot.catalog.handlers.common import stale
from bot.catalog.handlers.speakers import search_screen
from bot.catalog.library import Catalog
from bot.catalog.recent import RecentSearches
from bot.core.i18n import Translator
from bot.store import Store


async def unknown_command(message: Message, t: Translator) -> None:
    screen = screens.unknown_command(t)
    await message.answer(screen.text, reply_markup=screen.markup)


async def free_text(
    message: Message, catalog: Catalog, recent: RecentSearches, store: Store, t: Translator
) -> None:
    user_id = message.from_user.id if message.from_user else None
    screen = await search_screen(t, catalog, recent, store, user_id, message.text or "")
    await message.answer(screen.text, reply_markup=screen.markup)


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(free_text, F.text)
    router.callback_query.register(stale)
    return router
