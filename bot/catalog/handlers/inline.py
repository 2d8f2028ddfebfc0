"""Inline mode: `@bot kin` in any chat lists matching participants; choosing one posts that card there.

Results follow the user's language (`is_personal`), come PAGE_SIZE to a page with `next_offset`, and the empty
query lists the roundtable, everyone, then the initiative. Rendered results are kept per content snapshot
and language, so typing does not re-render the same cards on every keystroke.
"""

from __future__ import annotations

import re
from typing import Any, Generic, TypeVar

from aiogram import Bot, Router
from aiogram.enums import ParseMode
from aiogram.methods import AnswerInlineQuery
from aiogram.types import (
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InlineQueryResultUnion,
    InputTextMessageContent,
)

from bot.catalog.cards import (
    about_card,
    event_date,
    initiative_card,
    person_card,
    person_details_text,
    shared_context,
)
from bot.catalog.content import Content
from bot.catalog.inline_keyboards import open_in_bot, start_link
from bot.catalog.library import Catalog
from bot.catalog.search import ABOUT_KEY, Match, SearchIndex
from bot.core.i18n import Translator

PAGE_SIZE = 12  # the empty query (roundtable, ten people, initiative) on one page; Telegram allows 50,
# but every uncached card costs, and clients fetch the next page (next_offset) as the list is scrolled
CACHE_SECONDS = 30  # short: content reloads and language changes show up quickly
NOTHING_FOUND_START = "speakers"  # `/start speakers`: the list of everyone
_OFFSET = re.compile(r"[0-9]{1,6}")

K = TypeVar("K")
V = TypeVar("V")


def parse_offset(offset: str) -> int | None:
    """Where a page starts: `""` is the first page; anything we never sent as `next_offset` ends the list."""
    if not offset:
        return 0
    return int(offset) if _OFFSET.fullmatch(offset) else None


def _blank(t: Translator, username: str | None) -> InlineQueryResultArticle:
    """A validated result in `t`'s language; results are copies of it with their own texts."""
    return InlineQueryResultArticle(
        id="-",
        title="-",
        input_message_content=InputTextMessageContent(message_text="-", parse_mode=ParseMode.HTML),
        reply_markup=open_in_bot(t, username, "-") if username else None,
    )


def _card_text(t: Translator, content: Content, match: Match) -> str:
    """The message a chosen result posts; a person's or the initiative's card first names the event, which
    the chat it lands in may know nothing about."""
    if match.person is not None:
        return shared_context(t, content, match.person) + "\n\n" + person_card(t, content, match.person)
    if match.key == ABOUT_KEY:
        return about_card(t, content)
    return shared_context(t, content, None) + "\n\n" + initiative_card(t, content)


def _article(
    content: Content,
    match: Match,
    username: str | None,
    t: Translator,
    blank: InlineQueryResultArticle,
    text: str,
) -> InlineQueryResultArticle:
    locale = t.locale
    if match.person is not None:
        person = match.person
        title = person.name.get(locale)
        description = person_details_text(t, content, person)
        payload = f"speaker-{person.slug}"
    elif match.key == ABOUT_KEY:
        event = content.event
        title = event.title.get(locale)
        description = t._("📅 {date}, {format}").format(
            date=event_date(t, content), format=event.format.get(locale)
        )
        payload = "about"
    else:
        initiative = content.initiative
        title = initiative.title.get(locale)
        description = initiative.signatories.get(locale)
        payload = "initiative"
    # Copies of validated parts with strings put in: validating four nested models would be most of the
    # cost of a result (the strings are ours, the types fixed).
    message = blank.input_message_content.model_copy(update={"message_text": text})
    fields: dict[str, Any] = {"id": match.key, "title": title, "description": description}
    fields["input_message_content"] = message
    if username and blank.reply_markup is not None:
        [[button]] = blank.reply_markup.inline_keyboard
        link = button.model_copy(update={"url": start_link(username, payload)})
        fields["reply_markup"] = blank.reply_markup.model_copy(update={"inline_keyboard": [[link]]})
    return blank.model_copy(update=fields)


_Page = tuple[list[InlineQueryResultUnion], bool]  # the results, and whether more follow


