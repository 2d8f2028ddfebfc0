"""Updates of one chat are handled one at a time, in the order they came (aiogram's `SimpleEventIsolation`):
two texts pasted back to back, or three messages typed quickly, never overtake each other."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import SendMessage

from bot.console.session import LocalSession
from tests import updates
from tests.conftest import ADMIN_ID, Driver


async def feed_at_once(dp: Dispatcher, bot: Bot, *batch: dict[str, Any]) -> None:
    await asyncio.gather(*(dp.feed_raw_update(bot, update) for update in batch))


async def test_two_texts_pasted_back_to_back_fill_their_own_steps(
    driver: Driver, dp: Dispatcher, bot: Bot
) -> None:
    await driver.feed(updates.message("/post", user_id=ADMIN_ID))
    await feed_at_once(
        dp,
        bot,
        updates.message("Встреча подписантов", user_id=ADMIN_ID),
        updates.message("Signatories meet", user_id=ADMIN_ID),
    )
    key = StorageKey(bot_id=bot.id, chat_id=ADMIN_ID, user_id=ADMIN_ID)
    assert await dp.storage.get_state(key) == "PostFlow:zh"
    data = await dp.storage.get_data(key)
    assert (data["ru"], data["en"]) == ("Встреча подписантов", "Signatories meet")


async def test_replies_to_one_chat_come_in_the_order_it_wrote(
    driver: Driver, dp: Dispatcher, bot: Bot, session: LocalSession
) -> None:
    before = len(session.requests)
    await feed_at_once(
        dp,
        bot,
        updates.message("/post", user_id=ADMIN_ID),
        updates.message("/start", user_id=ADMIN_ID),
        updates.message("Kin Phea", user_id=ADMIN_ID),
    )
    texts = [r.text for r in session.requests[before:] if isinstance(r, SendMessage)]
    assert "Russian" in texts[0]  # /post asks for the Russian text
    assert "discarded" in texts[1]  # /start ends the draft, then greets
    assert "Kin Phea" not in texts[2]
    assert "Kin Phea" in texts[-1]  # the card, last
    assert len(texts) == 4
