"""Deploys and restarts lose no update: SIGTERM in the middle of a busy queue, then a restart."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.core.config import Settings
from bot.runtime.polling import run_polling
from tests import updates
from tests.bot_api_server import FakeBotAPI
from tests.conftest import ROOT, TOKEN

USERS = 300


def bot_env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "INFO",
    }


class BotProcess:
    """`python -m bot` with its log read as it comes (a full pipe would stall it)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self.ready = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, url: str, tmp_path: Path) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=bot_env(url, tmp_path), cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        bot = cls(process)
        await asyncio.wait_for(bot.ready.wait(), 60)
        return bot

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode())
            if "is ready" in self.lines[-1]:
                self.ready.set()
        self.ready.set()

    async def stop(self) -> str:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        await self._reader
        return "".join(self.lines)

    @property
    def returncode(self) -> int | None:
        return self.process.returncode


async def test_sigterm_mid_queue_then_restart_answers_everyone_exactly_once(tmp_path: Path) -> None:
    api = FakeBotAPI()
    url = await api.start()
    try:
        for user_id in range(1, USERS + 1):
            api.push_update(updates.message("/start", user_id=user_id, language_code="en"))
        # Telegram slow to confirm messages: the answers pile up in flight (the session has 100 connections),
        # so the stop finds handlers that have taken their update and not sent their answer yet.
        gate = api.hold("sendMessage")
        first = await BotProcess.start(url, tmp_path)
        try:
            await api.wait_for("sendmessage", 90, timeout=60)
            first.process.send_signal(signal.SIGTERM)
            gate.set()
        finally:
            first_log = await first.stop()
        answered_by_first = len(api.calls_of("sendmessage"))

        second = await BotProcess.start(url, tmp_path)
        try:
            # Everyone not answered yet must still be waiting at the server for the second process.
            with contextlib.suppress(TimeoutError):
                await api.wait_for("sendmessage", USERS, timeout=60)
        finally:
            second_log = await second.stop()
    finally:
        await api.stop()

    assert first.returncode == 0, first_log
    assert second.returncode == 0, second_log
    answers = collections.Counter(int(m["chat_id"]) for m in api.calls_of("sendmessage"))
    lost = sorted(set(range(1, USERS + 1)) - set(answers))
    twice = sorted(chat for chat, n in answers.items() if n > 1)
    assert not lost, f"{len(lost)} users never answered (the first process answered {answered_by_first})"
    assert not twice, f"{len(twice)} users answered twice"
    assert "Traceback" not in first_log + second_log


async def test_a_stuck_handler_delays_a_stop_only_for_the_drain_timeout(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    api = FakeBotAPI()
    url = await api.start()
    gate = api.hold("sendMessage")  # the answer goes out, Telegram never confirms it
    settings = settings.model_copy(update={"telegram_api_url": url})
    try:
        api.push_update(updates.message("/start", user_id=5, language_code="en"))
        polling = asyncio.create_task(run_polling(settings, drain_timeout=0.2))
        await api.wait_for("sendmessage", 1, timeout=30)
        with caplog.at_level(logging.WARNING, logger="bot.runtime.polling"):
            os.kill(os.getpid(), signal.SIGTERM)  # aiogram's handler on this loop takes it
            await asyncio.wait_for(polling, 30)
    finally:
        gate.set()
        await api.stop()
    assert any("still running" in r.getMessage() for r in caplog.records)


async def test_polling_handles_a_bounded_number_of_updates_at_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crowd waits at Telegram, not as suspended handlers: aiogram's `tasks_concurrency_limit`."""
    monkeypatch.setattr("bot.runtime.polling.HANDLER_TASKS", 5)
    api = FakeBotAPI()
    url = await api.start()
    gate = api.hold("sendMessage")  # every handler is stuck on its answer until the gate opens
    settings = settings.model_copy(update={"telegram_api_url": url})
    try:
        for uid in range(1, 13):
            api.push_update(updates.message("/start", user_id=uid, language_code="en"))
        polling = asyncio.create_task(run_polling(settings, drain_timeout=5))
        await api.wait_for("sendmessage", 5, timeout=30)
        with pytest.raises(TimeoutError):  # no sixth handler starts while five are running
            await api.wait_for("sendmessage", 6, timeout=1.5)
        gate.set()
        answered = await api.wait_for("sendmessage", 12, timeout=30)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(polling, 30)
    finally:
        gate.set()
        await api.stop()
    assert sorted(int(call["chat_id"]) for call in answered) == list(range(1, 13))
