"""`python -m bot` as a real process, long polling a local Bot-API-compatible server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests import updates
from tests.bot_api_server import FakeBotAPI
from tests.conftest import CYRILLIC, HAN, ROOT, TOKEN
from tests.processes import communicate


def bot_env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "INFO",
    }


async def start_bot(url: str, tmp_path: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=bot_env(url, tmp_path), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def stop_bot(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    stdout, stderr = await communicate(process, 30)
    return stderr.decode() + stdout.decode()


async def test_polling_answers_start_in_each_language(tmp_path: Path) -> None:
    api = FakeBotAPI()
    url = await api.start()
    process = await start_bot(url, tmp_path)
    try:
        codes = {1: "ru", 2: "en", 3: "zh-hans", 4: "de"}
        for user_id, code in codes.items():
            api.push_update(updates.message("/start", user_id=user_id, language_code=code))
        sent = await api.wait_for("sendmessage", len(codes), timeout=60)
    finally:
        log = await stop_bot(process)
        await api.stop()

    by_chat = {int(m["chat_id"]): m["text"] for m in sent}
    assert CYRILLIC.search(by_chat[1])
    assert not CYRILLIC.search(by_chat[2])
    assert not HAN.search(by_chat[2])
    assert HAN.search(by_chat[3])
    assert not CYRILLIC.search(by_chat[4])
    assert not HAN.search(by_chat[4])
    assert all(m.get("parse_mode") == "HTML" for m in sent)

    assert process.returncode == 0, log
    assert "is ready" in log
    assert "Traceback" not in log
    assert TOKEN.split(":")[1] not in log
    assert api.calls_of("deletewebhook")
    assert api.tokens == {TOKEN}


async def test_polling_survives_server_errors_and_dropped_connections(tmp_path: Path) -> None:
    api = FakeBotAPI()
    url = await api.start()
    api.fail_next("getUpdates", 502, 0, 500)
    process = await start_bot(url, tmp_path)
    try:
        api.push_update(updates.message("/start", user_id=8, language_code="en"))
        sent = await api.wait_for("sendmessage", 1, timeout=60)
    finally:
        log = await stop_bot(process)
        await api.stop()
    assert api.fault_count == 3
    assert sent[0]["chat_id"] == 8
    assert process.returncode == 0, log
    assert TOKEN.split(":")[1] not in log


async def test_wrong_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    api = FakeBotAPI()
    url = await api.start()
    api.fail_next("getMe", 401)
    process = await start_bot(url, tmp_path)
    _, stderr = await communicate(process)
    await api.stop()
    assert process.returncode == 2
    assert stderr.decode().strip().splitlines()[-1].startswith("error: BOT_TOKEN:")
    assert "Traceback" not in stderr.decode()
    assert TOKEN.split(":")[1] not in stderr.decode()
