"""/speakers (paged list, one button per person), a person's card, and the search behind /speaker."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.catalog import screen_cache as screens
from bot.catalog.handlers.common import show, stale
from bot.catalog.library import Catalog
from bot.core.callbacks import MenuAction, MenuCb, SpeakerCb, SpeakersPageCb
from bot.core.i18n import Translator


async def speakers(message: Message, catalog: Catalog, t: Translator) -> None:
    screen = screens.first_speakers_page(t, catalog.content)
    await message.answer(screen.text, reply_markup=screen.markup)


async def speakers_button(callback: CallbackQuery, catalog: Catalog, bot: Bot, t: Translator) -> None:
    await speakers_page(callback, SpeakersPageCb(page=0), catalog, bot, t)


async def speakers_page(
    callback: CallbackQuery, callback_data: SpeakersPageCb, catalog: Catalog, bot: Bot, t: Translator
) -> None:
    screen = screens.speakers(t, catalog.content, callback_data.page)
    if screen is None:
        await stale(callback, t)
        return
    await show(callback, bot, screen)
    await callback.answer()


async def speaker_card(
    callback: CallbackQuery, callback_data: SpeakerCb, catalog: Catalog, bot: Bot, t: Translator
) -> None:
    person = catalog.content.person(callback_data.slug)
    if person is None:
        await stale(callback, t)
        return
    await show(callback, bot, screens.person(t, catalog.content, person))
    await callback.answer()


def search_screen(t: Translator, catalog: Catalog, query: str) -> screens.Screen:
    """One match: the card; several: a list with buttons; none: a polite reply quoting the query."""
    query = query.strip()
    if not query:
        return screens.speaker_usage(t)
    if len(query) > screens.MAX_QUERY_CHARS:
        return screens.query_too_long(t)
    content = catalog.content
    people = catalog.search.search(query, screens.SEARCH_LIMIT + 1)
    if not people:
        return screens.not_found(t, query)
    if len(people) == 1:
        return screens.person(t, content, people[0])
    return screens.found(t, content, people[: screens.SEARCH_LIMIT], more=len(people) > screens.SEARCH_LIMIT)


async def speaker(message: Message, command: CommandObject, catalog: Catalog, t: Translator) -> None:
    screen = search_screen(t, catalog, command.args or "")
    await message.answer(screen.text, reply_markup=screen.markup)


def create_router() -> Router:
    router = Router(name="speakers")
    router.message.register(speakers, Command("speakers"))
    router.message.register(speaker, Command("speaker"))
    router.callback_query.register(speakers_button, MenuCb.filter(F.action == MenuAction.SPEAKERS))
    router.callback_query.register(speakers_page, SpeakersPageCb.filter())
    router.callback_query.register(speaker_card, SpeakerCb.filter())
    return router
