"""Inline mode: `@bot kin` in any chat lists matching participants; choosing one posts that card there.

Results follow the user's language (`is_personal`), come 50 to a page with `next_offset`, and the empty
query lists the roundtable, everyone, then the initiative. Rendered results are kept per content snapshot
and language, so typing does not re-render the same cards on every keystroke.
"""

from __future__ import annotations

import re

from aiogram import Bot, Router
from aiogram.enums import ParseMode
from aiogram.types import (
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InlineQueryResultUnion,
    InputTextMessageContent,
)
from aiogram.utils.i18n import gettext as _

from bot.content import Content
from bot.i18n import current_locale
from bot.keyboards.inline import open_in_bot
from bot.render import about_card, event_date, initiative_card, person_card
from bot.search import ABOUT_KEY, Match
from bot.store import Store

PAGE_SIZE = 50  # Telegram's maximum per answer
CACHE_SECONDS = 30  # short: content reloads and language changes show up quickly
NOTHING_FOUND_START = "speakers"  # `/start speakers`: the list of everyone
_OFFSET = re.compile(r"[0-9]{1,6}")


def parse_offset(offset: str) -> int | None:
    """Where a page starts: `""` is the first page; anything we never sent as `next_offset` ends the list."""
    if not offset:
        return 0
    return int(offset) if _OFFSET.fullmatch(offset) else None


def _article(content: Content, match: Match, username: str | None) -> InlineQueryResultArticle:
    locale = current_locale()
    if match.person is not None:
        person = match.person
        title = person.name.get(locale)
        description = person.role.get(locale)
        if person.organisation:
            description += " · " + content.organisations[person.organisation].name.get(locale)
        text = person_card(content, person)
        payload = f"speaker-{person.slug}"
    elif match.key == ABOUT_KEY:
        event = content.event
        title = event.title.get(locale)
        description = _("📅 {date}, {format}").format(
            date=event_date(content), format=event.format.get(locale)
        )
        text = about_card(content)
        payload = "about"
    else:
        initiative = content.initiative
        title = initiative.title.get(locale)
        description = initiative.signatories.get(locale)
        text = initiative_card(content)
        payload = "initiative"
    return InlineQueryResultArticle(
        id=match.key,
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(message_text=text, parse_mode=ParseMode.HTML),
        reply_markup=open_in_bot(username, payload) if username else None,
    )


class InlineResults:
    """Rendered results for the content being served, per language: rebuilt when the content changes."""

    MAX_KEPT = 4096

    def __init__(self) -> None:
        self._content: Content | None = None
        self._kept: dict[tuple[str, str, str | None], InlineQueryResultArticle] = {}

    def get(self, content: Content, match: Match, username: str | None) -> InlineQueryResultArticle:
        if content is not self._content or len(self._kept) >= self.MAX_KEPT:
            self._content = content
            self._kept.clear()
        key = (match.key, current_locale(), username)
        article = self._kept.get(key)
        if article is None:
            article = self._kept[key] = _article(content, match, username)
        return article


async def answer_inline_query(
    inline_query: InlineQuery, bot: Bot, store: Store, results: InlineResults
) -> None:
    start = parse_offset(inline_query.offset)
    if start is None:
        await inline_query.answer([], cache_time=CACHE_SECONDS, is_personal=True, next_offset="")
        return
    index = store.search  # one snapshot: the matches and the cards come from the same content
    matches = index.matches(inline_query.query, start + PAGE_SIZE + 1, documents=True)
    username = (await bot.me()).username
    articles: list[InlineQueryResultUnion] = [
        results.get(index.content, match, username) for match in matches[start : start + PAGE_SIZE]
    ]
    button = None
    if not articles and start == 0:
        button = InlineQueryResultsButton(
            text=_("Nothing found — open the bot"), start_parameter=NOTHING_FOUND_START
        )
    await inline_query.answer(
        articles,
        cache_time=CACHE_SECONDS,
        is_personal=True,
        next_offset=str(start + PAGE_SIZE) if len(matches) > start + PAGE_SIZE else "",
        button=button,
    )


def create_router() -> Router:
    router = Router(name="inline")
    results = InlineResults()

    async def on_inline_query(inline_query: InlineQuery, bot: Bot, store: Store) -> None:
        await answer_inline_query(inline_query, bot, store, results)

    router.inline_query.register(on_inline_query)
    return router
