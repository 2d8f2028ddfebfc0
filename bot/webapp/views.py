"""What the page shows, as JSON-ready dicts in the viewer's language: the same facts and texts as the chat
screens (`catalog.cards`, `news.items.render_item`), reduced to Telegram's tags (`markup.reduce_html`)."""

from __future__ import annotations

from typing import Any

from bot.catalog import cards
from bot.catalog.content import Content, Person
from bot.core.i18n import Translator
from bot.news.items import render_item
from bot.news.repository import NewsItem
from bot.webapp.markup import reduce_html

MAX_NEWS = 50  # items the page lists (newest first); the chat's /news pages through all of them


def strings(t: Translator) -> dict[str, str]:
    """The page's own words (its buttons, the search box, empty states), from the bot's catalogs."""
    return {
        "speakers": t._("👥 Speakers"),
        "about": t._("ℹ️ About the roundtable"),
        "initiative": t._("📜 Initiative"),
        "news": t._("📰 News"),
        "share": t._("↗ Share"),
        "back": t._("◀ Back"),
        "chair": t._("Chair of the roundtable"),
        "search": t._("Name, organisation or country"),
        "nobody": t._("Nobody found. Try another spelling."),
        "subscribe": t._("Send me the news in the chat"),
        "no_news": t._("No news yet."),
        "failed": t._("The page could not load. Close it and open it again from the chat."),
    }


def person(t: Translator, content: Content, who: Person) -> dict[str, Any]:
    """One person for the gallery and their page: flag, name in the viewer's script and the original,
    organisation, role, the card's HTML, and the name Share puts in an inline query."""
    locale = t.locale
    org = content.organisations[who.organisation] if who.organisation else None
    country = content.countries[who.country]
    return {
        "slug": who.slug,
        "flag": country.flag,
        "country": country.name.get(locale),
        "name": who.name.get(locale),
        "native": who.native,
        "organisation": org.name.get(locale) if org else None,
        "role": who.role.get(locale),
        "details": cards.person_details_text(t, content, who),
        "chair": who.is_chair,
        "html": reduce_html(cards.person_card(t, content, who)),
        "share": who.name.get(locale),
    }


def people(t: Translator, content: Content, found: list[Person]) -> list[dict[str, Any]]:
    return [person(t, content, who) for who in found]


def about(t: Translator, content: Content) -> str:
    return reduce_html(cards.about_card(t, content))


def initiative(t: Translator, content: Content) -> str:
    return reduce_html(cards.initiative_card(t, content))


def news_item(t: Translator, item: NewsItem) -> dict[str, Any]:
    """An item as /news shows it (its current, corrected text; the date it was corrected)."""
    text = render_item(t, item.draft, item.created_at, footer=False, edited=item.edited_at)
    return {"id": item.id, "html": reduce_html(text), "edited": item.edited_at is not None}
