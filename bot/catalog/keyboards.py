"""The chat surface's inline keyboards: main menu, speakers list and cards, language choice, back buttons.

Button texts are in the locale of the `Translator` each function is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.catalog.content import Content, Person
from bot.catalog.recent import TOKEN_RE
from bot.catalog.search import ABOUT_KEY, INITIATIVE_KEY, NEWS_KEY, SPEAKERS_KEY
from bot.core.callbacks import (
    INITIATIVE_BACK,
    SEARCH_BACK,
    ForgetCb,
    LanguageCb,
    MenuAction,
    MenuCb,
    NewsPageCb,
    SearchCb,
    SpeakerCb,
    SpeakersPageCb,
    SubscribeCb,
)
from bot.core.i18n import LOCALES, Translator

# Each language is offered in its own name, whatever the current locale: that is how people find theirs.
LOCALE_NAMES: dict[str, str] = {"ru": "Русский", "en": "English", "zh": "中文"}
PEOPLE_PER_ROW = 2
SUBSCRIBE_PAYLOAD = "subscribe"  # the deep link `/start subscribe`: subscribe in a private chat


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def menu_button(t: Translator) -> InlineKeyboardButton:
    return _button(t._("🏠 Menu"), MenuCb(action=MenuAction.MENU))


def subscribe_button(t: Translator, subscribed: bool) -> InlineKeyboardButton:
    """Shows the current state: subscribed people see Unsubscribe, everyone else Subscribe."""
    if subscribed:
        return _button(t._("🔕 Unsubscribe"), SubscribeCb(on=False))
    return _button(t._("🔔 Subscribe"), SubscribeCb(on=True))


def main_menu(t: Translator, subscribed: bool, subscribe_link: str | None = None) -> InlineKeyboardMarkup:
    """`subscribe_link` (a group's menu): 🔔 opens a private chat with `/start subscribe` — the bot may
    write only to people who opened one, and a shared message shows no one person's state."""
    builder = InlineKeyboardBuilder()
    builder.row(_button(t._("ℹ️ About the roundtable"), MenuCb(action=MenuAction.ABOUT)))
    builder.row(
        _button(t._("👥 Speakers"), MenuCb(action=MenuAction.SPEAKERS)),
        _button(t._("📜 Initiative"), MenuCb(action=MenuAction.INITIATIVE)),
    )
    subscribe = (
        InlineKeyboardButton(text=t._("🔔 Subscribe"), url=subscribe_link)
        if subscribe_link
        else subscribe_button(t, subscribed)
    )
    builder.row(_button(t._("📰 News"), NewsPageCb(page=0)), subscribe)
    builder.row(
        _button(t._("🌐 Language"), MenuCb(action=MenuAction.LANGUAGE)),
        _button(t._("❓ Help"), MenuCb(action=MenuAction.HELP)),
    )
    return builder.as_markup()


def about_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.row(
        _button(t._("👥 Speakers"), MenuCb(action=MenuAction.SPEAKERS)),
        _button(t._("📜 Initiative"), MenuCb(action=MenuAction.INITIATIVE)),
    )
    builder.row(menu_button(t))
    return builder.as_markup()


def initiative_keyboard(
    t: Translator, content: Content, subscribed: bool, page_of: dict[str, int]
) -> InlineKeyboardMarkup:
    """The named signatories who also spoke (their cards come Back here), Subscribe, and the menu."""
    builder = InlineKeyboardBuilder()
    signed = [content.by_slug[s.person] for s in content.initiative.named_signatories if s.person]
    if signed:
        builder.row(*_people_buttons(t, content, signed, page_of, back=INITIATIVE_BACK), width=PEOPLE_PER_ROW)
    builder.row(subscribe_button(t, subscribed))
    builder.row(menu_button(t))
    return builder.as_markup()


def back_to_menu(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.row(menu_button(t))
    return builder.as_markup()


def _people_buttons(
    t: Translator, content: Content, people: Sequence[Person], page_of: dict[str, int], back: str = ""
) -> list[InlineKeyboardButton]:
    locale = t.locale
    return [
        _button(
            f"{content.countries[p.country].flag} {p.name.get(locale)}",
            SpeakerCb(slug=p.slug, page=page_of.get(p.slug, 0), back=back),
        )
        for p in people
    ]


def speakers_keyboard(
    t: Translator, content: Content, people: Sequence[Person], page: int, pages: int, page_of: dict[str, int]
) -> InlineKeyboardMarkup:
    """One button per person on the page, ◀ ▶ when there are other pages, and the menu."""
    builder = InlineKeyboardBuilder()
    builder.row(*_people_buttons(t, content, people, page_of), width=PEOPLE_PER_ROW)
    nav = []
    if page > 0:
        nav.append(_button(t._("◀ Previous"), SpeakersPageCb(page=page - 1)))
    if page < pages - 1:
        nav.append(_button(t._("Next ▶"), SpeakersPageCb(page=page + 1)))
    if nav:
        builder.row(*nav)
    builder.row(menu_button(t))
    return builder.as_markup()


def search_keyboard(
    t: Translator, content: Content, people: Sequence[Person], page_of: dict[str, int], token: str
) -> InlineKeyboardMarkup:
    """One button per person found (their cards come Back to these results: `token`), all speakers, menu."""
    builder = InlineKeyboardBuilder()
    builder.row(*_people_buttons(t, content, people, page_of, back=SEARCH_BACK + token), width=PEOPLE_PER_ROW)
    builder.attach(InlineKeyboardBuilder.from_markup(all_speakers_keyboard(t)))
    return builder.as_markup()


def is_back(back: str) -> bool:
    """Whether `back` is a Back target we issue (anything else in a button is forged or from old code)."""
    if back in ("", INITIATIVE_BACK):
        return True
    return back.startswith(SEARCH_BACK) and TOKEN_RE.fullmatch(back.removeprefix(SEARCH_BACK)) is not None


def back_target(page: int, back: str) -> CallbackData:
    """Where a card's Back button goes: the initiative, search results (a token), or list page `page`."""
    if back == INITIATIVE_BACK:
        return MenuCb(action=MenuAction.INITIATIVE)
    if back.startswith(SEARCH_BACK) and len(back) > len(SEARCH_BACK):
        return SearchCb(token=back.removeprefix(SEARCH_BACK))
    return SpeakersPageCb(page=page)


def person_keyboard(t: Translator, person: Person, back: CallbackData) -> InlineKeyboardMarkup:
    """Back to where the card was opened from; Share opens inline mode with the person's name; the menu."""
    builder = InlineKeyboardBuilder()
    builder.row(
        _button(t._("◀ Back"), back),
        InlineKeyboardButton(text=t._("↗ Share"), switch_inline_query=person.name.get(t.locale)),
        menu_button(t),
    )
    return builder.as_markup()


def language_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """Every language, the one `t` speaks ticked."""
    builder = InlineKeyboardBuilder()
    builder.row(
        *(
            _button(("✓ " if locale == t.locale else "") + LOCALE_NAMES[locale], LanguageCb(locale=locale))
            for locale in LOCALES
        )
    )
    builder.row(menu_button(t))
    return builder.as_markup()


def all_speakers_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.row(_button(t._("👥 All speakers"), SpeakersPageCb(page=0)), menu_button(t))
    return builder.as_markup()


def topic_button(t: Translator, key: str) -> InlineKeyboardButton:
    """The button to the screen that answers a question about `key` (`search.question_topic`)."""
    if key == INITIATIVE_KEY:
        return _button(t._("📜 Initiative"), MenuCb(action=MenuAction.INITIATIVE))
    if key == NEWS_KEY:
        return _button(t._("📰 News"), NewsPageCb(page=0))
    if key == SPEAKERS_KEY:
        return _button(t._("👥 Speakers"), MenuCb(action=MenuAction.SPEAKERS))
    if key != ABOUT_KEY:
        raise ValueError(f"no screen answers {key!r}")
    return _button(t._("ℹ️ About the roundtable"), MenuCb(action=MenuAction.ABOUT))


def question_keyboard(t: Translator, key: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.row(topic_button(t, key), menu_button(t))
    return builder.as_markup()


def forget_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """/forget: the confirmation button, and the way out without deleting anything."""
    builder = InlineKeyboardBuilder()
    builder.row(_button(t._("🗑 Delete my data"), ForgetCb()))
    builder.row(menu_button(t))
    return builder.as_markup()


def with_webapp(t: Translator, markup: InlineKeyboardMarkup | None, url: str) -> InlineKeyboardMarkup:
    """`markup` with "Open as a page" (the Mini App at `url`, a `web_app` button: private chats only) on
    top."""
    button = InlineKeyboardButton(text=t._("📱 Open as a page"), web_app=WebAppInfo(url=url))
    rows = markup.inline_keyboard if markup is not None else []
    return InlineKeyboardMarkup(inline_keyboard=[[button], *rows])
