"""/subscribe, /unsubscribe, `/start subscribe` and /news through the real Dispatcher, in ru, en and zh."""

from __future__ import annotations

import datetime as dt

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from babel.dates import format_date

from bot.callbacks import NewsPageCb
from bot.store import Store
from bot.store.news import NewsDraft
from tests import updates
from tests.conftest import Driver, language_of

LANGUAGES = [("ru", "ru"), ("en", "en"), ("zh-hans", "zh")]


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


async def post_items(store: Store, count: int) -> None:
    for n in range(1, count + 1):
        texts = {"ru": f"Новость {n}", "en": f"News {n}", "zh": f"新闻 {n}"}
        titles = {"ru": f"Заголовок {n}", "en": f"Title {n} <&>", "zh": f"标题 {n}"}
        await store.news.post(NewsDraft(texts=texts, titles=titles), actor="test")


@pytest.mark.parametrize(("code", "locale"), LANGUAGES)
async def test_news_without_items(driver: Driver, code: str, locale: str) -> None:
    texts = await driver.texts(updates.message("/news", language_code=code))
    assert len(texts) == 1
    assert language_of(texts[0]) == locale
    assert "/subscribe" in texts[0]


@pytest.mark.parametrize(("code", "locale"), LANGUAGES)
async def test_news_pages_newest_first_with_localised_dates(
    driver: Driver, store: Store, code: str, locale: str
) -> None:
    await post_items(store, 3)
    first = sends(await driver.feed(updates.message("/news", language_code=code)))
    assert len(first) == 1
    message = first[0]
    word = {"ru": "Новость", "en": "News", "zh": "新闻"}[locale]
    assert f"{word} 3" in message.text
    assert language_of(message.text) == locale
    assert format_date(dt.datetime.now(dt.UTC).date(), format="long", locale=locale) in message.text
    assert "/unsubscribe" not in message.text
    if locale == "en":
        assert "Title 3 &lt;&amp;&gt;" in message.text  # titles are plain text, escaped
    buttons = [b for row in message.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert [b.text for b in buttons] == ["1 / 3", "▶"]
    assert buttons[1].callback_data == NewsPageCb(page=1).pack()

    pressed = await driver.feed(updates.callback(NewsPageCb(page=1).pack(), language_code=code))
    edits = [r for r in pressed if isinstance(r, EditMessageText)]
    assert len(edits) == 1
    assert f"{word} 2" in edits[0].text
    labels = [b.text for row in edits[0].reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert labels == ["◀", "2 / 3", "▶"]
    assert any(isinstance(r, AnswerCallbackQuery) for r in pressed)

    last = await driver.feed(updates.callback(NewsPageCb(page=99).pack(), language_code=code))
    edit = next(r for r in last if isinstance(r, EditMessageText))
    assert f"{word} 1" in edit.text  # a stale or forged page is clamped


async def test_news_page_callback_is_answered_when_there_is_no_news(driver: Driver) -> None:
    pressed = await driver.feed(updates.callback(NewsPageCb(page=3).pack()))
    assert any(isinstance(r, AnswerCallbackQuery) for r in pressed)
