"""`screens`, remembered: the screens that depend only on the content, the language and a few flags are
built once and shown again and again (a main menu costs ~2 ms to build, its pydantic models copied).

Handlers import this module in place of `screens` (`from bot.catalog import screen_cache as screens`): the
screens below are cached, every other name (`Screen`, `found`, `not_found`, the limits) is `screens`' own.
The cache is per content snapshot (a new `Content` empties it), per locale (one `Translator` per locale),
and bounded. A cached `Screen` is shared: nobody may change it (aiogram only serialises it).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from bot.catalog import screens as _screens
from bot.catalog.content import Content, Person
from bot.core.i18n import Translator

Screen = _screens.Screen

MAX_SCREENS = 4096  # a few per locale and person: far more than a programme of a hundred people needs


class ScreenCache:
    def __init__(self, size: int = MAX_SCREENS) -> None:
        self.size = size
        self._content: Content | None = None
        self._screens: dict[Hashable, Screen | None] = {}

    def get(
        self, content: Content | None, key: Hashable, build: Callable[[], Screen | None]
    ) -> Screen | None:
        if content is not None and content is not self._content:
            self._content = content
            self._screens.clear()
        try:
            return self._screens[key]
        except KeyError:
            pass
        screen = build()
        if len(self._screens) >= self.size:
            self._screens.clear()
        self._screens[key] = screen
        return screen

    def clear(self) -> None:
        self._content = None
        self._screens.clear()


cache = ScreenCache()


def _get(content: Content | None, key: Hashable, build: Callable[[], Screen | None]) -> Screen:
    screen = cache.get(content, key, build)
    if screen is None:  # pragma: no cover - these builders always return a screen
        raise LookupError(key)
    return screen


def greeting(
    t: Translator,
    content: Content,
    subscribed: bool,
    private: bool,
    webapp: str | None = None,
    subscribe_link: str | None = None,
) -> Screen:
    """`webapp`: the Mini App's URL (`WEBAPP_URL`), offered as a button in private chats; `subscribe_link`:
    the deep link 🔔 is in a group."""
    webapp = webapp if private else None
    return _get(
        content,
        ("greeting", t.locale, subscribed, private, webapp, subscribe_link),
        lambda: _with_webapp(t, _screens.greeting(t, content, subscribed, private, subscribe_link), webapp),
    )


def _with_webapp(t: Translator, screen: Screen, url: str | None, person: Person | None = None) -> Screen:
    return screen if url is None else _screens.with_webapp(t, screen, url, person)


def about(t: Translator, content: Content) -> Screen:
    return _get(content, ("about", t.locale), lambda: _screens.about(t, content))


def initiative(t: Translator, content: Content, subscribed: bool) -> Screen:
    return _get(
        content, ("initiative", t.locale, subscribed), lambda: _screens.initiative(t, content, subscribed)
    )


def speakers(t: Translator, content: Content, page: int = 0) -> Screen | None:
    return cache.get(content, ("speakers", t.locale, page), lambda: _screens.speakers(t, content, page))


def first_speakers_page(t: Translator, content: Content) -> Screen:
    return _get(content, ("speakers", t.locale, 0), lambda: _screens.first_speakers_page(t, content))


def person(
    t: Translator, content: Content, person: Person, back: str = "", webapp: str | None = None
) -> Screen:
    """`webapp`: the Mini App's URL, for a card in a private chat (the button opens the person's page)."""
    return _get(
        content,
        ("person", t.locale, person.slug, back, webapp),
        lambda: _with_webapp(t, _screens.person(t, content, person, back), webapp, person),
    )


def language(t: Translator) -> Screen:
    return _get(None, ("language", t.locale), lambda: _screens.language(t))


def help_screen(t: Translator, bot_username: str | None) -> Screen:
    return _get(None, ("help", t.locale, bot_username), lambda: _screens.help_screen(t, bot_username))


def unknown_command(t: Translator) -> Screen:
    return _get(None, ("unknown command", t.locale), lambda: _screens.unknown_command(t))


def speaker_usage(t: Translator) -> Screen:
    return _get(None, ("speaker usage", t.locale), lambda: _screens.speaker_usage(t))


def query_too_long(t: Translator) -> Screen:
    return _get(None, ("query too long", t.locale), lambda: _screens.query_too_long(t))


# Not cached (they depend on what was searched), looked up in `screens` at each call.
def found(t: Translator, content: Content, people: list[Person], more: bool, token: str) -> Screen:
    return _screens.found(t, content, people, more, token)


def not_found(t: Translator, query: str) -> Screen:
    return _screens.not_found(t, query)


def __getattr__(name: str) -> Any:
    """Everything else (the limits, `page_of`, …) is `screens`' own, read at each use."""
    return getattr(_screens, name)
