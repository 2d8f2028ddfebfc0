"""The broadcaster over a real SQLite file and a LocalSession: languages, pacing, Telegram's errors, and a
kill -9 in the middle of a broadcast followed by a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.methods import EditMessageText, SendMessage

from bot.catalog.library import Catalog
from bot.console.session import LocalSession
from bot.core.config import Settings
from bot.core.i18n import PoI18n, Translator
from bot.core.pacing import SendPacer
from bot.news.broadcaster import Broadcaster
from bot.news.items import render_item
from bot.news.outbox import DeliveryResult, OutboxRepository
from bot.news.repository import NewsDraft, Newsroom
from bot.runtime.app import create_bot, create_dispatcher
from bot.store import Database, Store
from tests.conftest import ROOT, TOKEN, language_of
from tests.news_support import DRAFT, FakeClock, TimedSession, add_subscriber, make_broadcaster
from tests.processes import wait


async def states(store: Store, item_id: int) -> dict[int, str]:
    async with store.db.conn.execute(
        "SELECT user_id, state FROM delivery WHERE item_id = ?", (item_id,)
    ) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


async def test_each_subscriber_gets_the_item_in_their_language(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    expected = {1: "ru", 2: "en", 3: "zh", 4: "en", 5: "zh", 6: "en", 7: "ru"}
    await add_subscriber(store, 1, "ru")
    await add_subscriber(store, 2, "en-US")
    await add_subscriber(store, 3, "zh-hans")
    await add_subscriber(store, 4, "de")  # a language we don't speak: DEFAULT_LOCALE
    await add_subscriber(store, 5, "ru", locale="zh")  # the stored choice wins
    await add_subscriber(store, 6, None)
    await add_subscriber(store, 7, "ru_RU")
    result = await newsroom.items.post(DRAFT, actor="test")
    assert result.recipients == 7

    await make_broadcaster(newsroom, i18n, clock).drain(tbot)

    sent = {int(m.chat_id): m.text for _, m in timed.times if isinstance(m, SendMessage)}
    assert set(sent) == set(expected)
    for chat, locale in expected.items():
        assert language_of(sent[chat]) == locale, sent[chat]
        assert DRAFT.texts[locale] in sent[chat]
        assert "/unsubscribe" in sent[chat]
    assert set((await states(store, result.item_id)).values()) == {"sent"}
    assert not timed.refused


async def test_each_message_is_rendered_once_per_language(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, tbot: Bot
) -> None:
    calls: list[str] = []

    def counting(t: Translator, draft: NewsDraft, created: dt.date) -> str:
        calls.append(t.locale)
        return render_item(t, draft, created)

    for uid in range(1, 31):
        await add_subscriber(store, uid, ("ru", "en", "zh")[uid % 3])
    await newsroom.items.post(DRAFT, actor="test")
    await make_broadcaster(newsroom, i18n, clock, render=counting).drain(tbot)
    assert sorted(calls) == ["en", "ru", "zh"]


async def test_rate_is_never_exceeded_and_no_chat_gets_two_a_second(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    for uid in range(1, 41):
        await add_subscriber(store, uid)
    for _ in range(3):  # three items: each subscriber gets three messages
        await newsroom.items.post(DRAFT, actor="test")
    start = clock()
    await make_broadcaster(newsroom, i18n, clock, rate=10).drain(tbot)

    sends = timed.sends()
    assert len(sends) == 120
    times = [t for t, _ in sends]
    # At most 10 in any one-second window, and close to 10 a second overall.
    assert all(times[i + 10] - times[i] >= 1.0 - 1e-9 for i in range(len(times) - 10))
    assert (times[-1] - start) <= 120 / 10 * 1.05
    by_chat: dict[int, list[float]] = {}
    for t, chat in sends:
        by_chat.setdefault(chat, []).append(t)
    for chat_times in by_chat.values():
        assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(chat_times))


async def test_a_single_subscriber_gets_several_items_a_second_apart(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    await add_subscriber(store, 1)
    for _ in range(3):
        await newsroom.items.post(DRAFT, actor="test")
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    times = [t for t, _ in timed.sends()]
    assert len(times) == 3
    assert times[1] - times[0] >= 1.0
    assert times[2] - times[1] >= 1.0


async def test_429_pauses_the_whole_broadcast_for_retry_after(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    pbot: Bot,
    shared_pacer: SendPacer,
) -> None:
    for uid in range(1, 11):
        await add_subscriber(store, uid)
    item = await newsroom.items.post(DRAFT, actor="test")
    timed.add_error_for(SendMessage, 429, "Too Many Requests: retry after 7", retry_after=7)
    broadcaster = make_broadcaster(newsroom, i18n, clock)

    await broadcaster.drain(pbot)

    sends = timed.sends()
    first_time, refused_chat = sends[0]
    # The send pacer owns 429: nothing at all goes during the pause, then the refused message goes again.
    assert all(t >= first_time + 7 for t, _ in sends[1:])
    assert [chat for _, chat in sends].count(refused_chat) == 2
    assert set((await states(store, item.item_id)).values()) == {"sent"}
    row = await newsroom.outbox.get(item.item_id, refused_chat)
    assert row is not None
    assert row["attempts"] == 1  # the 429 is not counted against the delivery
    assert shared_pacer.retry_afters == 1


async def test_429_with_one_request_in_flight_sends_nothing_during_the_pause(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, pbot: Bot
) -> None:
    for uid in range(1, 6):
        await add_subscriber(store, uid)
    await newsroom.items.post(DRAFT, actor="test")
    timed.add_error_for(SendMessage, 429, "Too Many Requests: retry after 30", retry_after=30)
    await make_broadcaster(newsroom, i18n, clock, max_in_flight=1).drain(pbot)
    times = [t for t, _ in timed.sends()]
    assert len(times) == 6
    assert times[1] - times[0] >= 30


async def test_403_unsubscribes_the_user_and_drops_the_delivery(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    for uid in range(1, 5):
        await add_subscriber(store, uid)
    item = await newsroom.items.post(DRAFT, actor="test")
    timed.add_error_for(SendMessage, 403, "Forbidden: bot was blocked by the user")
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)

    blocked = timed.sends()[0][1]
    assert not await store.subscriptions.is_subscribed(blocked)
    row = await newsroom.outbox.get(item.item_id, blocked)
    assert row is not None
    assert row["state"] == "dropped"
    assert "blocked" in row["last_error"]
    others = {uid: state for uid, state in (await states(store, item.item_id)).items() if uid != blocked}
    assert set(others.values()) == {"sent"}
    assert [chat for _, chat in timed.sends()].count(blocked) == 1  # never retried
    assert (await newsroom.items.post(DRAFT, actor="test")).recipients == 3


async def test_chat_not_found_drops_the_delivery(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    await add_subscriber(store, 1)
    item = await newsroom.items.post(DRAFT, actor="test")
    timed.add_error_for(SendMessage, 400, "Bad Request: chat not found")
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    row = await newsroom.outbox.get(item.item_id, 1)
    assert row is not None
    assert (row["state"], row["last_error"]) == ("dropped", "Bad Request: chat not found")
    assert len(timed.sends()) == 1


async def test_5xx_and_network_errors_pause_with_backoff_and_cost_no_attempt(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    await add_subscriber(store, 1)
    item = await newsroom.items.post(DRAFT, actor="test")
    timed.add_error_for(SendMessage, 502, "Bad Gateway")
    timed.add_error_for(SendMessage, 0, "Connection reset by peer")  # a network error
    await make_broadcaster(newsroom, i18n, clock, backoff=5).drain(tbot)
    times = [t for t, _ in timed.sends()]
    assert len(times) == 3
    assert times[1] - times[0] >= 5
    assert times[2] - times[1] >= 10  # backoff doubles
    row = await newsroom.outbox.get(item.item_id, 1)
    assert row is not None
    assert (row["state"], row["attempts"]) == ("sent", 1)  # no other chat got through: Telegram's fault


async def test_who_unsubscribes_before_delivery_gets_nothing(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    await add_subscriber(store, 1)
    await add_subscriber(store, 2)
    item = await newsroom.items.post(DRAFT, actor="test")
    await store.subscriptions.unsubscribe(2)
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    assert [chat for _, chat in timed.sends()] == [1]
    assert await states(store, item.item_id) == {1: "sent", 2: "dropped"}


async def test_graceful_stop_mid_broadcast_then_restart_sends_the_rest_without_repeats(
    settings: Settings,
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    tbot: Bot,
) -> None:
    for uid in range(1, 31):
        await add_subscriber(store, uid)
    item = await newsroom.items.post(DRAFT, actor="test")
    broadcaster = make_broadcaster(newsroom, i18n, clock)
    stopping: list[asyncio.Task[None]] = []

    def stop_after_ten(method: object, result: object) -> None:
        if isinstance(method, SendMessage) and len(timed.sends()) == 10 and not stopping:
            stopping.append(asyncio.ensure_future(broadcaster.stop()))

    timed.listeners.append(stop_after_ten)
    await broadcaster.drain(tbot)
    await asyncio.gather(*stopping)
    first = [chat for _, chat in timed.sends()]
    left = await states(store, item.item_id)
    assert "sending" not in left.values()  # in-flight requests finished and were recorded
    assert 10 <= len(first) < 30
    assert list(left.values()).count("sent") == len(first)

    session2 = LocalSession()
    bot2 = create_bot(settings, session=session2)
    await make_broadcaster(newsroom, i18n, clock).drain(bot2)
    second = [int(m.chat_id) for m in session2.requests_of(SendMessage)]
    assert sorted(first + second) == list(range(1, 31))  # everyone once, nobody twice


async def test_dispatcher_startup_runs_the_broadcaster_and_it_picks_up_a_shell_post(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    tbot: Bot,
) -> None:
    broadcaster = make_broadcaster(newsroom, i18n, clock)
    dp = create_dispatcher(settings, store, catalog, newsroom, i18n, broadcaster=broadcaster)
    for uid in (1, 2):
        await add_subscriber(store, uid)
    delivered = asyncio.Event()

    def on_send(method: object, result: object) -> None:
        if len(timed.sends()) == 2:
            delivered.set()

    timed.listeners.append(on_send)
    await dp.emit_startup(bot=tbot)
    try:
        assert broadcaster.running
        # `python -m bot news post` writes through its own connection; the running bot polls the outbox.
        other = await Store.open(settings.database_path)
        try:
            await Newsroom(other.db).items.post(DRAFT, actor="shell:test")
        finally:
            await other.close()
        await asyncio.wait_for(delivered.wait(), timeout=30)
    finally:
        await dp.emit_shutdown(bot=tbot)
    assert not broadcaster.running
    assert broadcaster.state == "stopped"
    assert sorted(chat for _, chat in timed.sends()) == [1, 2]


async def test_progress_message_is_edited_until_delivery_ends(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    for uid in range(1, 101):
        await add_subscriber(store, uid, "en")
    item = await newsroom.items.post(DRAFT, actor="telegram:9001", author_id=9001, progress=(9001, 77, "ru"))
    await make_broadcaster(newsroom, i18n, clock, progress_interval=1.0).drain(tbot)
    edits = [m for _, m in timed.times if isinstance(m, EditMessageText)]
    assert len(edits) >= 3
    assert all((m.chat_id, m.message_id) == (9001, 77) for m in edits)
    assert all(language_of(m.text) == "ru" for m in edits)
    assert "осталось" in edits[0].text
    assert f"№{item.item_id}" in edits[-1].text
    assert "Доставлено: 100" in edits[-1].text
    assert all(m.text != n.text for m, n in itertools.pairwise(edits))
    assert (await newsroom.outbox.unfinished()) == []


CRASH_WORKER = """
import asyncio, os, signal, sys
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import SendMessage
from bot.news.broadcaster import Broadcaster
from bot.core.i18n import create_i18n
from bot.console.session import LocalSession
from bot.news.repository import Newsroom
from bot.store import Store

