"""One pacer for everything the bot sends: the schedule alone on a fake clock, then the real Dispatcher
against a Bot API stand-in that allows 30 messages a second (429 beyond) on the same fake clock."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, GetMe, SendMessage

from bot.core.config import Settings
from bot.core.pacing import Pacer, SendPacer, SendSchedule, SendTimedOut, background
from bot.runtime.app import create_bot
from tests.news_support import FakeClock
from tests.pacing_support import FloodSession
from tests.updates import message

# -- the schedule alone ------------------------------------------------------------------------------------


def take_all(schedule: SendSchedule, clock: FakeClock, chats: list[int]) -> list[float]:
    times = []
    for chat in chats:
        clock.now = max(clock.now, schedule.ready_at(), schedule.chat_ready_at(chat))
        schedule.take(chat)
        times.append(clock.now)
    return times


def test_slots_are_evenly_spaced_and_no_second_holds_more_than_the_rate() -> None:
    clock = FakeClock(0.0)
    times = take_all(SendSchedule(30, clock), clock, list(range(1, 301)))
    assert {round(b - a, 9) for a, b in itertools.pairwise(times)} == {round(1 / 30, 9)}
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t - start < 1.0 - 1e-9) <= 30


def test_a_private_chat_has_a_burst_of_three_then_one_a_second_and_a_group_one_in_three() -> None:
    clock = FakeClock(0.0)
    schedule = SendSchedule(30, clock)
    times = take_all(schedule, clock, [5] * 5)
    assert times == pytest.approx([0.0, 1 / 30, 2 / 30, 1.0, 2.0])
    clock.now = 10.0  # the bucket has refilled
    assert take_all(schedule, clock, [5] * 4) == pytest.approx([10.0, 10 + 1 / 30, 10 + 2 / 30, 11.0])
    clock.now = 20.0
    assert take_all(schedule, clock, [-100, -100]) == [20.0, 23.0]
    assert schedule.chat_ready_at(7) == 0.0


def test_a_pause_holds_every_slot() -> None:
    clock = FakeClock(0.0)
    schedule = SendSchedule(30, clock)
    assert schedule.pause(5)
    assert not schedule.pause(2)  # a shorter pause does not shorten it
    assert schedule.ready_at() == 5.0


# -- the broadcaster's pacer, standalone (a paid broadcast) and shared ---------------------------------------


def send_all_paced(pacer: Pacer, clock: FakeClock, count: int) -> list[float]:
    """When each of `count` messages goes if the sender waits exactly what the pacer says."""
    times = []
    for _ in range(count):
        while (delay := pacer.delay()) > 0:
            clock.now += delay
        pacer.take_slot()
        times.append(clock.now)
    return times


def test_messages_are_evenly_spaced_at_the_rate() -> None:
    clock = FakeClock(0.0)
    pacer = Pacer(10.0, clock)
    times = send_all_paced(pacer, clock, 21)
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(times)}
    assert gaps == {0.1}
    assert times[-1] == pytest.approx(2.0)


@pytest.mark.parametrize("rate", [0.5, 2.5, 7.0, 25.0, 30.0])
def test_no_one_second_window_holds_more_than_the_rate(rate: float) -> None:
    clock = FakeClock(0.0)
    times = send_all_paced(Pacer(rate, clock), clock, 100)
    for i, start in enumerate(times):
        in_window = [t for t in times[i:] if t - start < 1.0 - 1e-9]
        assert len(in_window) <= max(1, rate)


def test_after_idling_the_schedule_starts_afresh_instead_of_bursting() -> None:
    clock = FakeClock(0.0)
    pacer = Pacer(10.0, clock)
    send_all_paced(pacer, clock, 3)
    clock.now += 60
    pacer.take_slot()
    assert pacer.delay() == pytest.approx(0.1)


def test_a_chat_waits_a_second_between_its_messages() -> None:
    clock = FakeClock(0.0)
    pacer = Pacer(25.0, clock)
    pacer.sent_to(1)
    assert not pacer.chat_ready(1)
    assert pacer.chat_ready(2)
    clock.now += 0.99
    assert not pacer.chat_ready(1)
    clock.now += 0.01
    assert pacer.chat_ready(1)


def test_a_429_pauses_everything_until_retry_after_and_never_shortens_a_pause() -> None:
    clock = FakeClock(100.0)
    pacer = Pacer(10.0, clock)
    pacer.take_slot()
    assert pacer.pause_all(5) is True
    assert pacer.pause_all(2) is False  # an earlier resume does not cut the pause short
    assert pacer.paused_until == 105.0
    assert pacer.delay() == pytest.approx(5.0)
    assert pacer.eta(20) == pytest.approx(20 / 10 + 5)
    clock.now = 105.0
    assert pacer.delay() == 0.0  # the first slot after the pause is at once
    pacer.take_slot()
    assert pacer.delay() == pytest.approx(0.1)
    assert pacer.eta(20) == pytest.approx(2.0)


def test_a_shared_pacer_leaves_the_pace_to_the_send_budget_and_keeps_its_own_pauses() -> None:
    clock = FakeClock(100.0)
    budget = SendPacer(30.0, clock=clock, sleep=clock.sleep)
    pacer = Pacer(10.0, clock)
    budget.share(pacer)
    for _ in range(50):  # no pace of its own: its messages wait in the SendPacer
        assert pacer.delay() == 0.0
        pacer.take_slot()
    budget.schedule.take(1)  # a reply to chat 1 went: no news to it for a second
    assert not pacer.chat_ready(1)
    assert pacer.chat_ready(2)
    assert pacer.eta(300) == pytest.approx(10.0)  # at the budget's rate, not its own 10/s
    assert pacer.pause_all(5)  # an outage the broadcaster saw: its messages wait, replies do not
    assert pacer.delay() == pytest.approx(5.0)
    assert budget.schedule.paused_until < clock.now
    budget.schedule.pause(8)  # a 429 the SendPacer received holds the broadcast too
    assert pacer.paused_until == 108.0


# -- through the Dispatcher ---------------------------------------------------------------------------------


@pytest.fixture
def session(pacer_clock: FakeClock) -> FloodSession:  # type: ignore[override]
    return FloodSession(pacer_clock, limit=30)


@pytest.fixture
def pacer(pacer_clock: FakeClock) -> SendPacer:
    return SendPacer(clock=pacer_clock, sleep=pacer_clock.sleep)


@pytest.fixture
def bot(settings: Settings, session: FloodSession, pacer: SendPacer) -> Bot:  # type: ignore[override]
    return create_bot(settings, session=session, pacer=pacer)


async def flood(dp: Dispatcher, bot: Bot, users: range) -> None:
    await asyncio.gather(*(dp.feed_raw_update(bot, message("/start", user_id=uid)) for uid in users))


async def test_2000_starts_at_once_are_all_answered_once_in_about_70_seconds(
    dp: Dispatcher,
    bot: Bot,
    session: FloodSession,
    pacer: SendPacer,
    pacer_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A QR code on a conference screen: everyone gets their answer, however long the queue."""
    users = range(10_000, 12_000)
    started = pacer_clock.now
    with caplog.at_level(logging.WARNING):
        await flood(dp, bot, users)
    assert sorted(session.delivered) == list(users)
    assert set(session.delivered.values()) == {1}
    assert session.too_many == 0
    assert 67 <= pacer_clock.now - started <= 75
    assert pacer.waiting == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_429_stops_every_message_for_retry_after_then_sending_resumes(
    dp: Dispatcher, bot: Bot, session: FloodSession, pacer: SendPacer, pacer_clock: FakeClock
) -> None:
    session.add_error_for(SendMessage, 429, "Too Many Requests: retry after 5", retry_after=5)
    await flood(dp, bot, range(1, 41))
    times = session.message_times()
    refused = times[0]
    assert all(t == refused or t >= refused + 5 for t in times)
    assert sorted(session.delivered) == list(range(1, 41))
    assert set(session.delivered.values()) == {1}
    assert pacer.retry_afters == 1


