"""/subscribe, /unsubscribe, `/start subscribe` and /news through the real Dispatcher, in ru, en and zh."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardMarkup
from babel.dates import format_date

from bot.core.callbacks import MenuAction, MenuCb, NewsPageCb, SubscribeCb
from bot.news.repository import NewsDraft, Newsroom
from bot.store import Store
from tests import updates
from tests.conftest import Driver, language_of

LANGUAGES = [("ru", "ru"), ("en", "en"), ("zh-hans", "zh")]
MENU = MenuCb(action=MenuAction.MENU).pack()


def sends(requests: list[object]) -> list[SendMessage]:
    return [r for r in requests if isinstance(r, SendMessage)]


@pytest.mark.parametrize(("code", "locale"), LANGUAGES)
async def test_subscribe_and_unsubscribe_are_idempotent_with_clear_replies(
    driver: Driver, store: Store, code: str, locale: str
) -> None:
    replies = []
    for command in ("/subscribe", "/subscribe", "/unsubscribe", "/unsubscribe"):
        texts = await driver.texts(updates.message(command, user_id=31, language_code=code))
        assert len(texts) == 1
        assert language_of(texts[0]) == locale
        replies.append(texts[0])
        assert await store.subscriptions.is_subscribed(31) == (command == "/subscribe")
    assert len(set(replies)) == 4  # subscribed / already / unsubscribed / was not subscribed
    assert "/unsubscribe" in replies[0]
    assert "/subscribe" in replies[2]


@pytest.mark.parametrize(("code", "locale"), LANGUAGES)
async def test_start_subscribe_deep_link_subscribes(
    driver: Driver, store: Store, code: str, locale: str
) -> None:
    texts = await driver.texts(updates.message("/start subscribe", user_id=32, language_code=code))
    assert await store.subscriptions.is_subscribed(32)
    assert len(texts) == 1  # the deep link answers instead of the greeting
    assert language_of(texts[0]) == locale
    assert "/unsubscribe" in texts[0]


async def test_plain_start_does_not_subscribe(driver: Driver, store: Store) -> None:
    await driver.feed(updates.message("/start", user_id=33))
    await driver.feed(updates.message("/start speaker-kin-phea", user_id=33))
    assert not await store.subscriptions.is_subscribed(33)


async def test_subscribe_in_a_group_points_to_a_private_chat(driver: Driver, store: Store) -> None:
    texts = await driver.texts(
        updates.message("/subscribe", user_id=34, chat_type="supergroup", chat_id=-100500, language_code="ru")
    )
    assert len(texts) == 1
    assert "https://t.me/roundtable_bot?start=subscribe" in texts[0]
    assert language_of(texts[0]) == "ru"
    assert not await store.subscriptions.is_subscribed(34)


async def test_subscriptions_survive_a_restart(driver: Driver, store: Store) -> None:
    await driver.feed(updates.message("/subscribe", user_id=35))
    reopened = await Store.open(store.db.path)
    try:
        assert await reopened.subscriptions.is_subscribed(35)
    finally:
        await reopened.close()


async def post_items(newsroom: Newsroom, count: int) -> None:
    for n in range(1, count + 1):
        texts = {"ru": f"Новость {n}", "en": f"News {n}", "zh": f"新闻 {n}"}
        titles = {"ru": f"Заголовок {n}", "en": f"Title {n} <&>", "zh": f"标题 {n}"}
        await newsroom.items.post(NewsDraft(texts=texts, titles=titles), actor="test")


@pytest.mark.parametrize(("code", "locale"), LANGUAGES)
async def test_news_without_items(driver: Driver, code: str, locale: str) -> None:
    texts = await driver.texts(updates.message("/news", language_code=code))
    assert len(texts) == 1
    assert language_of(texts[0]) == locale
    assert "/subscribe" in texts[0]


@pytest.mark.parametrize(("code", "locale"), LANGUAGES)
async def test_news_pages_newest_first_with_localised_dates(
    driver: Driver, store: Store, newsroom: Newsroom, code: str, locale: str
) -> None:
    await post_items(newsroom, 3)
    first = sends(await driver.feed(updates.message("/news", language_code=code)))
    assert len(first) == 1
    message = first[0]
    word = {"ru": "Новость", "en": "News", "zh": "新闻"}[locale]
    assert f"{word} 3" in message.text
    assert language_of(message.text) == locale
    assert (
        format_date(dt.datetime.now(dt.UTC).date(), format="long", locale={"en": "en_GB"}.get(locale, locale))
        in message.text
    )
    assert "/unsubscribe" not in message.text
    if locale == "en":
        assert "Title 3 &lt;&amp;&gt;" in message.text  # titles are plain text, escaped
    buttons = [b for row in message.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert [b.text for b in buttons][:2] == ["1 / 3", "▶"]
    assert buttons[1].callback_data == NewsPageCb(page=1).pack()
    assert buttons[-1].callback_data == MENU

    pressed = await driver.feed(updates.callback(NewsPageCb(page=1).pack(), language_code=code))
    edits = [r for r in pressed if isinstance(r, EditMessageText)]
    assert len(edits) == 1
    assert f"{word} 2" in edits[0].text
    rows = edits[0].reply_markup.inline_keyboard  # type: ignore[union-attr]
    assert [b.text for b in rows[0]] == ["◀", "2 / 3", "▶"]
    assert [b.callback_data for b in rows[-1]] == [MENU]
    assert any(isinstance(r, AnswerCallbackQuery) for r in pressed)

    last = await driver.feed(updates.callback(NewsPageCb(page=99).pack(), language_code=code))
    edit = next(r for r in last if isinstance(r, EditMessageText))
    assert f"{word} 1" in edit.text  # a stale or forged page is clamped


async def test_news_page_callback_is_answered_when_there_is_no_news(driver: Driver) -> None:
    pressed = await driver.feed(updates.callback(NewsPageCb(page=3).pack()))
    assert any(isinstance(r, AnswerCallbackQuery) for r in pressed)


def keyboard_data(markup: object) -> list[list[str | None]]:
    assert isinstance(markup, InlineKeyboardMarkup), "the news screen must keep a keyboard"
    return [[b.callback_data for b in row] for row in markup.inline_keyboard]


@pytest.mark.parametrize(("code", "locale"), LANGUAGES)
async def test_news_from_the_menu_without_items_offers_subscribe_and_the_way_back(
    driver: Driver, store: Store, code: str, locale: str
) -> None:
    pressed = await driver.feed(updates.callback(NewsPageCb(page=0).pack(), user_id=41, language_code=code))
    edit = next(r for r in pressed if isinstance(r, EditMessageText))
    assert language_of(edit.text) == locale
    assert "/subscribe" in edit.text
    assert keyboard_data(edit.reply_markup) == [[SubscribeCb(on=True).pack()], [MENU]]
    assert any(isinstance(r, AnswerCallbackQuery) for r in pressed)

    # The button shows the user's state, and pressing it keeps the news screen's keyboard (with the menu).
    toggled = await driver.feed(
        with_markup(updates.callback(SubscribeCb(on=True).pack(), user_id=41, language_code=code), edit)
    )
    assert await store.subscriptions.is_subscribed(41)
    markup_edit = next(r for r in toggled if isinstance(r, EditMessageReplyMarkup))
    assert keyboard_data(markup_edit.reply_markup) == [[SubscribeCb(on=False).pack()], [MENU]]

    again = await driver.feed(updates.callback(NewsPageCb(page=0).pack(), user_id=41, language_code=code))
    edit = next(r for r in again if isinstance(r, EditMessageText))
    assert "/subscribe" not in edit.text  # no advice to do what the user already did
    assert language_of(edit.text) == locale
    assert keyboard_data(edit.reply_markup) == [[SubscribeCb(on=False).pack()], [MENU]]


def with_markup(update: dict[str, Any], shown: EditMessageText) -> dict[str, Any]:
    """The callback's message carries the keyboard the bot put on it, as Telegram sends it."""
    markup = shown.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    update["callback_query"]["message"]["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
    return update


async def test_news_command_without_items_has_the_subscribe_button_and_the_menu(
    driver: Driver, store: Store
) -> None:
    await store.subscriptions.subscribe(42)
    sent = sends(await driver.feed(updates.message("/news", user_id=42)))
    assert len(sent) == 1
    assert keyboard_data(sent[0].reply_markup) == [[SubscribeCb(on=False).pack()], [MENU]]


async def test_a_single_news_item_keeps_the_menu_button(
    driver: Driver, store: Store, newsroom: Newsroom
) -> None:
    await post_items(newsroom, 1)
    pressed = await driver.feed(updates.callback(NewsPageCb(page=0).pack()))
    edit = next(r for r in pressed if isinstance(r, EditMessageText))
    assert "News 1" in edit.text
    assert keyboard_data(edit.reply_markup) == [[MENU]]
    sent = sends(await driver.feed(updates.message("/news")))
    assert keyboard_data(sent[0].reply_markup) == [[MENU]]


async def test_last_of_several_news_pages_keeps_the_menu_button(
    driver: Driver, store: Store, newsroom: Newsroom
) -> None:
    await post_items(newsroom, 2)
    pressed = await driver.feed(updates.callback(NewsPageCb(page=1).pack()))
    edit = next(r for r in pressed if isinstance(r, EditMessageText))
    assert keyboard_data(edit.reply_markup) == [
        [NewsPageCb(page=0).pack(), NewsPageCb(page=1).pack()],
        [MENU],
    ]
