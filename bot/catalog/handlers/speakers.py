"""/speakers (paged list, one button per person), a person's card, and the search behind /speaker and free
text (people, the roundtable and the initiative, as inline mode finds them)."""

from __future__ import annotations

from aiogram import Bot, F, Router, flags
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.catalog import screen_cache as screens
from bot.catalog.handlers.common import show, stale, webapp_url
from bot.catalog.keyboards import is_back
from bot.catalog.library import Catalog
from bot.catalog.recent import RecentSearches
from bot.catalog.search import ABOUT_KEY
from bot.core.callbacks import MenuAction, MenuCb, SearchCb, SpeakerCb, SpeakersPageCb
from bot.core.config import Settings
from bot.core.i18n import Translator
from bot.store import Store


async def speakers(message: Message, catalog: Catalog, t: Translator) -> None:
    screen = screens.first_speakers_page(t, catalog.content)
    await message.answer(screen.text, reply_markup=screen.markup)


async def speakers_button(
    callback: CallbackQuery, callback_answer: CallbackAnswer, catalog: Catalog, bot: Bot, t: Translator
) -> None:
    await speakers_page(callback, callback_answer, SpeakersPageCb(page=0), catalog, bot, t)


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def speakers_page(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: SpeakersPageCb,
    catalog: Catalog,
    bot: Bot,
    t: Translator,
) -> None:
    screen = screens.speakers(t, catalog.content, callback_data.page)
    if screen is None:
        await stale(callback, callback_answer, t)
        return
    await show(callback, bot, screen)


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def speaker_card(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: SpeakerCb,
    catalog: Catalog,
    settings: Settings,
    bot: Bot,
    t: Translator,
) -> None:
    person = catalog.content.person(callback_data.slug)
    if person is None or not is_back(callback_data.back):
        await stale(callback, callback_answer, t)
        return
    webapp = webapp_url(settings, callback.message.chat if callback.message else None)
    await show(callback, bot, screens.person(t, catalog.content, person, callback_data.back, webapp))


async def search_screen(
    t: Translator,
    catalog: Catalog,
    recent: RecentSearches,
    store: Store,
    user_id: int | None,
    query: str,
    webapp: str | None = None,
) -> screens.Screen:
    """One match: its card (a person, the roundtable or the initiative); several people: a list with buttons
    whose cards come Back to it; none: a pointer for a question, else a polite reply quoting the query."""
    query = query.strip()
    if not query:
        return screens.speaker_usage(t)
    if len(query) > screens.MAX_QUERY_CHARS:
        return screens.query_too_long(t)
    content = catalog.content
    # Two more than shown: the roundtable and the initiative may be among the matches.
    matches = catalog.search.matches(query, screens.SEARCH_LIMIT + 3, documents=True)
    if not matches:
        topic = catalog.search.topic(query)
        if topic is None:
            await catalog.misses.record(query)  # for editors (/stats): what readers looked for in vain
            return screens.not_found(t, query)
        answer: screens.Screen = screens.question(t, topic)
        return answer
    if matches[0].person is None:
        if matches[0].key == ABOUT_KEY:
            return screens.about(t, content)
        subscribed = user_id is not None and await store.subscriptions.is_subscribed(user_id)
        return screens.initiative(t, content, subscribed)
    people = [m.person for m in matches if m.person is not None]
    if len(people) == 1:
        return screens.person(t, content, people[0], webapp=webapp)
    token = recent.remember(query)
    shown = people[: screens.SEARCH_LIMIT]
    return screens.found(t, content, shown, more=len(people) > screens.SEARCH_LIMIT, token=token)


async def speaker(
    message: Message,
    command: CommandObject,
    catalog: Catalog,
    recent: RecentSearches,
    store: Store,
    settings: Settings,
    t: Translator,
) -> None:
    user_id = message.from_user.id if message.from_user else None
    webapp = webapp_url(settings, message.chat)
    screen = await search_screen(t, catalog, recent, store, user_id, command.args or "", webapp)
    await message.answer(screen.text, reply_markup=screen.markup)


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def search_again(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: SearchCb,
    catalog: Catalog,
    recent: RecentSearches,
    store: Store,
    bot: Bot,
    t: Translator,
) -> None:
    """Back from a card to the search results it was opened from; a token we no longer hold is stale."""
    query = recent.query(callback_data.token)
    if query is None:
        await stale(callback, callback_answer, t)
        return
    await show(callback, bot, await search_screen(t, catalog, recent, store, callback.from_user.id, query))


def create_router() -> Router:
    router = Router(name="speakers")
    router.message.register(speakers, Command("speakers", ignore_case=True))
    router.message.register(speaker, Command("speaker", ignore_case=True))
    router.callback_query.register(speakers_button, MenuCb.filter(F.action == MenuAction.SPEAKERS))
    router.callback_query.register(speakers_page, SpeakersPageCb.filter())
    router.callback_query.register(speaker_card, SpeakerCb.filter())
    router.callback_query.register(search_again, SearchCb.filter())
    return router