async def test_replies_go_before_background_messages(
    bot: Bot, session: FloodSession, pacer_clock: FakeClock
) -> None:
    async def broadcast() -> None:
        with background():
            await asyncio.gather(*(bot.send_message(uid, "news") for uid in range(50_000, 50_060)))

    async def replies() -> None:
        await asyncio.sleep(0)
        await asyncio.gather(*(bot.send_message(uid, "reply") for uid in range(1, 31)))

    await asyncio.gather(broadcast(), replies())
    order = [m.text for _, m in session.times if isinstance(m, SendMessage)]
    # The broadcast had started; once the replies were queued they took every slot until they were served.
    last_reply = max(i for i, text in enumerate(order) if text == "reply")
    assert order[: last_reply + 1].count("news") <= 2
    assert session.too_many == 0


async def test_a_news_message_does_not_bunch_up_with_replies_in_a_chat(
    bot: Bot, session: FloodSession, pacer_clock: FakeClock
) -> None:
    await asyncio.gather(bot.send_message(5, "reply 1"), bot.send_message(5, "reply 2"))
    with background():
        await bot.send_message(5, "news")
    times = [t for t, m in session.times if isinstance(m, SendMessage)]
    assert times[1] - times[0] < 0.1  # replies: a burst
    assert times[2] - times[1] >= 1.0 - 1e-9  # news: only to a chat whose bucket is full again


async def test_calls_that_send_no_message_are_not_queued(
    bot: Bot, session: FloodSession, pacer_clock: FakeClock
) -> None:
    sends = [asyncio.ensure_future(bot.send_message(uid, "x")) for uid in range(1, 91)]
    await asyncio.sleep(0)
    started = pacer_clock.now
    await bot.answer_callback_query("cq1")
    await bot.get_me()
    assert pacer_clock.now == started  # answered while 90 messages wait for their slots
    await asyncio.gather(*sends)
    assert len(session.requests_of(AnswerCallbackQuery)) == len(session.requests_of(GetMe)) == 1


