"""The bot's profile in Telegram: command menus, description and short description, per language.

Set on start only where Telegram's copy differs (no churn on every restart); `/help` lists the same commands,
and `/language` sets one chat's menu to the chosen language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.catalog.cards import event_date
from bot.catalog.content import Content
from bot.catalog.library import Catalog
from bot.core.i18n import LOCALES, PoI18n, Translator

log = logging.getLogger(__name__)


def public_commands(t: Translator) -> list[tuple[str, str]]:
    """Every command anyone may use, with its one-line description."""
    return [
        ("start", t._("Main menu")),
        ("about", t._("About the roundtable")),
        ("speakers", t._("The guest speakers and the chair")),
        ("speaker", t._("Find a speaker by name, organisation or country")),
        ("initiative", t._("The initiative signed at the roundtable")),
        ("news", t._("News about the initiative")),
        ("subscribe", t._("Subscribe to news about the initiative")),
        ("unsubscribe", t._("Unsubscribe from the news")),
        ("language", t._("Change the language")),
        ("privacy", t._("What the bot stores about you")),
        ("forget", t._("Delete your data")),
        ("help", t._("What this bot can do")),
    ]


def bot_commands(t: Translator) -> list[BotCommand]:
    return [BotCommand(command=command, description=text) for command, text in public_commands(t)]


@dataclass(frozen=True)
class Profile:
    """What Telegram shows about the bot in one language."""

    commands: list[BotCommand]
    description: str
    short_description: str


def profile(t: Translator, content: Content) -> Profile:
    """The profile in `t`'s locale (plain text: descriptions are not parsed as HTML)."""
    description = t._(
        "The speakers, the chair and the initiative of the {title} ({date}, {format}). Find a speaker by "
        "name, organisation or country, in Russian, English or Chinese."
    ).format(
        title=content.event.title.get(t.locale),
        date=event_date(t, content),
        format=content.event.format.get(t.locale),
    )
    short = t._(
        "Speakers, chair and initiative of the 2022 Asia Roundtable Summit on Green Low-carbon Development"
    )
    return Profile(commands=bot_commands(t), description=description, short_description=short)


def wanted_profiles(i18n: PoI18n, content: Content, default_locale: str) -> dict[str | None, Profile]:
    """The profile for each `language_code` we set: `None` (everyone else) and each of our locales."""
    targets: list[tuple[str | None, str]] = [
        (None, default_locale),
        *((locale, locale) for locale in LOCALES),
    ]
    return {language_code: profile(i18n.translator(locale), content) for language_code, locale in targets}


def _same_commands(current: list[BotCommand], wanted: list[BotCommand]) -> bool:
    return [(c.command, c.description) for c in current] == [(c.command, c.description) for c in wanted]


async def _sync_language(bot: Bot, language_code: str | None, wanted: Profile) -> list[str]:
    label = language_code or "default"
    changed = []
    if not _same_commands(await bot.get_my_commands(language_code=language_code), wanted.commands):
        await bot.set_my_commands(wanted.commands, language_code=language_code)
        changed.append(f"commands/{label}")
    current_description = await bot.get_my_description(language_code=language_code)
    if current_description.description != wanted.description:
        await bot.set_my_description(wanted.description, language_code=language_code)
        changed.append(f"description/{label}")
    current_short = await bot.get_my_short_description(language_code=language_code)
    if current_short.short_description != wanted.short_description:
        await bot.set_my_short_description(wanted.short_description, language_code=language_code)
        changed.append(f"short description/{label}")
    return changed


async def sync_profile(bot: Bot, i18n: PoI18n, content: Content, default_locale: str) -> list[str]:
    """Make Telegram's commands and descriptions match ours; returns what had to be set."""
    wanted = wanted_profiles(i18n, content, default_locale)
    results = await asyncio.gather(*(_sync_language(bot, code, p) for code, p in wanted.items()))
    return [item for changed in results for item in changed]


def profile_on_startup(
    i18n: PoI18n, catalog: Catalog, default_locale: str
) -> Callable[[Bot], Awaitable[None]]:
    """A `dp.startup` handler: sync the profile; a failure is logged and never stops the bot."""

    async def set_bot_profile(bot: Bot) -> None:
        try:
            changed = await sync_profile(bot, i18n, catalog.content, default_locale)
        except TelegramAPIError as exc:
            log.warning("could not set the bot's commands and descriptions: %s", exc)
            return
        if changed:
            log.info("bot profile updated: %s", ", ".join(changed))
        else:
            log.info("bot profile is up to date")

    return set_bot_profile


def chat_commands(t: Translator, extra: Sequence[tuple[str, str]] = ()) -> list[BotCommand]:
    """One chat's menu: the public commands, then `extra` (other features' commands this chat may use)."""
    return bot_commands(t) + [BotCommand(command=command, description=text) for command, text in extra]


async def set_chat_commands(
    bot: Bot, t: Translator, chat_id: int, extra: Sequence[tuple[str, str]] = ()
) -> None:
    """One chat's command menu in `t`'s locale (after the user chose a language)."""
    await bot.set_my_commands(chat_commands(t, extra), scope=BotCommandScopeChat(chat_id=chat_id))


async def sync_chat_commands(
    bot: Bot, t: Translator, chat_id: int, extra: Sequence[tuple[str, str]] = ()
) -> bool:
    """The same at start-up, only where Telegram's copy differs; True when it had to be set."""
    scope = BotCommandScopeChat(chat_id=chat_id)
    wanted = chat_commands(t, extra)
    if _same_commands(await bot.get_my_commands(scope=scope), wanted):
        return False
    await bot.set_my_commands(wanted, scope=scope)
    return True
