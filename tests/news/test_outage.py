"""Telegram down, a token revoked, a chat at fault, a wall clock stepping back: what the broadcaster makes of
each, on a fake clock."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientConnectorError
from aiohttp.client_reqrep import ConnectionKey

from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.core.pacing import SendPacer
from bot.news.repository import Newsroom
from bot.runtime.app import create_bot
from bot.store import Store
from tests.news_support import DRAFT, FakeClock, TimedSession, add_subscriber, make_broadcaster


def refused(method: TelegramMethod[Any]) -> TelegramNetworkError:
    """Telegram unreachable: the connection was never made."""
    exc = TelegramNetworkError(method=method, message="Cannot connect to host api.telegram.org")
    key = ConnectionKey("api.telegram.org", 443, True, True, None, None, None)
    exc.__cause__ = ClientConnectorError(key, OSError(111, "Connection refused"))
    return exc


class OutageSession(TimedSession):
    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.down: tuple[float, float] = (0.0, 0.0)
        self.bad_chats: set[int] = set()
        self.revoked = False
        self.delivered: list[int] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        now = self.clock()
        if isinstance(method, SendMessage):
            self.times.append((now, method))
            if self.revoked:
                raise TelegramUnauthorizedError(method=method, message="Unauthorized")
            if self.down[0] <= now < self.down[1]:
                raise refused(method)
            if int(method.chat_id) in self.bad_chats:
                raise TelegramServerError(method=method, message="Internal Server Error")
            self.delivered.append(int(method.chat_id))
        return await super(TimedSession, self).make_request(bot, method, timeout)


@pytest.fixture
def outage(clock: FakeClock) -> OutageSession:
    return OutageSession(clock)


@pytest.fixture
def obot(settings: Settings, outage: OutageSession) -> Bot:
    unlimited = SendPacer(
        1e9, clock=outage.clock, sleep=outage.clock.sleep, private_interval=0, group_interval=0
    )
    return create_bot(settings, session=outage, pacer=unlimited)


async def states(store: Store, item_id: int) -> dict[str, int]:
    async with store.db.conn.execute(
        "SELECT state, count(*) FROM delivery WHERE item_id = ? GROUP BY state", (item_id,)
    ) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


async def test_a_ten_minute_outage_fails_nothing_and_serves_everyone_once(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, outage: OutageSession, obot: Bot
) -> None:
    for uid in range(1, 201):
        await add_subscriber(store, uid)
    item = await newsroom.items.post(DRAFT, actor="test")
    outage.down = (clock.now + 3.0, clock.now + 603.0)  # after ~75 of 200 at 25/s
    broadcaster = make_broadcaster(newsroom, i18n, clock)

    await broadcaster.drain(obot)

    assert await states(store, item.item_id) == {"sent": 200}
    assert sorted(outage.delivered) == list(range(1, 201))
    during = [t for t, _ in outage.times if outage.down[0] <= t < outage.down[1]]
    # Probes with a capped backoff: a few requests a minute at most, not a stream.
    assert len(during) <= broadcaster.max_in_flight * 20
    gaps = [b - a for a, b in itertools.pairwise(during) if b - a > 1]
    assert max(gaps) <= 60.0 + 1e-6


async def test_a_chat_that_fails_while_others_succeed_fails_alone(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, outage: OutageSession, obot: Bot
) -> None:
    for uid in range(1, 301):
        await add_subscriber(store, uid)
    item = await newsroom.items.post(DRAFT, actor="test")
    outage.bad_chats = {7}
    broadcaster = make_broadcaster(newsroom, i18n, clock, max_attempts=3, backoff=1, outage_patience=120)

    await broadcaster.drain(obot)

    assert await states(store, item.item_id) == {"sent": 299, "failed": 1}
    row = await newsroom.outbox.get(item.item_id, 7)
    assert row is not None
    assert row["state"] == "failed"
    assert "Internal Server Error" in row["last_error"]


async def test_a_revoked_token_stops_the_broadcaster_and_keeps_everything_pending(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    outage: OutageSession,
    obot: Bot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for uid in range(1, 21):
        await add_subscriber(store, uid)
    item = await newsroom.items.post(DRAFT, actor="test")
    outage.revoked = True
    broadcaster = make_broadcaster(newsroom, i18n, clock)

    with caplog.at_level(logging.WARNING):
        await broadcaster.drain(obot)

    assert await states(store, item.item_id) == {"pending": 20}
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1
    assert "401" in lines[0].getMessage()
    assert len(outage.times) <= broadcaster.max_in_flight


async def test_the_wall_clock_stepping_back_does_not_change_the_pace(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, outage: OutageSession, obot: Bot
) -> None:
    for uid in range(1, 101):
        await add_subscriber(store, uid)
    item = await newsroom.items.post(DRAFT, actor="test")
    wall = FakeClock(1_900_000_000.0)
    sent = 0

    def stepping_wall() -> float:
        nonlocal sent
        sent = len(outage.delivered)
        return wall.now - (3600.0 if sent >= 50 else 0.0)  # an hour back, half way through

    start = clock.now
    await make_broadcaster(newsroom, i18n, clock, wall=stepping_wall).drain(obot)

    assert await states(store, item.item_id) == {"sent": 100}
    times = [t for t, _ in outage.times]
    assert times[-1] - start <= 100 / 25 * 1.1
    assert max(b - a for a, b in itertools.pairwise(times)) < 0.5


class RefusingSession(TimedSession):
    """Answers one chat's send with a given exception."""

    def __init__(self, clock: FakeClock, refusals: dict[int, Exception]) -> None:
        super().__init__(clock)
        self.refusals = refusals

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if isinstance(method, SendMessage) and int(method.chat_id) in self.refusals:
            self.times.append((self.clock(), method))
            raise self.refusals[int(method.chat_id)]
        return await super().make_request(bot, method, timeout)


