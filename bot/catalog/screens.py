"""Every screen of the chat surface as text plus keyboard, in the locale of the `Translator` given.

Handlers decide which screen to show and whether to send or edit; tests render all of them in every
language to check Telegram's limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from aiogram.types import InlineKeyboardMarkup

from bot.catalog import cards as render
from bot.catalog import keyboards as kb
from bot.catalog.content import Content, Person
from bot.catalog.profile import public_commands
from bot.catalog.search import ABOUT_KEY, INITIATIVE_KEY, NEWS_KEY, SPEAKERS_KEY
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


def greeting(
    t: Translator, content: Content, subscribed: bool, private: bool, subscribe_link: str | None = None
) -> Screen:
    title = content.event.title.get(t.locale)
    hello = t._(
        "Hello! Here you will find the speakers, the chair and the initiative of the <b>{title}</b>."
    ).format(title=q(title))
    if private:
        hint = t._(
            "Pick a section below, or just send me a name, an organisation or a country to find a speaker."
        )
    else:
        hint = t._("Pick a section below, or send /speaker with a name to find a speaker.")
    return Screen(f"{hello}\n\n{hint}", kb.main_menu(t, subscribed, subscribe_link))


def about(t: Translator, content: Content) -> Screen:
    return Screen(render.about_card(t, content), kb.about_keyboard(t))


def initiative(t: Translator, content: Content, subscribed: bool) -> Screen:
    return Screen(
        render.initiative_card(t, content), kb.initiative_keyboard(t, content, subscribed, page_of(content))
    )


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


def person(t: Translator, content: Content, person: Person, back: str = "") -> Screen:
    """A person's card; Back returns to `back` (`core.callbacks.SpeakerCb.back`), by default to the list page
    the person is on."""
    target = kb.back_target(page_of(content)[person.slug], back)
    return Screen(render.person_card(t, content, person), kb.person_keyboard(t, person, target))


def with_webapp(t: Translator, screen: Screen, url: str, person: Person | None = None) -> Screen:
    """`screen` with the Mini App's "Open as a page" button (at the person's page for a card)."""
    if person is not None:
        url = f"{url}?{urlencode({'person': person.slug})}"
    return Screen(screen.text, kb.with_webapp(t, screen.markup, url))


def found(t: Translator, content: Content, people: list[Person], more: bool, token: str) -> Screen:
    """Several people found; their cards come Back here through `token` (`catalog.recent`)."""
    return Screen(
        render.search_results(t, content, people, more),
        kb.search_keyboard(t, content, people, page_of(content), token),
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


def question(t: Translator, key: str) -> Screen:
    """A question nobody's name answers (`search.question_topic`): where the answer is, with its button."""
    intro = t._("I answer questions with cards.")
    if key == INITIATIVE_KEY:
        where = t._("The initiative's card has its five points and who signed it.")
    elif key == NEWS_KEY:
        where = t._("News about the initiative is under /news; /subscribe brings each item to you.")
    elif key == SPEAKERS_KEY:
        where = t._("The speakers list has everyone who spoke and the chair.")
    else:
        where = t._("The roundtable's card has its date, format, organiser and theme.")
    return Screen(t.sentences(intro, where), kb.question_keyboard(t, key))


# The current language's name as it reads inside a sentence ("Current: English", "Сейчас: русский").
_LANGUAGE_IN_SENTENCE: dict[str, str] = {"ru": "русский", "en": "English", "zh": "中文"}


def language(t: Translator) -> Screen:
    text = "\n".join(
        [
            t._("🌐 Choose your language."),
            t._("Current: {language}").format(language=_LANGUAGE_IN_SENTENCE.get(t.locale, t.locale)),
        ]
    )
    return Screen(text, kb.language_keyboard(t))


def help_screen(t: Translator, bot_username: str | None) -> Screen:
    lines = [hbold(t._("What I can do")), ""]
    separator = t.name_separator()
    lines += [f"/{command}{separator}{q(description)}" for command, description in public_commands(t)]
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
    return Screen(
        t._("There is no such command. /help lists them all, or choose from the menu."), kb.back_to_menu(t)
    )


