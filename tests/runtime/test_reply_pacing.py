"""Replies as people meet them: the real Dispatcher, with aiogram's event isolation (one chat's updates one at
a time), against a Bot API stand-in allowing 30 messages a second on a fake clock."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiogram import Bot, Dispatcher
from aiogram.filters import Command
from aiogram.fsm.storage.memory import DisabledEventIsolation, SimpleEventIsolation
from aiogram.methods import SendMessage
from aiogram.types import Message

from bot.core.config import Settings
from bot.core.pacing import SendPacer
from bot.runtime.app import create_bot
from bot.runtime.inflight import PER_SENDER
from tests.news_support import FakeClock
from tests.pacing_support import FloodSession
from tests.updates import message

COMMANDS = ("/start", "/help", "/language")


@pytest.fixture
def session(pacer_clock: FakeClock) -> FloodSession:  # type: ignore[override]
    return FloodSession(pacer_clock, limit=30)


@pytest.fixture
def pacer(pacer_clock: FakeClock) -> SendPacer:
    return SendPacer(clock=pacer_clock, sleep=pacer_clock.sleep)


@pytest.fixture
def bot(settings: Settings, session: FloodSession, pacer: SendPacer) -> Bot:  # type: ignore[override]
    return create_bot(settings, session=session, pacer=pacer)


@pytest.fixture
def isolated(dp: Dispatcher) -> Dispatcher:
    """The Dispatcher as `runtime.app` builds it, with its updates of one chat handled one at a time."""
    if isinstance(dp.fsm.events_isolation, DisabledEventIsolation):
        dp.fsm.events_isolation = SimpleEventIsolation()
    return dp


def replies_to(session: FloodSession, chat: int) -> list[tuple[float, str]]:
    return [(t, m.text) for t, m in session.times if isinstance(m, SendMessage) and m.chat_id == chat]


async def typed(dp: Dispatcher, bot: Bot, clock: FakeClock, texts: list[str], chat: int, gap: float) -> None:
    """`texts` from one person, `gap` seconds apart (fake time), each handled as polling would: a task."""
    tasks = []
    for text in texts:
        tasks.append(asyncio.create_task(dp.feed_raw_update(bot, message(text, user_id=chat))))
        await asyncio.sleep(0)
        clock.now += gap
    await asyncio.gather(*tasks)


async def test_a_burst_of_three_commands_in_an_idle_chat_is_answered_at_once_and_in_order(
    isolated: Dispatcher, bot: Bot, session: FloodSession, pacer_clock: FakeClock
) -> None:
    for command in COMMANDS:  # what each command answers, asked alone in another chat
        await isolated.feed_raw_update(bot, message(command, user_id=2))
    expected = [text for _, text in replies_to(session, 2)]
    assert len(set(expected)) == 3

    started = pacer_clock.now + 10.0  # an idle bot: the other chat's replies are long gone
    pacer_clock.now = started
    await typed(isolated, bot, pacer_clock, list(COMMANDS), chat=1, gap=0.0)
    replies = replies_to(session, 1)
    assert [text for _, text in replies] == expected
    assert all(t - started <= 0.5 for t, _ in replies)  # one second a message would make it 0.0, 1.0, 2.0
    assert session.too_many == 0


async def test_a_two_message_handler_and_a_quick_third_message_are_answered_in_order(
    isolated: Dispatcher, bot: Bot, session: FloodSession, pacer_clock: FakeClock
) -> None:
    async def note_then_screen(event: Message) -> None:
        await event.answer("note")
        await event.answer("screen")

    isolated.message.register(note_then_screen, Command("twice"))
    await isolated.feed_raw_update(bot, message("/help", user_id=2))
    help_text = replies_to(session, 2)[0][1]

    for _ in range(3):  # three rounds: the bucket empties, then refills a message a second
        session.times.clear()
        await typed(isolated, bot, pacer_clock, ["/twice", "/help"], chat=1, gap=0.05)
        assert [text for _, text in replies_to(session, 1)] == ["note", "screen", help_text]
    assert session.delivered[1] == 9
    assert session.too_many == 0


async def test_one_person_pasting_many_messages_cannot_hold_up_the_crowd(
    isolated: Dispatcher,
    bot: Bot,
    session: FloodSession,
    pacer_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    crowd = range(10_000, 10_100)
    pasted = [isolated.feed_raw_update(bot, message(f"text {i}", user_id=1)) for i in range(30)]
    started = pacer_clock.now
    with caplog.at_level(logging.WARNING, logger="bot.runtime.inflight"):
        await asyncio.gather(
            *pasted, *(isolated.feed_raw_update(bot, message("/start", user_id=u)) for u in crowd)
        )
    assert all(session.delivered[uid] == 1 for uid in crowd)
    assert session.delivered[1] == PER_SENDER  # the rest were skipped while those were in flight
    crowd_done = max(t for t, m in session.times if getattr(m, "chat_id", None) in crowd)
    assert crowd_done - started <= len(crowd) / 28 + 1.0
    assert len([r for r in caplog.records if "in flight already" in r.getMessage()]) == 1
