"""Admins see their commands in their own command menu, in their language: set for each admin's chat at
start-up, and kept when they choose a language with /language. Nobody else gets them."""

from __future__ import annotations

import logging

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.console.session import LocalSession
from bot.core.callbacks import LanguageCb
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.handlers.menus import admin_menus_on_startup
from bot.news.repository import Newsroom
from bot.store import Store
from tests import updates
from tests.conftest import ADMIN_ID, Driver, language_of

ADMIN_COMMANDS = ["post", "edit", "retract", "scheduled", "stats", "audit", "cancel"]


def menu(commands: SetMyCommands) -> dict[str, str]:
    return {c.command: c.description for c in commands.commands}


@pytest.mark.parametrize("locale", ["ru", "en", "zh"])
async def test_each_admin_gets_their_commands_at_start_in_their_language(
    settings: Settings,
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    bot: Bot,
    session: LocalSession,
    locale: str,
) -> None:
    await store.users.touch(ADMIN_ID, "en")
    await store.users.set_locale(ADMIN_ID, locale)
    await admin_menus_on_startup(settings, newsroom, i18n)(bot)
    (sent,) = session.requests_of(SetMyCommands)
    assert sent.scope == BotCommandScopeChat(chat_id=ADMIN_ID)
    commands = menu(sent)
    assert list(commands)[-len(ADMIN_COMMANDS) :] == ADMIN_COMMANDS
    assert {"start", "news", "help"} <= set(commands)  # the public ones too
    assert all(language_of(text) == locale for name, text in commands.items() if name in ADMIN_COMMANDS)


async def test_an_admin_never_seen_reads_their_menu_in_the_default_language(
    settings: Settings, newsroom: Newsroom, i18n: PoI18n, bot: Bot, session: LocalSession
) -> None:
    await admin_menus_on_startup(settings, newsroom, i18n)(bot)
    (sent,) = session.requests_of(SetMyCommands)
    assert language_of(menu(sent)["post"]) == settings.default_locale


async def test_a_menu_telegram_refuses_is_logged_and_start_goes_on(
    settings: Settings,
    newsroom: Newsroom,
    i18n: PoI18n,
    bot: Bot,
    session: LocalSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    two = settings.model_copy(update={"admin_ids": frozenset({ADMIN_ID, ADMIN_ID + 1})})
    session.add_error_for(SetMyCommands, 400, "Bad Request: chat not found")
    with caplog.at_level(logging.WARNING):
        await admin_menus_on_startup(two, newsroom, i18n)(bot)
    assert len(session.requests_of(SetMyCommands)) == 2
    assert "chat not found" in caplog.text


def test_the_dispatcher_sets_the_admin_menus_on_start(dp: Dispatcher) -> None:
    assert "set_admin_menus" in [h.callback.__name__ for h in dp.startup.handlers]


@pytest.mark.parametrize("chosen", ["ru", "en", "zh"])
async def test_language_keeps_the_admins_commands(driver: Driver, chosen: str) -> None:
    sent = await driver.feed(updates.callback(LanguageCb(locale=chosen).pack(), user_id=ADMIN_ID))
    (commands,) = [r for r in sent if isinstance(r, SetMyCommands)]
    assert commands.scope == BotCommandScopeChat(chat_id=ADMIN_ID)
    listed = menu(commands)
    assert list(listed)[-len(ADMIN_COMMANDS) :] == ADMIN_COMMANDS
    assert language_of(listed["audit"]) == chosen


async def test_language_gives_nobody_else_the_admin_commands(driver: Driver) -> None:
    sent = await driver.feed(updates.callback(LanguageCb(locale="ru").pack(), user_id=41))
    (commands,) = [r for r in sent if isinstance(r, SetMyCommands)]
    assert not set(menu(commands)) & set(ADMIN_COMMANDS)
