"""Telegram's own signals: a user who blocks the bot is unsubscribed at once; a group that removes the bot
breaks nothing; polling asks Telegram for these updates."""

from __future__ import annotations

from aiogram import Dispatcher

from bot.store import Store
from tests import updates
from tests.conftest import Driver


async def test_a_user_who_blocks_the_bot_is_unsubscribed_at_once(driver: Driver, store: Store) -> None:
    await driver.feed(updates.message("/subscribe", user_id=31))
    assert await store.subscriptions.is_subscribed(31)
    sent = await driver.feed(updates.my_chat_member("member", "kicked", user_id=31))
    assert not await store.subscriptions.is_subscribed(31)
    assert sent == []  # nothing can reach a user who blocked the bot


async def test_unblocking_does_not_subscribe_again(driver: Driver, store: Store) -> None:
    await driver.feed(updates.message("/subscribe", user_id=32))
    await driver.feed(updates.my_chat_member("member", "kicked", user_id=32))
    assert await driver.feed(updates.my_chat_member("kicked", "member", user_id=32)) == []
    assert not await store.subscriptions.is_subscribed(32)


async def test_the_bot_removed_from_a_group_breaks_nothing(driver: Driver, store: Store) -> None:
    await driver.feed(updates.message("/subscribe", user_id=33))
    for status in ("left", "kicked"):
        sent = await driver.feed(
            updates.my_chat_member("member", status, user_id=33, chat_type="supergroup", chat_id=-100500)
        )
        assert sent == []
    # The person who removed the bot from a group still wants the news in private.
    assert await store.subscriptions.is_subscribed(33)


async def test_the_block_is_handled_not_dropped(dp: Dispatcher, driver: Driver) -> None:
    assert "my_chat_member" in dp.resolve_used_update_types()
