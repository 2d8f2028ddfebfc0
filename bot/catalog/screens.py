"""Every screen of the chat surface as text plus keyboard, in the current i18n locale.

Handlers decide which screen to show and whether to send or edit; tests render all of them in every
language to check Telegram's limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.catalog import cards as render
from bot.catalog import keyboards as kb
from bot.catalog.content import Content, Person
from bot.catalog.profile import public_commands
from bot.core.i18n import current_locale

# People per page of the speakers list: all ten fit one message; a longer programme pages with ◀ ▶.
PAGE_SIZE = 10
# At most this many people are offered for one search; more than that means "narrow it down".
SEARCH_LIMIT = 8
# Longer than any name, organisation or country we know, and than an inline query may be.
MAX_QUERY_CHARS = 256
# How much of a failed query is quoted back.
QUOTE_CHARS = 40


@dataclass(frozen=True)
class Screen:
    text: str
    markup: InlineKeyboardMarkup | None = None


def page_count(content: Content) -> int:
    return max(1, -(-len(content.people) // PAGE_SIZE))


def page_of(content: Content) -> dict[str, int]:
    """The list page each person is on, so a card's Back button returns there."""
    return {person.slug: index // PAGE_SIZE for index, person in enumerate(content.people)}


def greeting(content: Content, subscribed: bool, private: bool) -> Screen:
    title = content.event.title.get(current_locale())
    hello = _(
        "Hello! I know everything about the <b>{title}</b>: its speakers, its chair and the "
        "initiative signed there."
    ).format(title=render.q(title))
    if private:
        hint = _(
            "Pick a section below, or just send me a name, an organisation or a country to find a speaker."
        )
    else:
        hint = _("Pick a section below, or send /speaker with a name to find a speaker.")
    return Screen(f"{hello}\n\n{hint}", kb.main_menu(subscribed))


def about(content: Content) -> Screen:
    return Screen(render.about_card(content), kb.about_keyboard())


def initiative(content: Content, subscribed: bool) -> Screen:
    return Screen(render.initiative_card(content), kb.initiative_keyboard(subscribed))


def speakers(content: Content, page: int = 0) -> Screen | None:
    """Page `page` (0-based) of the speakers list; None when there is no such page."""
    pages = page_count(content)
    if not 0 <= page < pages:
        return None
    return _speakers_page(content, page, pages)


def first_speakers_page(content: Content) -> Screen:
    return _speakers_page(content, 0, page_count(content))


def _speakers_page(content: Content, page: int, pages: int) -> Screen:
    start, stop = page * PAGE_SIZE, (page + 1) * PAGE_SIZE
    text = render.speakers_list(content, start, stop, page, pages)
    markup = kb.speakers_keyboard(content, content.people[start:stop], page, pages, page_of(content))
    return Screen(text, markup)


def person(content: Content, person: Person) -> Screen:
    return Screen(
        render.person_card(content, person), kb.person_keyboard(person, page_of(content)[person.slug])
    )


def found(content: Content, people: list[Person], more: bool) -> Screen:
    return Screen(
        render.search_results(content, people, more), kb.search_keyboard(content, people, page_of(content))
    )


def quote_query(query: str) -> str:
    """The user's text, shortened and escaped, for quoting back in a reply."""
    query = " ".join(query.split())
    if len(query) > QUOTE_CHARS:
        query = query[: QUOTE_CHARS - 1].rstrip() + "…"
    return render.q(query)


def not_found(query: str) -> Screen:
    text = _(
        "Nobody matches “{query}”. Try a name, an organisation or a country, in any language, or see "
        "/speakers."
    ).format(query=quote_query(query))
    return Screen(text, kb.all_speakers_keyboard())


def query_too_long() -> Screen:
    return Screen(
        _(
            "That is too long for a search. Send me a name, an organisation or a country: a few words "
            "are enough."
        ),
        kb.all_speakers_keyboard(),
    )


def speaker_usage() -> Screen:
    return Screen(
        _("Send /speaker with a name, an organisation or a country, for example: /speaker Kin Phea"),
        kb.all_speakers_keyboard(),
    )


def language(current: str) -> Screen:
    text = "\n".join(
        [
            _("🌐 Choose the language I speak to you in."),
            _("Now: {language}").format(language=kb.LOCALE_NAMES[current]),
        ]
    )
    return Screen(text, kb.language_keyboard(current))


def help_screen(bot_username: str | None) -> Screen:
    lines = [render.hbold(_("What I can do")), ""]
    lines += [f"/{command} — {render.q(description)}" for command, description in public_commands()]
    lines += [
        "",
        _("In a private chat, just send me a name, an organisation or a country to find a speaker."),
    ]
    if bot_username:
        lines.append(
            _("In any chat, type {mention} and a name to share a speaker's card.").format(
                mention=f"@{render.q(bot_username)}"
            )
        )
    return Screen("\n".join(lines), kb.back_to_menu())


def unknown_command() -> Screen:
    return Screen(_("I don't know that command. Send /help to see what I can do."))


def all_screens(content: Content, bot_username: str | None = "roundtable_bot") -> dict[str, Screen]:
    """Every screen in the current locale, keyed for test messages."""
    screens = {
        "greeting private": greeting(content, subscribed=False, private=True),
        "greeting group subscribed": greeting(content, subscribed=True, private=False),
        "about": about(content),
        "initiative": initiative(content, subscribed=False),
        "initiative subscribed": initiative(content, subscribed=True),
        "found all": found(content, list(content.people[:SEARCH_LIMIT]), more=True),
        "not found": not_found("x" * 5000),
        "query too long": query_too_long(),
        "speaker usage": speaker_usage(),
        "language": language(current_locale()),
        "help": help_screen(bot_username),
        "unknown command": unknown_command(),
    }
    pages = page_count(content)
    for page in range(pages):
        screens[f"speakers page {page}"] = _speakers_page(content, page, pages)
    for p in content.people:
        screens[f"person {p.slug}"] = person(content, p)
    return screens
