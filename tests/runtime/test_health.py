"""/healthz means working and /metrics counts: the health server of polling mode over real HTTP, on a fake
clock (getUpdates failing for two minutes turns it 503, recovery 200), the webhook mode's idle getMe probe,
and the Prometheus page after real updates."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramServerError
from aiogram.methods import GetMe, GetUpdates, SendMessage

from bot.catalog.library import Catalog
from bot.cli import logging_to_stderr
from bot.console.session import LocalSession
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.core.pacing import SendPacer
from bot.news.repository import NewsDraft, Newsroom
from bot.runtime.app import App, create_dispatcher
from bot.runtime.health import Health, HealthServer, replies_waiting
from bot.store import Store
from tests import updates
from tests.bot_api_server import BOT_USER, FakeBotAPI
from tests.conftest import TOKEN
from tests.news_support import FakeClock, add_subscriber
from tests.runtime.test_e2e_polling import bot_env, stop_bot
from tests.runtime.test_webhook import free_port, run_healthcheck


@dataclass
class Checked:
    app: App
    bot: Bot
    session: LocalSession
    clock: FakeClock
    health: Health
    server: HealthServer
    http: aiohttp.ClientSession

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(f"http://127.0.0.1:{self.server.port}{path}") as response:
            return response.status, await response.text()

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(f"http://127.0.0.1:{self.server.port}/healthz") as response:
            return response.status, await response.json()

    async def poll(self, *, fails: bool) -> None:
        """One long poll as aiogram makes it: it takes 10 s of the clock, and fails or answers."""
        self.clock.now += 10
        if fails:
            self.session.add_error_for(GetUpdates, 502, "Bad Gateway")
            with pytest.raises(TelegramServerError):
                await self.bot(GetUpdates(timeout=10))
        else:
            await self.bot(GetUpdates(timeout=10))


async def make_checked(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    bot: Bot,
    session: LocalSession,
    *,
    webhook: bool,
) -> Checked:
    dp = create_dispatcher(settings, store, catalog, newsroom, i18n)
    app = App(settings=settings, store=store, catalog=catalog, newsroom=newsroom, i18n=i18n, dp=dp)
    clock = FakeClock()
    health = Health(app, bot, webhook=webhook, clock=clock)
    server = HealthServer(health)
    # model_copy skips validation: port 0 (any free port) for the test only.
    await server.start(settings.model_copy(update={"health_port": 0}))
    await dp.emit_startup(bot=bot)  # the broadcaster starts, as in a real run
    return Checked(app, bot, session, clock, health, server, aiohttp.ClientSession())


@pytest.fixture
async def checked(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    bot: Bot,
    session: LocalSession,
) -> AsyncIterator[Checked]:
    checked = await make_checked(settings, store, catalog, newsroom, i18n, bot, session, webhook=False)
    yield checked
    await checked.http.close()
    await checked.app.dp.emit_shutdown()
    await checked.server.stop()


async def test_getupdates_failing_for_two_minutes_is_503_and_recovery_200(checked: Checked) -> None:
    await checked.poll(fails=False)
    status, body = await checked.healthz()
    assert status == 200
    assert body["status"] == "ok"
    assert body["telegram"] == "ok"
    assert body["store"] == "ok"
    assert body["broadcaster"] in {"idle", "sending"}

    for _ in range(5):  # 50 s of failing polls: a passing fault, still healthy
        await checked.poll(fails=True)
    assert (await checked.healthz())[0] == 200
    for _ in range(7):  # two minutes in all
        await checked.poll(fails=True)
    status, body = await checked.healthz()
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["telegram"] == "unreachable"
    [reason] = body["reasons"]
    assert "no successful getUpdates for 120 s" in reason
    assert "GetUpdates: 5xx" in reason

    await checked.poll(fails=False)
    status, body = await checked.healthz()
    assert status == 200
    assert "reasons" not in body


async def test_other_answered_calls_do_not_count_as_polling(checked: Checked) -> None:
    """A 409 from a second process polling the same token leaves getMe working: only getUpdates counts."""
    for _ in range(7):
        checked.clock.now += 10
        await checked.bot(GetMe())
    assert (await checked.healthz())[0] == 503


async def test_a_dead_broadcaster_is_503(checked: Checked) -> None:
    await checked.app.dp["broadcaster"].stop()
    status, body = await checked.healthz()
    assert status == 503
    assert body["broadcaster"] == "stopped"
    assert body["reasons"] == ["the broadcaster is not running"]


async def test_a_store_that_does_not_answer_is_503(checked: Checked, store: Store) -> None:
    await checked.app.dp["broadcaster"].stop()
    await store.db.close()
    status, body = await checked.healthz()
    assert status == 503
    assert body["store"] == "unreachable"
    assert "the store does not answer" in body["reasons"]


async def test_webhook_mode_probes_getme_when_idle(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    bot: Bot,
    session: LocalSession,
) -> None:
    checked = await make_checked(settings, store, catalog, newsroom, i18n, bot, session, webhook=True)
    try:
        checked.health.webhook_request()
        probes = len(session.requests_of(GetMe))
        checked.clock.now += 20
        assert (await checked.healthz())[0] == 200
        assert len(session.requests_of(GetMe)) == probes  # a recent request: nothing to ask

        checked.clock.now += 20  # 40 s idle: ask Telegram
        assert (await checked.healthz())[0] == 200
        assert len(session.requests_of(GetMe)) == probes + 1

        for _ in range(4):  # Telegram unreachable for 80 s: each check probes and fails
            checked.clock.now += 20
            session.add_error_for(GetMe, 502, "Bad Gateway")
            status, body = await checked.healthz()
        assert status == 503
        assert "no successful webhook request or getMe" in body["reasons"][0]

        checked.health.webhook_request()  # Telegram posts again
        assert (await checked.healthz())[0] == 200
    finally:
        await checked.http.close()
        await checked.app.dp.emit_shutdown()
        await checked.server.stop()


async def test_metrics_page_counts_updates_replies_errors_and_deliveries(
    checked: Checked, newsroom: Newsroom, store: Store
) -> None:
    dp, bot, session = checked.app.dp, checked.bot, checked.session
    await dp.feed_raw_update(bot, updates.message("/start", user_id=501))
    await dp.feed_raw_update(bot, updates.message("/start", user_id=502))
    await dp.feed_raw_update(bot, updates.inline_query("kin", user_id=503))
    session.add_error_for(SendMessage, 403, "Forbidden: bot was blocked by the user")
    await dp.feed_raw_update(bot, updates.message("/start", user_id=504))
    await add_subscriber(store, 601)
    await add_subscriber(store, 602)
    await dp["broadcaster"].stop()  # the rows stay pending: the lag and the states are read from them
    await newsroom.items.post(NewsDraft({"ru": "Новость", "en": "News", "zh": "新闻"}), actor="test")

    status, text = await checked.get("/metrics")
    assert status == 200
    lines = text.splitlines()
    assert 'roundtable_updates_total{type="message"} 3' in lines
    assert 'roundtable_updates_total{type="inline_query"} 1' in lines
    # Two welcomes, and the error handler's apology to the third (its welcome was refused with a 403).
    assert "roundtable_replies_total 3" in lines
    assert 'roundtable_telegram_errors_total{code="403"} 1' in lines
    assert "roundtable_replies_waiting 0" in lines
    assert 'roundtable_deliveries{state="pending"} 2' in lines
    assert 'roundtable_deliveries{state="sent"} 0' in lines
    lag = next(line for line in lines if line.startswith("roundtable_outbox_lag_seconds "))
    assert 0 <= float(lag.split()[1]) < 60
    assert 'roundtable_handler_seconds_bucket{le="+Inf"} 4' in lines
    assert "roundtable_handler_seconds_count 4" in lines
    assert "# TYPE roundtable_handler_seconds histogram" in lines


async def test_container_healthcheck_follows_the_polling_health_server(checked: Checked) -> None:
    env = {"HEALTH_PORT": str(checked.server.port)}  # no WEBHOOK_URL: polling mode
    assert await run_healthcheck(env) == 0
    await checked.app.dp["broadcaster"].stop()
    assert await run_healthcheck(env) != 0


# -- `python -m bot` as a real process: the health server, JSON logs, the inline-mode warning ---------------


async def test_polling_process_serves_health_and_metrics_and_logs_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(BOT_USER, "supports_inline_queries", False)  # a fresh bot: inline mode off
    api = FakeBotAPI()
    url = await api.start()
    port = free_port()
    env = {**bot_env(url, tmp_path), "HEALTH_PORT": str(port), "LOG_FORMAT": "json"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        api.push_update(updates.message("/start", user_id=5, language_code="en"))
        await api.wait_for("sendmessage", 1, timeout=60)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                status, body = response.status, await response.json()
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                metrics = await response.text()
    finally:
        log = await stop_bot(process)
        await api.stop()
    assert status == 200, body
    assert body["telegram"] == "ok"
    assert 'roundtable_updates_total{type="message"} 1' in metrics.splitlines()
    assert process.returncode == 0, log
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line is one object
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    messages = [e["message"] for e in entries]
    assert any("inline mode is off" in m and "/setinline" in m for m in messages)
    assert any(m.startswith("health at http://127.0.0.1:") for m in messages)
    assert TOKEN.split(":")[1] not in log


def test_the_token_never_reaches_the_log_in_either_format(capsys: pytest.CaptureFixture[str]) -> None:
    secret = TOKEN.split(":")[1]
    for log_format in ("json", "text"):
        with logging_to_stderr("INFO", log_format, [TOKEN]):
            log = logging.getLogger("bot.test")
            log.warning("calling %s/bot%s/getMe", "https://api.telegram.org", TOKEN)
            try:
                raise RuntimeError(f"connect failed: https://api.telegram.org/bot{TOKEN}/getUpdates")
            except RuntimeError:
                log.exception("polling failed")
            log.info("a token of another bot: 987654321:%s", "B" * 35)  # token-shaped: hidden too
        err = capsys.readouterr().err
        assert secret not in err
        assert "B" * 35 not in err
        assert "<hidden>" in err
        if log_format == "json":
            entries = [json.loads(line) for line in err.splitlines()]
            assert [e["level"] for e in entries] == ["WARNING", "ERROR", "INFO"]
            assert "RuntimeError: connect failed" in entries[1]["exception"]


def test_replies_waiting_reads_the_bots_own_send_pacer() -> None:
    bot = Bot("42:TEST", session=LocalSession())
    assert replies_waiting(bot) == 0  # no pacer installed: nothing can wait
    pacer = SendPacer()
    bot.session.middleware(pacer)
    pacer._waiting = 3  # three messages queued for a slot
    assert replies_waiting(bot) == 3
