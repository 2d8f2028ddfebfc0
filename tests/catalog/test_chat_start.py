"""/start: greeting and main menu, deep links, the Menu button and the Subscribe/Unsubscribe toggle."""

from __future__ import annotations

import pytest
from aiogram.methods import EditMessageReplyMarkup, EditMessageText

from bot.catalog import screens
from bot.catalog.library import Catalog
from bot.core.callbacks import MenuAction, MenuCb, NewsPageCb, SpeakersPageCb, SubscribeCb
from bot.core.i18n import PoI18n
from bot.store import Store
from tests import updates
from tests.chat_support import (
    LANGUAGES,
    buttons,
    callback_on,
    datas,
    of,
    one_answer,
    one_edit,
    one_message,
)
from tests.conftest import Driver, language_of

MENU_DATA = [
    MenuCb(action=MenuAction.ABOUT).pack(),
    MenuCb(action=MenuAction.SPEAKERS).pack(),
    MenuCb(action=MenuAction.INITIATIVE).pack(),
    NewsPageCb(page=0).pack(),
    SubscribeCb(on=True).pack(),
    MenuCb(action=MenuAction.LANGUAGE).pack(),
    MenuCb(action=MenuAction.HELP).pack(),
]


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_start_greets_with_main_menu(driver: Driver, code: str, expected: str) -> None:
    sent = one_message(await driver.feed(updates.message("/start", user_id=11, language_code=code)))
    assert sent.chat_id == 11
    assert language_of(sent.text) == expected
    assert datas(sent.reply_markup) == MENU_DATA
    assert language_of(" ".join(b.text for b in buttons(sent.reply_markup))) == expected


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_menu_shows_unsubscribe_to_subscribers(
    driver: Driver, store: Store, code: str, expected: str
) -> None:
    await store.subscriptions.subscribe(12)
    sent = one_message(await driver.feed(updates.message("/start", user_id=12, language_code=code)))
    assert SubscribeCb(on=False).pack() in datas(sent.reply_markup)
    assert SubscribeCb(on=True).pack() not in datas(sent.reply_markup)


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_deep_link_opens_a_speaker_card(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message("/start speaker-kin-phea", language_code=code)))
    person = catalog.content.person("kin-phea")
    assert person is not None
    t = i18n.translator(expected)
    card = screens.person(t, catalog.content, person)
    assert sent.text == card.text
    back, share, menu = buttons(sent.reply_markup)
    assert menu.callback_data == MenuCb(action=MenuAction.MENU).pack()
    assert back.callback_data == SpeakersPageCb(page=0).pack()
    assert share.switch_inline_query == person.name.get(expected)


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_deep_link_opens_the_initiative(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message("/start initiative", language_code=code)))
    t = i18n.translator(expected)
    assert sent.text == screens.initiative(t, catalog.content, subscribed=False).text
    assert language_of(sent.text) == expected
    assert SubscribeCb(on=True).pack() in datas(sent.reply_markup)


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_deep_links_used_by_inline_results_open_about_and_speakers(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n, code: str, expected: str
) -> None:
    about = one_message(await driver.feed(updates.message("/start about", language_code=code)))
    speakers = one_message(await driver.feed(updates.message("/start speakers", language_code=code)))
    t = i18n.translator(expected)
    assert about.text == screens.about(t, catalog.content).text
    assert speakers.text == screens.first_speakers_page(t, catalog.content).text
    assert language_of(about.text) == expected


@pytest.mark.parametrize(
    "payload", ["speaker-nobody", "speaker-", "speaker-KIN-PHEA", "zzz", "initiative-x", "a" * 64, "-_-"]
)
async def test_unknown_deep_links_fall_back_to_the_greeting(driver: Driver, payload: str) -> None:
    sent = one_message(await driver.feed(updates.message(f"/start {payload}", language_code="ru")))
    assert language_of(sent.text) == "ru"
    assert datas(sent.reply_markup) == MENU_DATA


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_menu_button_edits_back_to_the_greeting(driver: Driver, code: str, expected: str) -> None:
    sent = await driver.feed(updates.callback(MenuCb(action=MenuAction.MENU).pack(), language_code=code))
    edit = one_edit(sent)
    assert language_of(edit.text) == expected
    assert datas(edit.reply_markup) == MENU_DATA
    assert one_answer(sent).show_alert is not True


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_subscribe_toggle_flips_the_button_in_place(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n, code: str, expected: str
) -> None:
    t = i18n.translator(expected)
    menu = screens.greeting(t, catalog.content, subscribed=False, private=True)
    sent = await driver.feed(
        callback_on(SubscribeCb(on=True).pack(), menu.markup, user_id=21, language_code=code)
    )
    assert await store.subscriptions.is_subscribed(21)
    (edit,) = of(sent, EditMessageReplyMarkup)
    assert datas(edit.reply_markup) == [d.replace("sub:1", "sub:0") for d in MENU_DATA]
    answer = one_answer(sent)
    assert answer.text
    assert language_of(answer.text) == expected

    t = i18n.translator(expected)
    menu = screens.greeting(t, catalog.content, subscribed=True, private=True)
    sent = await driver.feed(
        callback_on(SubscribeCb(on=False).pack(), menu.markup, user_id=21, language_code=code)
    )
    assert not await store.subscriptions.is_subscribed(21)
    (edit,) = of(sent, EditMessageReplyMarkup)
    assert datas(edit.reply_markup) == MENU_DATA
    assert one_answer(sent).text


async def test_subscribe_toggle_on_the_initiative_card_keeps_the_card(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n
) -> None:
    t = i18n.translator("en")
    card = screens.initiative(t, catalog.content, subscribed=False)
    sent = await driver.feed(callback_on(SubscribeCb(on=True).pack(), card.markup, user_id=22))
    assert not of(sent, EditMessageText)
    (edit,) = of(sent, EditMessageReplyMarkup)
    assert datas(edit.reply_markup)[-2:] == [
        SubscribeCb(on=False).pack(),
        MenuCb(action=MenuAction.MENU).pack(),
    ]
    one_answer(sent)


async def test_subscribe_twice_is_idempotent_and_not_modified_is_no_error(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n
) -> None:
    await store.subscriptions.subscribe(23)
    t = i18n.translator("en")
    menu = screens.greeting(t, catalog.content, subscribed=False, private=True)  # an older message
    driver.session.add_error_for(
        EditMessageReplyMarkup, 400, "Bad Request: message is not modified: specified new message content"
    )
    sent = await driver.feed(callback_on(SubscribeCb(on=True).pack(), menu.markup, user_id=23))
    assert await store.subscriptions.is_subscribed(23)
    assert await store.subscriptions.count() == 1
    one_answer(sent)


async def test_subscribe_without_a_visible_keyboard_shows_the_menu(driver: Driver, store: Store) -> None:
    sent = await driver.feed(updates.callback(SubscribeCb(on=True).pack(), user_id=24))
    assert await store.subscriptions.is_subscribed(24)
    assert SubscribeCb(on=False).pack() in datas(one_edit(sent).reply_markup)
    one_answer(sent)


async def test_start_in_a_group_answers_only_when_addressed_to_this_bot(driver: Driver) -> None:
    group = {"chat_type": "supergroup", "chat_id": -100500}
    sent = one_message(await driver.feed(updates.message("/start@roundtable_bot", **group)))  # type: ignore[arg-type]
    assert sent.chat_id == -100500
    assert "/speaker" in sent.text  # groups get the command hint, not "send me a name"
    assert await driver.feed(updates.message("/start@other_bot", **group)) == []  # type: ignore[arg-type]
