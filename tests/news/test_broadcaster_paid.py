"""Paid broadcasts (`BROADCAST_PAID`): every message asks for `allow_paid_broadcast`, the pace goes up to
1,000 a second past the bot's free budget of ~30, a 429 still pauses the whole broadcast; and, at that pace,
the rows held `sending` (the only ones a crash can send twice) stay within `max_in_flight`. On a real SQLite
file and a fake clock."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.types import Message

from bot.catalog.library import Catalog
from bot.core.config import Settings, load_settings
from bot.core.i18n import PoI18n
from bot.core.pacing import SendPacer
from bot.news.repository import Newsroom
from bot.runtime.app import create_bot, create_dispatcher
from bot.store import Store
from tests.conftest import TOKEN
from tests.news_support import DRAFT, FakeClock, TimedSession, add_subscriber, make_broadcaster
from tests.pacing_support import FloodSession


async def subscribe_many(store: Store, users: range) -> None:
    async with store.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO user (id, language_code) VALUES (?, ?)",
            [(uid, ("ru", "en", "zh-hans")[uid % 3]) for uid in users],
        )
        await conn.executemany("INSERT INTO subscription (user_id) VALUES (?)", [(uid,) for uid in users])


async def test_a_paid_broadcast_asks_to_pay_for_every_message_and_a_free_one_never(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, pbot: Bot
) -> None:
    for uid in range(1, 6):
        await add_subscriber(store, uid)
    await newsroom.items.post(DRAFT, actor="test", progress=(9001, 77, "en"))
    await make_broadcaster(newsroom, i18n, clock, rate=500, paid=True).drain(pbot)
    await newsroom.items.post(DRAFT, actor="test")
    await make_broadcaster(newsroom, i18n, clock).drain(pbot)

    sends = [m for _, m in timed.times if isinstance(m, SendMessage)]
    assert len(sends) == 10
    assert [m.allow_paid_broadcast for m in sends] == [True] * 5 + [None] * 5
    assert any(isinstance(m, EditMessageText) for _, m in timed.times)  # the progress edit is not a broadcast


async def test_the_settings_make_the_running_bot_s_broadcaster_paid(
    settings: Settings, store: Store, catalog: Catalog, newsroom: Newsroom, i18n: PoI18n
) -> None:
    paid = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        database_path=settings.database_path,
        broadcast_paid=True,
        broadcast_rate=800,
    )
    broadcaster = create_dispatcher(paid, store, catalog, newsroom, i18n)["broadcaster"]
    assert (broadcaster.paid, broadcaster.rate) == (True, 800)
    free = create_dispatcher(settings, store, catalog, newsroom, i18n)["broadcaster"]
    assert (free.paid, free.rate) == (False, 25)


async def test_a_paid_broadcast_goes_at_1000_a_second_past_the_free_budget(
    settings: Settings, store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock
) -> None:
    """Through the bot's own send pacer (free budget 28/s), against a stand-in allowing 1,000 a second."""
    session = FloodSession(clock, limit=1000)
    bot = create_bot(settings, session=session, pacer=SendPacer(clock=clock, sleep=clock.sleep))
    subscribers = range(1, 3001)
    await subscribe_many(store, subscribers)
    item = await newsroom.items.post(DRAFT, actor="test")
    start = clock.now
    await make_broadcaster(newsroom, i18n, clock, rate=1000, paid=True).drain(bot)

    assert sorted(session.delivered) == list(subscribers)
    assert set(session.delivered.values()) == {1}
    assert session.too_many == 0
    times = session.message_times()
    assert all(times[i + 1000] - times[i] >= 1.0 for i in range(len(times) - 1000))
    assert times[-1] - start <= 3000 / 1000 * 1.1  # not 3000 / 28 = 107 s
    progress = await newsroom.outbox.progress(item.item_id)
    assert progress is not None
    assert (progress.sent, progress.left) == (3000, 0)


