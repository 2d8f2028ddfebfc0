"""Every screen of the chat surface as text plus keyboard, in the locale of the `Translator` given.

Handlers decide which screen to show and whether to send or edit; tests render all of them in every
language to check Telegram's limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup

from bot.catalog import cards as render
from bot.catalog import keyboards as kb
from bot.catalog.content import Content, Person
from bot.catalog.profile import public_commands
from bot.core.html import hbold, q
from bot.core.i18n import Translator

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


def greeting(t: Translator, content: Content, subscribed: bool, private: bool) -> Screen:
    title = content.event.title.get(t.locale)
    hello = t._(
        "Hello! I know everything about the <b>{title}</b>: its speakers, its chair and the "
        "initiative signed there."
    ).format(title=q(title))
    if private:
        hint = t._(
            "Pick a section below, or just send me a name, an organisation or a country to find a speaker."
        )
    else:
        hint = t._("Pick a section below, or send /speaker with a name to find a speaker.")
    return Screen(f"{hello}\n\n{hint}", kb.main_menu(t, subscribed))


def about(t: Translator, content: Content) -> Screen:
    return Screen(render.about_card(t, content), kb.about_keyboard(t))


def initiative(t: Translator, content: Content, subscribed: bool) -> Screen:
    return Screen(render.initiative_card(t, content), kb.initiative_keyboard(t, subscribed))


def speakers(t: Translator, content: Content, page: int = 0) -> Screen | None:
    """Page `page` (0-based) of the speakers list; None when there is no such page."""
    pages = page_count(content)
    if not 0 <= page < pages:
        return None
    return _speakers_page(t, content, page, pages)


def first_speakers_page(t: Translator, content: Content) -> Screen:
    return _speakers_page(t, content, 0, page_count(content))


def _speakers_page(t: Translator, content: Content, page: int, pages: int) -> Screen:
    start, stop = page * PAGE_SIZE, (page + 1) * PAGE_SIZE
    text = render.speakers_list(t, content, start, stop, page, pages)
    markup = kb.speakers_keyboard(t, content, content.people[start:stop], page, pages, page_of(content))
    return Screen(text, markup)


def person(t: Translator, content: Content, person: Person) -> Screen:
    return Screen(
        render.person_card(t, content, person), kb.person_keyboard(t, person, page_of(content)[person.slug])
    )


def found(t: Translator, content: Content, people: list[Person], more: bool) -> Screen:
    return Screen(
        render.search_results(t, content, people, more),
        kb.search_keyboard(t, content, people, page_of(content)),
    )


def quote_query(query: str) -> str:
    """The user's text, shortened and escaped, for quoting back in a reply."""
    query = " ".join(query.split())
    if len(query) > QUOTE_CHARS:
        query = query[: QUOTE_CHARS - 1].rstrip() + "…"
    return q(query)


def not_found(t: Translator, query: str) -> Screen:
    text = t._(
        "Nobody matches “{query}”. Try a name, an organisation or a country, in any language, or see "
        "/speakers."
    ).format(query=quote_query(query))
    return Screen(text, kb.all_speakers_keyboard(t))


def query_too_long(t: Translator) -> Screen:
    return Screen(
        t._(
            "That is too long for a search. Send me a name, an organisation or a country: a few words "
            "are enough."
        ),
        kb.all_speakers_keyboard(t),
    )


def speaker_usage(t: Translator) -> Screen:
    return Screen(
        t._("Send /speaker with a name, an organisation or a country, for example: /speaker Kin Phea"),
        kb.all_speakers_keyboard(t),
    )


def language(t: Translator) -> Screen:
    text = "\n".join(
        [
            t._("🌐 Choose the language I speak to you in."),
            t._("Now: {language}").format(language=kb.LOCALE_NAMES[t.locale]),
        ]
    )
    return Screen(text, kb.language_keyboard(t))


def help_screen(t: Translator, bot_username: str | None) -> Screen:
    lines = [hbold(t._("What I can do")), ""]
    lines += [f"/{command} — {q(description)}" for command, description in public_commands(t)]
    lines += [
        "",
        t._("In a private chat, just send me a name, an organisation or a country to find a speaker."),
    ]
    if bot_username:
        lines.append(
            t._("In any chat, type {mention} and a name to share a speaker's card.").format(
                mention=f"@{q(bot_username)}"
            )
        )
    return Screen("\n".join(lines), kb.back_to_menu(t))


def unknown_command(t: Translator) -> Screen:
    return Screen(t._("I don't know that command. Send /help to see what I can do."))


def all_screens(
    t: Translator, content: Content, bot_username: str | None = "roundtable_bot"
) -> dict[str, Screen]:
    """Every screen in `t`'s locale, keyed for test messages."""
    screens = {
        "greeting private": greeting(t, content, subscribed=False, private=True),
        "greeting group subscribed": greeting(t, content, subscribed=True, private=False),
        "about": about(t, content),
        "initiative": initiative(t, content, subscribed=False),
        "initiative subscribed": initiative(t, content, subscribed=True),
        "found all": found(t, content, list(content.people[:SEARCH_LIMIT]), more=True),
        "not found": not_found(t, "x" * 5000),
        "query too long": query_too_long(t),
        "speaker usage": speaker_usage(t),
        "language": language(t),
        "help": help_screen(t, bot_username),
        "unknown command": unknown_command(t),
    }
    pages = page_count(content)
    for page in range(pages):
        screens[f"speakers page {page}"] = _speakers_page(t, content, page, pages)
    for p in content.people:
        screens[f"person {p.slug}"] = person(t, content, p)
    return screens
