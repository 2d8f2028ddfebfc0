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


async def test_polling_answers_start_in_each_language(tmp_path: Path) -> None:
    api = FakeBotAPI()
    url = await api.start()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        codes = {1: "ru", 2: "en", 3: "zh-hans", 4: "de"}
        for user_id, code in codes.items():
            api.push_update(updates.message("/start", user_id=user_id, language_code=code))
        sent = await api.wait_for("sendmessage", len(codes), timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
        await api.stop()

    by_chat = {int(m["chat_id"]): m["text"] for m in sent}
    assert CYRILLIC.search(by_chat[1])
    assert not CYRILLIC.search(by_chat[2])
    assert not HAN.search(by_chat[2])
    assert HAN.search(by_chat[3])
    assert not CYRILLIC.search(by_chat[4])
    assert not HAN.search(by_chat[4])
    assert all(m.get("parse_mode") == "HTML" for m in sent)

    log = stderr.decode() + stdout.decode()
    assert process.returncode == 0, log
    assert "is ready" in log
    assert "Traceback" not in log
    assert TOKEN.split(":")[1] not in log
    assert api.calls_of("deletewebhook")
    assert api.tokens == {TOKEN}