async def test_a_429_on_a_paid_message_pauses_the_whole_broadcast(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    pbot: Bot,
    shared_pacer: SendPacer,
) -> None:
    for uid in range(1, 21):
        await add_subscriber(store, uid)
    item = await newsroom.items.post(DRAFT, actor="test")
    timed.add_error_for(SendMessage, 429, "Too Many Requests: retry after 7", retry_after=7)
    await make_broadcaster(newsroom, i18n, clock, rate=1000, paid=True, max_in_flight=1).drain(pbot)

    sends = timed.sends()
    refused_at, refused_chat = sends[0]
    assert all(t >= refused_at + 7 for t, _ in sends[1:])
    assert [chat for _, chat in sends].count(refused_chat) == 2
    row = await newsroom.outbox.get(item.item_id, refused_chat)
    assert row is not None
    assert (row["state"], row["attempts"]) == ("sent", 1)  # the 429 is not counted against the delivery
    assert shared_pacer.retry_afters == 0  # the broadcaster took it, not the free budget


@pytest.mark.parametrize("paid", [False, True])
async def test_a_sent_copy_records_its_message_id_its_locale_and_when(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    pbot: Bot,
    paid: bool,
) -> None:
    languages = {
        1: ("ru", None, "ru"),
        2: ("en-US", None, "en"),
        3: ("de", None, "en"),
        4: ("ru", "zh", "zh"),
    }
    for uid, (code, chosen, _) in languages.items():
        await add_subscriber(store, uid, code, locale=chosen)
    item = await newsroom.items.post(DRAFT, actor="test")
    answered: dict[int, tuple[int, float]] = {}

    def on_answer(method: TelegramMethod[Any], result: Any) -> None:
        if isinstance(method, SendMessage) and isinstance(result, Message):
            answered[int(method.chat_id)] = (result.message_id, clock.now)

    timed.listeners.append(on_answer)
    await make_broadcaster(newsroom, i18n, clock, rate=1000 if paid else 25, paid=paid).drain(pbot)

    for uid, (_, _, locale) in languages.items():
        row = await newsroom.outbox.get(item.item_id, uid)
        assert row is not None
        message_id, at = answered[uid]
        assert (row["state"], row["message_id"], row["locale"]) == ("sent", message_id, locale)
        assert at <= row["sent_at"] <= clock.now  # the wall clock (here the fake one) when it was recorded


async def test_the_rows_held_sending_never_exceed_max_in_flight(
    settings: Settings, store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession
) -> None:
    """Claims and results are written in batches, yet a crash at any moment could send again only the rows
    held `sending`: never more than `max_in_flight` of them."""
    await subscribe_many(store, range(1, 401))
    await newsroom.items.post(DRAFT, actor="test")
    reader = sqlite3.connect(settings.database_path)  # another connection: sees what a restart would find
    held: list[int] = []

    def count_sending(method: TelegramMethod[Any], result: Any) -> None:
        if isinstance(method, SendMessage):
            held.append(reader.execute("SELECT count(*) FROM delivery WHERE state = 'sending'").fetchone()[0])

    timed.listeners.append(count_sending)
    bot = create_bot(settings, session=timed, pacer=SendPacer(clock=clock, sleep=clock.sleep))
    try:
        await make_broadcaster(newsroom, i18n, clock, rate=1000, paid=True, max_in_flight=12).drain(bot)
    finally:
        reader.close()
    assert len(held) == 400
    assert max(held) <= 12
    assert max(held) > 1  # several claimed at once: the claims are batched
    assert (await newsroom.outbox.counts())["sent"] == 400


async def test_a_stop_gives_back_the_rows_claimed_and_not_sent(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, pbot: Bot
) -> None:
    await subscribe_many(store, range(1, 101))
    item = await newsroom.items.post(DRAFT, actor="test")
    broadcaster = make_broadcaster(newsroom, i18n, clock, rate=1000, paid=True, max_in_flight=40)

    def stop_after_five(method: TelegramMethod[Any], result: Any) -> None:
        if isinstance(method, SendMessage) and len(timed.sends()) == 5:
            broadcaster._stopping.set()  # what `stop()` sets; the pass then ends between two messages

    timed.listeners.append(stop_after_five)
    await broadcaster.drain(pbot)

    sent = {chat for _, chat in timed.sends()}
    async with store.db.read(
        "SELECT user_id, state, attempts FROM delivery WHERE item_id = ?", (item.item_id,)
    ) as cur:
        rows = {row[0]: (row[1], row[2]) for row in await cur.fetchall()}
    assert 5 <= len(sent) < 40
    assert {rows[uid] for uid in sent} == {("sent", 1)}
    assert {rows[uid] for uid in rows if uid not in sent} == {
        ("pending", 0)
    }  # no attempt spent, none left sending
