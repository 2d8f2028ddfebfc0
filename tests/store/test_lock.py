"""One process owns a store: a second bot on the same DATABASE_PATH refuses to start, and a crash frees it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.core.config import Settings
from bot.runtime.app import open_app
from bot.store import StoreError
from tests.bot_api_server import FakeBotAPI
from tests.conftest import ROOT, TOKEN


def bot_env(url: str, database: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": url,
        "DATABASE_PATH": str(database),
        "LOG_LEVEL": "INFO",
    }


async def start_bot(url: str, database: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=bot_env(url, database), cwd=database.parent,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_a_second_app_on_the_same_store_is_refused(settings: Settings) -> None:
    async with AsyncExitStack() as first:
        await open_app(settings, first)
        async with AsyncExitStack() as second:
            with pytest.raises(StoreError) as refused:
                await open_app(settings, second)
    message = str(refused.value)
    assert str(settings.database_path) in message
    assert f"pid {os.getpid()}" in message
    assert "\n" not in message
    async with AsyncExitStack() as again:  # released when the first closed
        await open_app(settings, again)


async def test_a_second_bot_process_exits_2_naming_the_store_and_the_holder(settings: Settings) -> None:
    api = FakeBotAPI()
    url = await api.start()
    try:
        async with AsyncExitStack() as stack:
            await open_app(settings, stack)
            process = await start_bot(url, settings.database_path)
            try:
                _, stderr = await asyncio.wait_for(process.communicate(), 60)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
    finally:
        await api.stop()
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2, lines
    assert lines[-1].startswith("error: DATABASE_PATH:")
    assert str(settings.database_path) in lines[-1]
    assert f"pid {os.getpid()}" in lines[-1]
    assert "Traceback" not in stderr.decode()
    assert not api.calls_of("getupdates")


async def test_a_crashed_holder_leaves_the_store_free(settings: Settings) -> None:
    api = FakeBotAPI()
    url = await api.start()
    settings.prepare_database_dir()
    process = await start_bot(url, settings.database_path)
    try:
        assert process.stderr is not None
        while b"is ready" not in await asyncio.wait_for(process.stderr.readline(), 60):
            pass
        async with AsyncExitStack() as stack:
            with pytest.raises(StoreError, match=f"pid {process.pid}"):
                await open_app(settings, stack)
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 30)
        async with AsyncExitStack() as stack:
            await open_app(settings, stack)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await api.stop()