async def test_a_reply_waits_out_a_long_429_instead_of_being_given_up(
    bot: Bot, session: FloodSession, pacer_clock: FakeClock
) -> None:
    session.add_error_for(SendMessage, 429, "Too Many Requests: retry after 90", retry_after=90)
    started = pacer_clock.now
    await bot.send_message(77, "hello")
    assert session.delivered[77] == 1
    assert pacer_clock.now - started == pytest.approx(90)


async def test_only_memory_bounds_the_queue_and_a_refusal_is_logged_once(
    session: FloodSession, settings: Settings, pacer_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    pacer = SendPacer(clock=pacer_clock, sleep=pacer_clock.sleep, max_waiting=5)
    bot = create_bot(settings, session=session, pacer=pacer)
    with caplog.at_level(logging.WARNING, logger="bot.core.pacing"):
        results = await asyncio.gather(
            *(bot.send_message(1, f"m{i}") for i in range(8)), return_exceptions=True
        )
    refused = [r for r in results if isinstance(r, SendTimedOut)]
    assert len(refused) == 2  # one went at once, five waited, two found the queue full
    assert session.delivered[1] == 6
    lines = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    assert len(lines) == 2
    assert all("chat 1" in line for line in lines)


async def test_waiting_counts_the_messages_waiting_for_a_slot(
    bot: Bot, session: FloodSession, pacer: SendPacer
) -> None:
    sends = [asyncio.ensure_future(bot.send_message(uid, "x")) for uid in range(1, 61)]
    await asyncio.sleep(0)
    assert pacer.waiting == 59  # the first went at once
    await asyncio.gather(*sends)
    assert pacer.waiting == 0


async def test_each_chat_gets_its_messages_in_the_order_they_were_sent_in_a_crowd(
    bot: Bot, session: FloodSession, pacer: SendPacer, pacer_clock: FakeClock
) -> None:
    crowd = [bot.send_message(uid, "crowd") for uid in range(100, 400)]
    mine = [bot.send_message(7, f"mine {i}") for i in range(6)]
    group = [bot.send_message(-5, f"group {i}") for i in range(3)]
    await asyncio.gather(*crowd, *mine, *group)
    texts = [m.text for _, m in session.times if isinstance(m, SendMessage) and m.chat_id in (7, -5)]
    assert [t for t in texts if t.startswith("mine")] == [f"mine {i}" for i in range(6)]
    assert [t for t in texts if t.startswith("group")] == [f"group {i}" for i in range(3)]
    times_7 = [t for t, m in session.times if isinstance(m, SendMessage) and m.chat_id == 7]
    assert times_7[3] - times_7[0] >= 1.0 - 1e-9  # three at once, then one a second
    assert session.too_many == 0


async def test_a_sender_that_stops_waiting_takes_no_slot(
    bot: Bot, session: FloodSession, pacer: SendPacer
) -> None:
    first = [asyncio.ensure_future(bot.send_message(uid, "x")) for uid in range(1, 31)]
    await asyncio.sleep(0)
    gone = asyncio.ensure_future(bot.send_message(99, "gone"))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.gather(*first)
    await bot.send_message(99, "after")
    assert [m.text for _, m in session.times if isinstance(m, SendMessage) and m.chat_id == 99] == ["after"]
    assert pacer.waiting == 0


async def test_a_paid_broadcast_message_is_not_held_to_the_free_budget(
    bot: Bot, session: FloodSession, pacer: SendPacer, pacer_clock: FakeClock
) -> None:
    session.limit = 1000  # what Telegram allows messages sent with allow_paid_broadcast
    started = pacer_clock.now
    with background():
        await asyncio.gather(
            *(bot.send_message(uid, "news", allow_paid_broadcast=True) for uid in range(50_000, 50_100))
        )
    assert pacer_clock.now == started  # 100 at once: none waited for a free slot
    assert len(session.delivered) == 100
    # Replies keep the free budget for themselves: the paid messages took none of its slots, so 28 replies
    # go at once and within the second (100 slots taken would have kept them waiting 100 / 28 s).
    await asyncio.gather(*(bot.send_message(uid, "reply") for uid in range(1, 29)))
    replies = [t for t, m in session.times if isinstance(m, SendMessage) and m.text == "reply"]
    assert replies[0] == started
    assert replies[-1] - started < 1.0


async def test_a_429_on_a_paid_message_goes_to_its_sender_and_replies_do_not_wait(
    bot: Bot, session: FloodSession, pacer: SendPacer, pacer_clock: FakeClock
) -> None:
    session.add_error_for(SendMessage, 429, "Too Many Requests: retry after 5", retry_after=5)
    with background(), pytest.raises(TelegramRetryAfter):
        await bot.send_message(50_000, "news", allow_paid_broadcast=True)
    started = pacer_clock.now
    await bot.send_message(1, "reply")  # the paid limit was hit, not the free one
    assert pacer_clock.now == started
    assert pacer.retry_afters == 0
