"""A broadcast through any storm Telegram can throw at it (429s, 5xx, dropped connections, 403s, in any
order) ends with every delivery accounted for, every subscriber who could be reached reached exactly
once, and everyone who blocked the bot unsubscribed."""

from __future__ import annotations

import os
from typing import Any

from aiogram.methods import SendMessage, TelegramMethod
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog.library import Catalog
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.core.pacing import SendPacer
from bot.news.repository import Newsroom
from bot.runtime.app import create_bot
from bot.store import Store
from tests.news_support import DRAFT, FakeClock, TimedSession, add_subscriber, make_broadcaster

SUBSCRIBERS = 12
MAX_ATTEMPTS = 4

FAULTS = {
    "429": (429, "Too Many Requests: retry after 2", 2),
    "500": (500, "Internal Server Error", None),
    "drop": (0, "Server disconnected", None),
    "403": (403, "Forbidden: bot was blocked by the user", None),
    "ok": None,
}

settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "long", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@given(storm=st.lists(st.sampled_from(sorted(FAULTS)), max_size=40))
async def test_any_fault_storm_loses_nothing_and_repeats_nothing(
    tmp_path_factory: Any, settings: Settings, i18n: PoI18n, storm: list[str]
) -> None:
    db = tmp_path_factory.mktemp("storm") / "bot.sqlite3"
    store = await Store.open(db)
    catalog = Catalog(store.db)
    newsroom = Newsroom(store.db)
    try:
        await catalog.ensure_content(settings.content_dir)
        for user_id in range(1, SUBSCRIBERS + 1):
            await add_subscriber(store, user_id, language_code=("ru", "en", "zh-hans")[user_id % 3])
        item = await newsroom.items.post(DRAFT, actor="storm")

        clock = FakeClock()
        session = TimedSession(clock)
        delivered: list[int] = []

        def on_success(method: TelegramMethod[Any], result: Any) -> None:
            if isinstance(method, SendMessage):
                delivered.append(int(method.chat_id))

        session.listeners.append(on_success)
        for name in storm:
            fault = FAULTS[name]
            if fault is None:
                session.add_result_for(SendMessage, session.PASS)
            else:
                code, description, retry_after = fault
                session.add_error_for(SendMessage, code, description, retry_after=retry_after)
        bot = create_bot(settings, session=session, pacer=SendPacer(clock=clock, sleep=clock.sleep))
        broadcaster = make_broadcaster(newsroom, i18n, clock, max_attempts=MAX_ATTEMPTS, backoff=1)
        await broadcaster.drain(bot)

        async with store.db.conn.execute(
            "SELECT user_id, state FROM delivery WHERE item_id = ?", (item.item_id,)
        ) as cur:
            states = {row[0]: row[1] for row in await cur.fetchall()}
        assert len(states) == SUBSCRIBERS
        assert set(states.values()) <= {"sent", "dropped", "failed"}, states
        sent = sorted(u for u, s in states.items() if s == "sent")
        assert sorted(delivered) == sent  # each reached subscriber exactly once, no one else
        for user_id, state in states.items():
            if state == "dropped":  # only a 403 drops here: that user is unsubscribed
                assert not await store.subscriptions.is_subscribed(user_id)
            else:
                assert await store.subscriptions.is_subscribed(user_id)
        # A failure needs MAX_ATTEMPTS server faults in a row for one user: only then may one fail.
        if storm.count("500") + storm.count("drop") < MAX_ATTEMPTS:
            assert "failed" not in states.values()
    finally:
        await store.close()