# The lines of /privacy that name each table holding a user's ID (a Telegram user or private chat ID), by
# their key in `privacy_lines`. A migration that adds such a table must add it here, and the notice must say
# what it keeps: tests/runtime/test_privacy_notice.py reads the schema of a real store and fails otherwise.
PRIVACY_TABLES: dict[str, tuple[str, ...]] = {
    "user": ("user id", "language", "seen"),
    "subscription": ("subscription",),
    "delivery": ("deliveries", "copies"),
    "delivery_change": ("copies",),  # an edit or retraction waiting for a delivered copy
    "news_item": ("admins",),  # the author's ID, the admin's chat with the progress message
    "news_audit": ("admins",),  # who did each action
    "fsm_state": ("admins",),  # an unfinished /post, /edit or /retract (keyed by chat and user)
}


def privacy_lines(t: Translator) -> dict[str, str]:
    """The lines of /privacy by key, in the order shown (`PRIVACY_TABLES` names them)."""
    return {
        "user id": t._("• your Telegram user id;"),
        "language": t._("• the language you chose, and the language code your Telegram app sends;"),
        "subscription": t._("• whether you subscribed to the news, and since when;"),
        "deliveries": t._(
            "• a delivery log of the news sent to you: whether each item arrived, and the error if not;"
        ),
        "copies": t._(
            "• for each news message I sent you: its message number in our chat, its language and when it "
            "was sent, so that a corrected or retracted item can be changed in your chat too;"
        ),
        "seen": t._("• when I first heard from you, and roughly when last."),
        "admins": t._(
            "For admins, also an unfinished /post draft; the news they post keeps their id as its author."
        ),
        "why": t._(
            "Why: to answer in your language, to send the news you asked for only once, and to count "
            "deliveries. I do not store your name, your username or your messages."
        ),
        "searches": t._(
            "Searches that find nobody are counted by their text and day only, with no user ID or chat; "
            "the counts are kept for 90 days."
        ),
        "how long": t._(
            "How long: until you send /forget. If you block the bot, your subscription ends when the next "
            "news item cannot reach you; the rest stays until /forget."
        ),
    }


def privacy(t: Translator) -> Screen:
    """/privacy: what is stored about the user, why, and for how long (the schema is the truth: see
    `PRIVACY_TABLES`)."""
    line = privacy_lines(t)
    lines = [
        hbold(t._("What I store about you")),
        "",
        *(line[key] for key in ("user id", "language", "subscription", "deliveries", "copies", "seen")),
        line["admins"],
        "",
        line["why"],
        line["searches"],
        "",
        line["how long"],
    ]
    return Screen("\n".join(lines), kb.back_to_menu(t))


def forget_confirm(t: Translator) -> Screen:
    text = t._(
        "Delete everything I store about you: your language, your subscription and the log of the news "
        "sent to you? This cannot be undone."
    )
    return Screen(text, kb.forget_keyboard(t))


def forgotten(t: Translator) -> Screen:
    text = t._(
        "Done: I have deleted everything I stored about you. If you write to me again, I will start "
        "recording again, as /privacy explains."
    )
    return Screen(text, kb.back_to_menu(t))


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
        "found all": found(t, content, list(content.people[:SEARCH_LIMIT]), more=True, token="A" * 10),
        "not found": not_found(t, "x" * 5000),
        "query too long": query_too_long(t),
        "speaker usage": speaker_usage(t),
        "language": language(t),
        "help": help_screen(t, bot_username),
        "unknown command": unknown_command(t),
        "privacy": privacy(t),
        "forget": forget_confirm(t),
        "forgotten": forgotten(t),
    }
    for key in (ABOUT_KEY, INITIATIVE_KEY, NEWS_KEY, SPEAKERS_KEY):
        screens[f"question {key}"] = question(t, key)
    pages = page_count(content)
    for page in range(pages):
        screens[f"speakers page {page}"] = _speakers_page(t, content, page, pages)
    for p in content.people:
        screens[f"person {p.slug}"] = person(t, content, p)
        screens[f"person {p.slug} from search"] = person(t, content, p, back="r" + "A" * 10)
    return screens
