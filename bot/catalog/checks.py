"""`content check`: the content files read and every screen they feed rendered in every language against
Telegram's limits, before anything is stored."""

from __future__ import annotations

from pathlib import Path

from bot.catalog.content import Content, ContentError, load_content
from bot.catalog.screens import all_screens
from bot.core.i18n import LOCALES, PoI18n
from bot.core.telegram_rules import keyboard_problems, message_problems


def screen_problems(i18n: PoI18n, content: Content) -> list[str]:
    """Render every screen the content feeds, in every language; say which would break Telegram's rules."""
    problems = []
    for locale in LOCALES:
        for name, screen in all_screens(i18n.translator(locale), content).items():
            found = message_problems(screen.text) + keyboard_problems(screen.markup)
            problems += [f"screen {name} ({locale}): {p}" for p in found]
    return problems


def checked_content(directory: Path, i18n: PoI18n) -> Content:
    """The content in `directory`, if its files are valid and every screen fits; else `ContentError`."""
    content = load_content(directory)
    problems = screen_problems(i18n, content)
    if problems:
        raise ContentError(problems)
    return content
