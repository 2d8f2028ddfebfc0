"""Replies and a broadcast share one budget: 300 people press /start while 2,000 subscribers get a news item,
and a broadcast alone, against a Bot API stand-in allowing 30 messages a second on a fake clock."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher

from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.core.pacing import SendPacer
from bot.news.repository import Newsroom
from bot.runtime.app import create_bot, share_send_budget
from bot.store import Store
from tests.news_support import DRAFT, FakeClock, make_broadcaster
from tests.pacing_support import FloodSession
from tests.updates import message

SUBSCRIBERS = range(100_000, 102_000)
ASKING = range(1, 301)


@pytest.fixture
def session(pacer_clock: FakeClock) -> FloodSession:  # type: ignore[override]
    return FloodSession(pacer_clock, limit=30)


@pytest.fixture
def pacer(pacer_clock: FakeClock) -> SendPacer:
    return SendPacer(clock=pacer_clock, sleep=pacer_clock.sleep)


@pytest.fixture
def bot(settings: Settings, session: FloodSession, pacer: SendPacer) -> Bot:  # type: ignore[override]
    return create_bot(settings, session=session, pacer=pacer)


async def test_replies_arrive_during_a_broadcast_and_the_broadcast_loses_nothing(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    dp: Dispatcher,
    bot: Bot,
    session: FloodSession,
    pacer: SendPacer,
    pacer_clock: FakeClock,
) -> None:
    async with store.db.transaction() as conn:  # 2,000 subscribers in one write, not 6,000
        await conn.executemany(
            "INSERT INTO user (id, language_code) VALUES (?, 'en')", [(u,) for u in SUBSCRIBERS]
        )
        await conn.executemany("INSERT INTO subscription (user_id) VALUES (?)", [(u,) for u in SUBSCRIBERS])
    item = await newsroom.items.post(DRAFT, actor="test")
    broadcaster = make_broadcaster(newsroom, i18n, pacer_clock)
    await share_send_budget(bot, broadcaster)  # as at start-up
    started = pacer_clock.now
    under_way = asyncio.Event()
    asked: list[float] = []

    def count(method: object, result: object) -> None:
        if sum(session.delivered[uid] for uid in SUBSCRIBERS) >= 200:
            under_way.set()

    session.listeners.append(count)

    async def replies() -> None:
        # Bounded: a broadcast that never gets 200 messages out fails here instead of hanging.
        await asyncio.wait_for(under_way.wait(), timeout=60)
        asked.append(pacer_clock.now)
        await asyncio.gather(*(dp.feed_raw_update(bot, message("/start", user_id=uid)) for uid in ASKING))

    await asyncio.gather(broadcaster.drain(bot), replies())

    assert all(session.delivered[uid] == 1 for uid in ASKING)
    assert all(session.delivered[uid] == 1 for uid in SUBSCRIBERS)
    # Replies first: the 300 were answered at the budget's pace, the broadcast waiting meanwhile...
    answered = max(t for t, m in session.times if getattr(m, "chat_id", None) in ASKING)
    assert answered - asked[0] <= len(ASKING) / 28 + 1.0
    # ...and the broadcast took every slot they left: 2,300 messages at ~28 a second.
    assert pacer_clock.now - started <= (len(SUBSCRIBERS) + len(ASKING)) / 27
    progress = await newsroom.outbox.progress(item.item_id)
    assert progress is not None
    assert (progress.sent, progress.failed, progress.dropped) == (len(SUBSCRIBERS), 0, 0)
    assert session.too_many == 0
    assert pacer.retry_afters == 0


async def test_a_free_broadcast_alone_takes_the_whole_budget(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    bot: Bot,
    session: FloodSession,
    pacer: SendPacer,
    pacer_clock: FakeClock,
) -> None:
    subscribers = range(200_000, 200_600)
    async with store.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO user (id, language_code) VALUES (?, 'en')", [(u,) for u in subscribers]
        )
        await conn.executemany("INSERT INTO subscription (user_id) VALUES (?)", [(u,) for u in subscribers])
    await newsroom.items.post(DRAFT, actor="test")
    broadcaster = make_broadcaster(newsroom, i18n, pacer_clock)  # BROADCAST_RATE 25 by default
    await share_send_budget(bot, broadcaster)
    started = pacer_clock.now
    await broadcaster.drain(bot)
    assert all(session.delivered[uid] == 1 for uid in subscribers)
    assert len(subscribers) / (pacer_clock.now - started) >= 0.9 * 30  # 25/s of its own made it 0.83
    assert session.too_many <= 5


async def test_a_paid_broadcast_keeps_its_own_pace(bot: Bot, newsroom: Newsroom, i18n: PoI18n) -> None:
    clock = FakeClock()
    broadcaster = make_broadcaster(newsroom, i18n, clock, rate=800, paid=True)
    await share_send_budget(bot, broadcaster)
    assert not broadcaster.pacer.shared
    assert broadcaster.pacer.eta(800) == 1.0