class _TwoGenerations(Generic[K, V]):
    """A bounded cache approximating "least recently used" at the price of one lookup per hit: when the
    young generation is full it becomes the old one, and old entries asked for again move back."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._young: dict[K, V] = {}
        self._old: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        value = self._young.get(key)
        if value is None:
            value = self._old.get(key)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        if len(self._young) >= self.size:
            self._young, self._old = {}, self._young
        self._young[key] = value

    def clear(self) -> None:
        self._young, self._old = {}, {}


class InlineResults:
    """Pages of rendered results for the content being served, per language.

    Someone typing `k`, `ki`, `kin` asks for the same pages and cards again and again, and so do the people
    after them: searching and rendering on every keystroke would cost more than everything else done for
    the update. Both caches are bounded and emptied when the content changes.
    """

    CARDS = 4096
    TEXTS = 16384  # rendered card texts: a few hundred bytes each, against ~7 KB for a result model
    PAGES = 256

    def __init__(self) -> None:
        self._content: Content | None = None
        self._cards: _TwoGenerations[tuple[str, str, str | None], InlineQueryResultArticle]
        self._cards = _TwoGenerations(self.CARDS)
        self._pages: _TwoGenerations[tuple[str, str, int, str | None], _Page] = _TwoGenerations(self.PAGES)
        self._texts: _TwoGenerations[tuple[str, str], str] = _TwoGenerations(self.TEXTS)
        self._blanks: dict[tuple[str, str | None], InlineQueryResultArticle] = {}

    def page(self, t: Translator, index: SearchIndex, query: str, start: int, username: str | None) -> _Page:
        """Results `start`… of `query` (at most PAGE_SIZE) in `t`'s language."""
        if index.content is not self._content:
            self._content = index.content
            self._cards.clear()
            self._pages.clear()
            self._texts.clear()
        key = (query, t.locale, start, username)
        page = self._pages.get(key)
        if page is None:
            matches = index.matches(query, start + PAGE_SIZE + 1, documents=True)
            articles = self._articles(t, index.content, matches[start : start + PAGE_SIZE], username)
            page = (articles, len(matches) > start + PAGE_SIZE)
            self._pages.put(key, page)
        return page

    def _articles(
        self, t: Translator, content: Content, matches: list[Match], username: str | None
    ) -> list[InlineQueryResultUnion]:
        locale = t.locale
        blank = self._blanks.get((locale, username))
        if blank is None:
            blank = self._blanks[locale, username] = _blank(t, username)
        out: list[InlineQueryResultUnion] = []
        for match in matches:
            key = (match.key, locale, username)
            article = self._cards.get(key)
            if article is None:
                text = self._texts.get((match.key, locale))
                if text is None:
                    text = _card_text(t, content, match)
                    self._texts.put((match.key, locale), text)
                article = _article(content, match, username, t, blank, text)
                self._cards.put(key, article)
            out.append(article)
        return out


async def answer_inline_query(
    inline_query: InlineQuery, bot: Bot, catalog: Catalog, results: InlineResults, t: Translator
) -> None:
    start = parse_offset(inline_query.offset)
    if start is None:
        await inline_query.answer([], cache_time=CACHE_SECONDS, is_personal=True, next_offset="")
        return
    username = (await bot.me()).username
    articles, more = results.page(t, catalog.search, inline_query.query, start, username)
    button = None
    if not articles and start == 0:
        await catalog.misses.record(inline_query.query)
        button = InlineQueryResultsButton(
            text=t._("Nothing found — open the bot"), start_parameter=NOTHING_FOUND_START
        )
    # The articles are validated models already; `inline_query.answer()` would validate each again against
    # the twenty-member InlineQueryResult union, which costs more than everything else done for the update.
    answer = AnswerInlineQuery.model_construct(
        inline_query_id=inline_query.id,
        results=articles,
        cache_time=CACHE_SECONDS,
        is_personal=True,
        next_offset=str(start + PAGE_SIZE) if more else "",
        button=button,
    )
    await bot(answer)


def create_router() -> Router:
    router = Router(name="inline")
    results = InlineResults()

    async def on_inline_query(inline_query: InlineQuery, bot: Bot, catalog: Catalog, t: Translator) -> None:
        await answer_inline_query(inline_query, bot, catalog, results, t)

    router.inline_query.register(on_inline_query)
    return router