@pytest.mark.parametrize(
    "refusal",
    [
        lambda m: TelegramEntityTooLarge(method=m, message="Request Entity Too Large"),
        lambda m: TelegramNotFound(method=m, message="Not Found"),
        lambda m: TelegramConflictError(method=m, message="Conflict"),
    ],
    ids=["413", "404", "409"],
)
async def test_a_404_409_or_413_fails_its_delivery_and_pauses_nothing(
    store: Store, newsroom: Newsroom, i18n: PoI18n, settings: Settings, clock: FakeClock, refusal: Any
) -> None:
    for uid in range(1, 6):
        await add_subscriber(store, uid)
    session = RefusingSession(clock, {1: refusal(SendMessage(chat_id=1, text="x"))})
    unlimited = SendPacer(1e9, clock=clock, sleep=clock.sleep, private_interval=0, group_interval=0)
    item = (await newsroom.items.post(DRAFT, actor="test")).item_id
    start = clock()
    bot = create_bot(settings, session=session, pacer=unlimited)
    await make_broadcaster(newsroom, i18n, clock, rate=25.0).drain(bot)
    assert (await newsroom.outbox.get(item, 1) or {})["state"] == "failed"  # at once, no retries
    assert [int(m.chat_id) for _, m in session.times if isinstance(m, SendMessage)] == [1, 2, 3, 4, 5]
    assert clock() - start < 1.0  # no outage pause (the first one would be 5 s)


async def test_chat_not_found_unsubscribes_as_a_403_does(
    store: Store, newsroom: Newsroom, i18n: PoI18n, settings: Settings, clock: FakeClock
) -> None:
    for uid in (1, 2):
        await add_subscriber(store, uid)
    gone = TelegramBadRequest(method=SendMessage(chat_id=1, text="x"), message="Bad Request: chat not found")
    session = RefusingSession(clock, {1: gone})
    unlimited = SendPacer(1e9, clock=clock, sleep=clock.sleep, private_interval=0, group_interval=0)
    item = (await newsroom.items.post(DRAFT, actor="test")).item_id
    bot = create_bot(settings, session=session, pacer=unlimited)
    await make_broadcaster(newsroom, i18n, clock).drain(bot)
    assert (await newsroom.outbox.get(item, 1) or {})["state"] == "dropped"
    assert not await store.subscriptions.is_subscribed(1)
    assert await store.subscriptions.is_subscribed(2)
    await newsroom.items.post(DRAFT, actor="test")  # the next item is not tried on that chat again
    assert (await newsroom.outbox.counts())["pending"] == 1