DB, LOG, KILL_AFTER = sys.argv[1], sys.argv[2], int(sys.argv[3])

class Clock:
    now = 1_800_000_000.0
    def __call__(self):
        return self.now
    async def sleep(self, seconds):
        self.now += seconds
        await asyncio.sleep(0)

class KilledSession(LocalSession):
    count = 0
    async def make_request(self, bot, method, timeout=None):
        for _ in range(50):  # latency: other requests start meanwhile, several are in flight
            await asyncio.sleep(0)
        result = await super().make_request(bot, method, timeout)
        if isinstance(method, SendMessage):
            # Telegram has delivered it; the bot is killed before it can record that.
            with open(LOG, "a") as fp:
                fp.write(f"{method.chat_id}\\n")
                fp.flush()
                os.fsync(fp.fileno())
            self.count += 1
            if self.count == KILL_AFTER:
                os.kill(os.getpid(), signal.SIGKILL)
        return result

async def main():
    store = await Store.open(DB)
    clock = Clock()
    i18n = create_i18n("locales", "en")
    bot = Bot("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0", session=KilledSession(),
              default=DefaultBotProperties(parse_mode="HTML"))
    await Broadcaster(Newsroom(store.db), i18n, clock=clock, sleep=clock.sleep, max_in_flight=5).drain(bot)

