"""On start the bot sets its command menus and descriptions per language, only where Telegram's differ."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import (
    GetMyCommands,
    GetMyDescription,
    GetMyShortDescription,
    SetMyCommands,
    SetMyDescription,
    SetMyShortDescription,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BotDescription,
    BotShortDescription,
)

from bot.console.session import LocalSession
from bot.core.config import Settings
from bot.runtime.app import create_bot
from tests.chat_support import of
from tests.conftest import language_of

CODES = [None, "ru", "en", "zh"]
COMMAND_RE = r"^[a-z0-9_]{1,32}$"


class RememberingTelegram(LocalSession):
    """A Bot API stand-in that keeps what was set and answers the get* methods from it, per language."""

    def __init__(self) -> None:
        super().__init__()
        self.commands: dict[str | None, list[BotCommand]] = {}
        self.chat_commands: dict[int | str, list[BotCommand]] = {}
        self.descriptions: dict[str | None, str] = {}
        self.short_descriptions: dict[str | None, str] = {}

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        result: Any = None
        if isinstance(method, SetMyCommands) and isinstance(method.scope, BotCommandScopeDefault | None):
            self.commands[method.language_code] = list(method.commands)
        elif isinstance(method, SetMyCommands) and isinstance(method.scope, BotCommandScopeChat):
            self.chat_commands[method.scope.chat_id] = list(method.commands)  # an admin's menu
        elif isinstance(method, GetMyCommands) and isinstance(method.scope, BotCommandScopeChat):
            result = self.chat_commands.get(method.scope.chat_id, [])
        elif isinstance(method, SetMyDescription):
            self.descriptions[method.language_code] = method.description or ""
        elif isinstance(method, SetMyShortDescription):
            self.short_descriptions[method.language_code] = method.short_description or ""
        elif isinstance(method, GetMyCommands):
            result = self.commands.get(method.language_code, [])
        elif isinstance(method, GetMyDescription):
            result = BotDescription(description=self.descriptions.get(method.language_code, ""))
        elif isinstance(method, GetMyShortDescription):
            result = BotShortDescription(
                short_description=self.short_descriptions.get(method.language_code, "")
            )
        if result is not None:
            self.add_result_for(type(method), result)
        return await super().make_request(bot, method, timeout)


@pytest.fixture
def telegram() -> RememberingTelegram:
    return RememberingTelegram()


@pytest.fixture
def remembering_bot(settings: Settings, telegram: RememberingTelegram) -> Bot:
    return create_bot(settings, session=telegram)


def sets(requests: list[Any]) -> list[Any]:
    return of(requests, SetMyCommands) + of(requests, SetMyDescription) + of(requests, SetMyShortDescription)


async def test_first_start_sets_everything_in_every_language(
    dp: Dispatcher, remembering_bot: Bot, telegram: RememberingTelegram
) -> None:
    await dp.emit_startup(bot=remembering_bot)
    assert not telegram.refused
    profile_menus = [r for r in of(telegram.requests, SetMyCommands) if r.scope is None]
    assert sorted(map(str, (r.language_code for r in profile_menus))) == sorted(map(str, CODES))
    assert len(of(telegram.requests, SetMyDescription)) == 4
    assert len(of(telegram.requests, SetMyShortDescription)) == 4
    for code in CODES:
        expected = "en" if code is None else code  # DEFAULT_LOCALE for everyone else
        commands = telegram.commands[code]
        assert 1 <= len(commands) <= 100
        assert [c.command for c in commands][:3] == ["start", "about", "speakers"]
        for command in commands:
            assert re.match(COMMAND_RE, command.command)
            assert 1 <= len(command.description) <= 256
        assert language_of(" ".join(c.description for c in commands)) == expected
        assert 1 <= len(telegram.descriptions[code]) <= 512
        assert language_of(telegram.descriptions[code]) == expected
        assert 1 <= len(telegram.short_descriptions[code]) <= 120
        assert language_of(telegram.short_descriptions[code]) == expected


async def test_restart_changes_nothing_when_telegram_already_agrees(
    dp: Dispatcher, remembering_bot: Bot, telegram: RememberingTelegram
) -> None:
    await dp.emit_startup(bot=remembering_bot)
    telegram.clear()
    await dp.emit_startup(bot=remembering_bot)
    assert sets(telegram.requests) == []
    assert len([r for r in of(telegram.requests, GetMyCommands) if r.scope is None]) == 4  # it did look


async def test_only_what_differs_is_set(
    dp: Dispatcher, remembering_bot: Bot, telegram: RememberingTelegram
) -> None:
    await dp.emit_startup(bot=remembering_bot)
    telegram.commands["zh"] = telegram.commands["zh"][:-1]  # someone edited the menu in @BotFather
    telegram.short_descriptions[None] = "old"
    telegram.clear()
    await dp.emit_startup(bot=remembering_bot)
    changed = sets(telegram.requests)
    assert [(type(r).__name__, r.language_code) for r in changed] == [
        ("SetMyCommands", "zh"),
        ("SetMyShortDescription", None),
    ]


async def test_a_telegram_failure_at_startup_is_logged_not_fatal(
    dp: Dispatcher, bot: Bot, session: LocalSession, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):  # more than the reply-retry middleware's attempts
        session.add_error_for(GetMyCommands, 500, "Internal Server Error")
    with caplog.at_level(logging.WARNING, logger="bot.catalog.profile"):
        await dp.emit_startup(bot=bot)
    assert "could not set" in caplog.text
    assert "123456789" not in caplog.text
