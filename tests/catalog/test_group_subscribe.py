"""In a group the menu's 🔔 is the deep link `/subscribe` gives there: the bot may write only to people who
opened a private chat with it, and a message everyone sees shows no one person's subscription."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText, SendMessage

from bot.core.callbacks import SubscribeCb
from bot.store import Store
from tests import updates
from tests.chat_support import buttons
from tests.conftest import Driver

GROUP = -100123


async def test_the_group_menu_links_to_a_private_subscription(driver: Driver, store: Store) -> None:
    sent = await driver.feed(updates.message("/start", user_id=7, chat_type="supergroup", chat_id=GROUP))
    (menu,) = [r for r in sent if isinstance(r, SendMessage)]
    (bell,) = [b for b in buttons(menu.reply_markup) if b.text.startswith("🔔")]
    assert bell.url == "https://t.me/roundtable_bot?start=subscribe"
    assert bell.callback_data is None
    await store.subscriptions.subscribe(7)  # the same for a subscriber: the message is everyone's
    sent = await driver.feed(updates.message("/start", user_id=7, chat_type="supergroup", chat_id=GROUP))
    (again,) = [r for r in sent if isinstance(r, SendMessage)]
    assert again.reply_markup == menu.reply_markup


async def test_an_old_group_subscribe_button_opens_the_private_chat(driver: Driver, store: Store) -> None:
    update = updates.callback(SubscribeCb(on=True).pack(), user_id=7, chat_type="supergroup")
    sent = await driver.feed(update)
    (answer,) = [r for r in sent if isinstance(r, AnswerCallbackQuery)]
    assert answer.url == "https://t.me/roundtable_bot?start=subscribe"
    assert not await store.subscriptions.is_subscribed(7)
    assert not [r for r in sent if isinstance(r, EditMessageText | EditMessageReplyMarkup)]


async def test_the_private_menu_still_toggles(driver: Driver, store: Store) -> None:
    (menu,) = [
        r for r in await driver.feed(updates.message("/start", user_id=7)) if isinstance(r, SendMessage)
    ]
    (bell,) = [b for b in buttons(menu.reply_markup) if b.text.startswith("🔔")]
    assert bell.callback_data == SubscribeCb(on=True).pack()
    await driver.feed(updates.callback(bell.callback_data, user_id=7))
    assert await store.subscriptions.is_subscribed(7)