asyncio.run(main())
"""


async def test_kill_9_mid_broadcast_then_restart_loses_nothing(
    settings: Settings, store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, tmp_path: Path
) -> None:
    subscribers = list(range(1, 61))
    for uid in subscribers:
        await add_subscriber(store, uid, ("ru", "en", "zh")[uid % 3])
    item = await newsroom.items.post(DRAFT, actor="test")
    await store.close()

    log = tmp_path / "delivered-before-kill.txt"
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CRASH_WORKER, str(settings.database_path), str(log), "25", cwd=ROOT
    )
    assert await wait(worker) == -signal.SIGKILL  # a worker that never reaches the kill fails, never hangs
    before = [int(line) for line in log.read_text().split()]
    assert len(before) == 25
    assert len(set(before)) == 25

    restarted = await Store.open(settings.database_path)
    try:
        in_flight = await states(restarted, item.item_id)
        window = [uid for uid, state in in_flight.items() if state == "sending"]
        assert 1 <= len(window) <= 5  # at most max_in_flight rows were in flight at the kill

        session = LocalSession()
        bot = Bot(TOKEN, session=session)
        broadcaster = make_broadcaster(Newsroom(restarted.db), i18n, clock, max_in_flight=5)
        await broadcaster.start(bot)  # what the restarted bot does
        await asyncio.wait_for(broadcaster.wait_idle(), timeout=30)
        await broadcaster.stop()
        after = [int(m.chat_id) for m in session.requests_of(SendMessage)]

        assert set(before) | set(after) == set(subscribers)  # nothing lost
        assert len(after) == len(set(after))
        repeats = set(before) & set(after)
        assert repeats <= set(window)  # the only repeats are the messages in flight at the kill
        assert before[-1] in repeats  # delivered but not yet recorded: sent again
        assert Counter((await states(restarted, item.item_id)).values()) == {"sent": len(subscribers)}
        async with restarted.db.conn.execute("PRAGMA integrity_check") as cur:
            assert (await cur.fetchone())[0] == "ok"
    finally:
        await restarted.close()


async def test_a_news_item_without_subscribers_is_finished_at_once(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, tbot: Bot
) -> None:
    item = await newsroom.items.post(NewsDraft(texts=DRAFT.texts), actor="test")
    assert item.recipients == 0
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    assert await newsroom.outbox.unfinished() == []


async def test_progress_edit_reads_the_figures_after_waiting_for_its_turn(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    """The delivery in flight is recorded while the progress edit waits for its sending slot: the edit
    that follows must not say "being sent … left: 1" about a broadcast that has finished."""
    await add_subscriber(store, 1)
    await newsroom.items.post(DRAFT, actor="telegram:9001", author_id=9001, progress=(9001, 77, "en"))
    recorded = asyncio.Event()
    claimed = False

    class Outbox(OutboxRepository):
        async def claim(self, deliveries: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
            nonlocal claimed
            claimed = True
            return await super().claim(deliveries)

        async def record(self, results: Sequence[DeliveryResult]) -> None:
            await super().record(results)
            if any(r.state == "sent" for r in results):
                timed.times.append((clock(), SendMessage(chat_id=0, text="recorded")))  # a timeline marker
                recorded.set()

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        if claimed:
            await recorded.wait()  # the request in flight ends during any wait after it started

    observed = Newsroom(store.db, outbox=Outbox(store.db))
    await Broadcaster(observed, i18n, clock=clock, sleep=sleep).drain(tbot)

    timeline = [m for _, m in timed.times]
    marker = next(i for i, m in enumerate(timeline) if isinstance(m, SendMessage) and m.chat_id == 0)
    edits_after = [m for m in timeline[marker:] if isinstance(m, EditMessageText)]
    assert edits_after, "the finished broadcast is reported"
    assert all("has been sent" in m.text for m in edits_after), [m.text for m in edits_after]
    assert "Delivered: 1" in edits_after[-1].text
    assert await newsroom.outbox.unfinished() == []


class FlakyOutbox(OutboxRepository):
    """Writing `chat`'s delivery as sent raises "database is locked" `failures` times, as when another
    process holds the database past the busy timeout; each delivery written as sent leaves a marker in the
    timeline."""

    def __init__(self, db: Database, chat: int, failures: int, timed: TimedSession) -> None:
        super().__init__(db)
        self.chat, self.failures, self.timed = chat, failures, timed
        self.calls: list[int] = []  # the chats of every attempted write of a sent delivery

    async def record(self, results: Sequence[DeliveryResult]) -> None:
        sent = [r.user_id for r in results if r.state == "sent"]
        self.calls.extend(sent)
        if self.chat in sent and self.calls.count(self.chat) <= self.failures:
            raise sqlite3.OperationalError("database is locked")
        await super().record(results)
        self.timed.times.extend((0.0, SendMessage(chat_id=-chat, text="recorded")) for chat in sent)


@pytest.mark.parametrize("failures", [1, 2])
async def test_a_delivery_whose_recording_fails_briefly_is_recorded_once_and_not_sent_again(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    tbot: Bot,
    failures: int,
) -> None:
    for uid in (1, 2, 3):
        await add_subscriber(store, uid)
    item = await newsroom.items.post(DRAFT, actor="test")
    outbox = FlakyOutbox(store.db, 2, failures, timed)
    broadcaster = make_broadcaster(Newsroom(store.db, outbox=outbox), i18n, clock, record_backoff=0.3)
    await broadcaster.drain(tbot)

    assert outbox.calls.count(2) == failures + 1
    backoffs = [s for s in clock.slept if s in (0.3, 0.6)]
    assert backoffs == [0.3, 0.6][:failures]  # a short backoff that doubles
    assert set((await states(store, item.item_id)).values()) == {"sent"}
    assert await newsroom.outbox.unfinished() == []
    assert broadcaster.counters.sent == 3

    restarted = make_broadcaster(newsroom, i18n, clock)  # what a restart would do: nothing is left to send
    await restarted.drain(tbot)
    assert sorted(chat for _, chat in timed.sends() if chat > 0) == [1, 2, 3]


async def test_an_outcome_that_cannot_be_recorded_is_kept_and_recorded_before_anything_else_is_sent(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    tbot: Bot,
) -> None:
    await add_subscriber(store, 1)
    await add_subscriber(store, 2)
    item = await newsroom.items.post(DRAFT, actor="test")
    timed.add_error_for(SendMessage, 502, "Bad Gateway")  # chat 1 is tried again in a later pass
    # Two tries in the delivery and one at the end of the pass fail; the next pass writes it first.
    outbox = FlakyOutbox(store.db, 2, 3, timed)
    broadcaster = make_broadcaster(
        Newsroom(store.db, outbox=outbox), i18n, clock, record_attempts=2, backoff=5
    )
    await broadcaster.drain(tbot)

    timeline = [m for _, m in timed.times if isinstance(m, SendMessage)]
    chats = [int(m.chat_id) for m in timeline]
    assert chats == [1, 2, -2, 1, -1]  # chat 2's delivery is recorded before chat 1's second try
    assert outbox.calls.count(2) == 4
    row = await newsroom.outbox.get(item.item_id, 2)
    assert row is not None
    assert (row["state"], row["attempts"]) == ("sent", 1)
    assert await newsroom.outbox.unfinished() == []

    restarted = make_broadcaster(newsroom, i18n, clock)
    await restarted.drain(tbot)
    assert [chat for _, chat in timed.sends() if chat > 0] == [1, 2, 1]  # nobody got it twice
