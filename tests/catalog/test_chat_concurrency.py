"""Polling hands updates to handlers concurrently; the chat surface must survive that on one store."""

from __future__ import annotations

import asyncio

from aiogram.methods import SendMessage

from tests import updates
from tests.conftest import Driver


async def test_concurrent_updates_from_new_users_all_get_answers(driver: Driver) -> None:
    batch = [
        updates.message("/start", user_id=7000 + i, language_code=("ru", "en", "zh")[i % 3])
        for i in range(30)
    ]
    batch += [updates.callback("l:zh", user_id=7100 + i) for i in range(10)]
    await asyncio.gather(*(driver.dp.feed_raw_update(driver.bot, u) for u in batch))
    assert not driver.errors.records, driver.errors.records[0].getMessage()
    assert len([r for r in driver.session.requests if isinstance(r, SendMessage)]) == 30
