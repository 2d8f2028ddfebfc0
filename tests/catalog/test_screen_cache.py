"""Cached screens are the screens, built once per content snapshot and language."""

from __future__ import annotations

from pathlib import Path

from bot.catalog import screen_cache, screens
from bot.catalog.content import load_content
from bot.core.config import Settings
from bot.core.i18n import create_i18n


def test_cached_screens_equal_fresh_ones_and_follow_the_content(settings: Settings) -> None:
    i18n = create_i18n(settings.locales_dir, settings.default_locale)
    content = load_content(settings.content_dir)
    for locale in ("ru", "en", "zh"):
        t = i18n.translator(locale)
        for subscribed in (False, True):
            cached = screen_cache.greeting(t, content, subscribed, private=True)
            assert cached == screens.greeting(t, content, subscribed, private=True)
            assert screen_cache.greeting(t, content, subscribed, private=True) is cached
        assert screen_cache.about(t, content) == screens.about(t, content)
        person = content.people[0]
        assert screen_cache.person(t, content, person) == screens.person(t, content, person)
    t = i18n.translator("en")
    before = screen_cache.about(t, content)
    reloaded = load_content(Path(settings.content_dir))  # a new snapshot: the cache starts afresh
    assert screen_cache.about(t, reloaded) is not before
    assert screen_cache.about(t, reloaded) == before


def test_the_cache_is_bounded(settings: Settings) -> None:
    i18n = create_i18n(settings.locales_dir, settings.default_locale)
    content = load_content(settings.content_dir)
    cache = screen_cache.ScreenCache(size=2)
    t = i18n.translator("en")
    for key in range(5):
        cache.get(content, key, lambda: screens.about(t, content))
    assert len(cache._screens) <= 2
