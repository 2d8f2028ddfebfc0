"""/language: the choice is stored, the message re-renders in the new language, the chat's menu follows."""

from __future__ import annotations

import pytest
from aiogram.methods import EditMessageText, SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.core.callbacks import LanguageCb, MenuAction, MenuCb
from bot.store import Store
from tests import updates
from tests.chat_support import LANGUAGES, buttons, datas, of, one_answer, one_edit, one_message
from tests.conftest import Driver, language_of

CHOICES = [LanguageCb(locale=name).pack() for name in ("ru", "en", "zh")]


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_language_offers_three_languages_marking_the_current(
    driver: Driver, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message("/language", language_code=code)))
    assert language_of(sent.text) == expected
    assert datas(sent.reply_markup) == [*CHOICES, MenuCb(action=MenuAction.MENU).pack()]
    names = [b.text for b in buttons(sent.reply_markup)[:3]]
    assert names == [
        ("✓ " if name == expected else "") + label
        for name, label in zip(("ru", "en", "zh"), ("Русский", "English", "中文"), strict=True)
    ]


@pytest.mark.parametrize(("code", "current"), LANGUAGES)
@pytest.mark.parametrize("chosen", ["ru", "en", "zh"])
async def test_choosing_a_language_stores_it_rerenders_and_sets_the_chat_menu(
    driver: Driver, store: Store, code: str, current: str, chosen: str
) -> None:
    sent = await driver.feed(
        updates.callback(LanguageCb(locale=chosen).pack(), user_id=41, language_code=code)
    )
    assert await store.users.get_locale(41) == chosen

    edit = one_edit(sent)
    assert language_of(edit.text) == chosen
    assert "✓ " in buttons(edit.reply_markup)[("ru", "en", "zh").index(chosen)].text
    assert language_of(buttons(edit.reply_markup)[-1].text) == chosen  # the Menu button too

    (menu,) = of(sent, SetMyCommands)
    assert menu.scope == BotCommandScopeChat(chat_id=41)
    assert menu.language_code is None
    help_line = {c.command: c.description for c in menu.commands}["help"]
    assert language_of(help_line) == chosen

    answer = one_answer(sent)
    assert answer.text
    assert language_of(answer.text) == chosen

    # From now on the bot speaks the chosen language, whatever Telegram's language_code says.
    greeting = one_message(await driver.feed(updates.message("/start", user_id=41, language_code=code)))
    assert language_of(greeting.text) == chosen


async def test_language_button_in_the_menu_opens_the_choice(driver: Driver) -> None:
    sent = await driver.feed(updates.callback(MenuCb(action=MenuAction.LANGUAGE).pack(), language_code="ru"))
    edit = one_edit(sent)
    assert language_of(edit.text) == "ru"
    assert datas(edit.reply_markup)[:3] == CHOICES
    one_answer(sent)


async def test_a_forged_language_is_refused_with_an_alert(driver: Driver, store: Store) -> None:
    sent = await driver.feed(updates.callback("l:de", user_id=42, language_code="ru"))
    assert one_answer(sent).show_alert is True
    assert await store.users.get_locale(42) is None
    assert not of(sent, EditMessageText)
    assert not of(sent, SetMyCommands)


async def test_choosing_in_a_group_changes_no_command_menu(driver: Driver, store: Store) -> None:
    sent = await driver.feed(updates.callback(LanguageCb(locale="zh").pack(), user_id=43, chat_type="group"))
    assert await store.users.get_locale(43) == "zh"
    assert language_of(one_edit(sent).text) == "zh"
    assert not of(sent, SetMyCommands)
