"""/about, /initiative, /help and their menu buttons, in every language."""

from __future__ import annotations

import pytest

from bot.catalog import screens
from bot.catalog.library import Catalog
from bot.catalog.profile import public_commands
from bot.core.callbacks import INITIATIVE_BACK, MenuAction, MenuCb, SpeakerCb, SubscribeCb
from bot.core.i18n import PoI18n
from bot.store import Store
from tests import updates
from tests.chat_support import LANGUAGES, buttons, datas, one_answer, one_edit, one_message
from tests.conftest import Driver, language_of

MENU = MenuCb(action=MenuAction.MENU).pack()
# The named signatories who also spoke, as buttons on the initiative card (their cards come Back to it).
SIGNED = [
    SpeakerCb(slug=slug, page=0, back=INITIATIVE_BACK).pack()
    for slug in ("almas-chukin", "yahaya-berakhtali", "li-baoqing", "an-fengquan")
]


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_about(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message("/about", language_code=code)))
    t = i18n.translator(expected)
    assert sent.text == screens.about(t, catalog.content).text
    assert language_of(sent.text) == expected
    assert {"ru": "20 декабря 2022", "en": "20 December 2022", "zh": "2022年12月20日"}[expected] in sent.text
    assert {"ru": "9 приглашённых спикеров", "en": "9 guest speakers", "zh": "9位特邀嘉宾"}[
        expected
    ] in sent.text
    assert datas(sent.reply_markup) == [
        MenuCb(action=MenuAction.SPEAKERS).pack(),
        MenuCb(action=MenuAction.INITIATIVE).pack(),
        MENU,
    ]

    sent_cb = await driver.feed(updates.callback(MenuCb(action=MenuAction.ABOUT).pack(), language_code=code))
    assert one_edit(sent_cb).text == sent.text
    one_answer(sent_cb)


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_initiative(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message("/initiative", user_id=51, language_code=code)))
    t = i18n.translator(expected)
    assert sent.text == screens.initiative(t, catalog.content, subscribed=False).text
    assert language_of(sent.text) == expected
    assert catalog.content.initiative.title.get(expected) in sent.text.replace("&quot;", '"')
    assert datas(sent.reply_markup) == [*SIGNED, SubscribeCb(on=True).pack(), MENU]

    await store.subscriptions.subscribe(51)
    data = MenuCb(action=MenuAction.INITIATIVE).pack()
    sent_cb = await driver.feed(updates.callback(data, user_id=51, language_code=code))
    assert datas(one_edit(sent_cb).reply_markup) == [*SIGNED, SubscribeCb(on=False).pack(), MENU]
    one_answer(sent_cb)


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_help_lists_every_command(driver: Driver, i18n: PoI18n, code: str, expected: str) -> None:
    sent = one_message(await driver.feed(updates.message("/help", language_code=code)))
    assert language_of(sent.text) == expected
    t = i18n.translator(expected)
    commands = public_commands(t)
    for command, description in commands:
        assert f"/{command}{t.name_separator()}{description}" in sent.text
    assert "@roundtable_bot" in sent.text
    assert datas(sent.reply_markup) == [MENU]
    assert language_of(buttons(sent.reply_markup)[0].text) == expected

    sent_cb = await driver.feed(updates.callback(MenuCb(action=MenuAction.HELP).pack(), language_code=code))
    assert one_edit(sent_cb).text == sent.text
    one_answer(sent_cb)


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_speakers_button_in_the_menu(driver: Driver, code: str, expected: str) -> None:
    sent = await driver.feed(updates.callback(MenuCb(action=MenuAction.SPEAKERS).pack(), language_code=code))
    assert language_of(one_edit(sent).text) == expected
    one_answer(sent)
