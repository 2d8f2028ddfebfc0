"""Benchmark (not a test): the real broadcaster, through a real aiogram Bot, against a local
Bot-API-compatible HTTP server that enforces Telegram's ~30 messages a second (429 with retry_after beyond
that) and where 1% of chats have blocked the bot (403).

    .venv/bin/python bench/broadcast.py              # 5,000 subscribers: about 3-4 minutes at 25/s
    .venv/bin/python bench/broadcast.py --users 500  # a quicker run

The server runs in a child process, so the peak memory printed is the bot process's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"  # noqa: S105 - a dummy for the local server
SERVER_LIMIT = 30  # messages a second, as Telegram enforces for broadcasts
BLOCKED_EVERY = 100  # chat ids divisible by this answer 403: 1%
ADMIN_CHAT = 10_000_000  # receives the progress message (edited every few seconds)


# -- the Bot API server (child process) -------------------------------------------------------------------
class FakeTelegram:
    def __init__(self) -> None:
        self.window: deque[float] = deque()
        self.delivered: Counter[int] = Counter()
        self.blocked: Counter[int] = Counter()
        self.too_many = 0
        self.edits = 0
        self.first = 0.0
        self.last = 0.0
        self.last_to_chat: dict[int, float] = {}
        self.per_chat_violations = 0
        self.message_ids = 0

    def over_limit(self, now: float) -> bool:
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= SERVER_LIMIT:
            self.too_many += 1
            return True
        self.window.append(now)
        return False

    def answer(self, method: str, fields: dict[str, str]) -> dict[str, Any]:
        now = time.monotonic()
        if method == "getMe":
            user = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
            return {"ok": True, "result": user}
        if method not in {"sendMessage", "editMessageText"}:
            return {"ok": True, "result": True}
        if self.over_limit(now):
            return {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        chat = int(fields["chat_id"])
        self.message_ids += 1
        message = {
            "message_id": int(fields.get("message_id") or self.message_ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "text": fields.get("text", ""),
        }
        if method == "editMessageText":
            self.edits += 1
            return {"ok": True, "result": message}
        if chat in self.last_to_chat and now - self.last_to_chat[chat] < 1.0:
            self.per_chat_violations += 1
        self.last_to_chat[chat] = now
        self.first = self.first or now
        self.last = now
        if chat % BLOCKED_EVERY == 0:
            self.blocked[chat] += 1
            return {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        self.delivered[chat] += 1
        return {"ok": True, "result": message}

    def stats(self) -> dict[str, Any]:
        return {
            "delivered": len(self.delivered),
            "repeats": sum(n - 1 for n in self.delivered.values()),
            "blocked_chats": len(self.blocked),
            "blocked_requests": sum(self.blocked.values()),
            "too_many": self.too_many,
            "edits": self.edits,
            "answered": sum(self.delivered.values()) + sum(self.blocked.values()),
            "seconds": self.last - self.first,
            "per_chat_violations": self.per_chat_violations,
        }


async def serve() -> None:
    from aiohttp import web

    telegram = FakeTelegram()

    async def bot_api(request: web.Request) -> web.Response:
        fields = {k: str(v) for k, v in (await request.post()).items()}
        body = telegram.answer(request.match_info["method"], fields)
        # Telegram answers an error with the same HTTP status; aiogram classifies errors by that status.
        return web.json_response(body, status=body.get("error_code", 200))

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(telegram.stats())

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", bot_api)
    app.router.add_get("/stats", stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(port, flush=True)
    await asyncio.Event().wait()


# -- the bot side -----------------------------------------------------------------------------------------
async def subscribe(store: Any, users: int) -> None:
    """Bulk-subscribe synthetic users in all our languages (and one we don't speak)."""
    codes = ("ru", "en", "zh-hans", "de")
    async with store.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO user (id, language_code) VALUES (?, ?)",
            [(uid, codes[uid % len(codes)]) for uid in range(1, users + 1)],
        )
        await conn.executemany(
            "INSERT INTO subscription (user_id) VALUES (?)", [(uid,) for uid in range(1, users + 1)]
        )


async def run(users: int, rate: float) -> None:
    import aiogram  # noqa: F401 - measured first: most of the process's memory is aiogram's models

    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import aiohttp
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.enums import ParseMode

    from bot.core.i18n import create_i18n
    from bot.news.broadcaster import Broadcaster
    from bot.news.repository import NewsDraft, Newsroom
    from bot.store import Store

    server = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", stdout=asyncio.subprocess.PIPE
    )
    assert server.stdout is not None
    port = int((await server.stdout.readline()).decode())
    base = f"http://127.0.0.1:{port}"
    session = AiohttpSession(api=TelegramAPIServer.from_base(base))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "bench.sqlite3")
        newsroom = Newsroom(store.db)
        try:
            await subscribe(store, users)
            i18n = create_i18n(ROOT / "locales", "en")
            broadcaster = Broadcaster(newsroom, i18n, rate=rate)
            await broadcaster.start(bot)
            draft = NewsDraft(
                texts={
                    "ru": "Подписанты инициативы встретились <b>снова</b>.",
                    "en": "The signatories of the initiative met <b>again</b>.",
                    "zh": "倡议签署方<b>再次</b>会面。",
                }
            )
            print(f"{users} subscribers, BROADCAST_RATE={rate:g}/s, limit {SERVER_LIMIT}/s, 1% blocked")
            started = time.monotonic()
            item = await newsroom.items.post(draft, actor="bench", progress=(ADMIN_CHAT, 1, "en"))
            broadcaster.wake()
            shown = started
            while await newsroom.outbox.unfinished():
                await asyncio.sleep(0.5)
                done = await newsroom.outbox.progress(item.item_id)
                if done is not None and time.monotonic() - shown >= 15:
                    shown = time.monotonic()
                    print(f"  … {done.sent} sent, {done.dropped} dropped, {done.left} left", flush=True)
            wall = time.monotonic() - started
            await broadcaster.stop()
            counts = await newsroom.outbox.counts()
            async with aiohttp.ClientSession() as client, client.get(f"{base}/stats") as response:
                server_stats = json.loads(await response.text())
        finally:
            await store.close()
            await session.close()
            server.terminate()
            await server.wait()

    report(users, rate, wall, counts, server_stats, baseline_mb)


def report(
    users: int, rate: float, wall: float, counts: dict[str, int], server: dict[str, Any], baseline_mb: float
) -> None:
    answered = server["answered"]
    achieved = (answered - 1) / server["seconds"] if server["seconds"] > 0 else float("nan")
    expected_blocked = users // BLOCKED_EVERY
    # Every subscriber either got the message or has blocked the bot; anyone else was lost.
    lost = users - server["delivered"] - server["blocked_chats"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = achieved / rate
    print(f"achieved rate        {achieved:.2f} messages/s = {ratio:.3f} × BROADCAST_RATE (goal ≥ 0.95)")
    print(f"delivered            {server['delivered']} (store: {counts['sent']} sent)")
    print(f"dropped (403)        {counts['dropped']} (expected {expected_blocked}; unsubscribed)")
    print(f"failed               {counts['failed']}")
    print(f"lost                 {lost}")
    print(f"repeats              {server['repeats']}")
    print(f"429s received        {server['too_many']}")
    print(f"per-chat < 1 s       {server['per_chat_violations']}")
    print(f"progress edits       {server['edits']}")
    print(f"wall time            {wall:.1f} s")
    print(f"peak memory (bot)    {peak_mb:.0f} MB (importing aiogram alone: {baseline_mb:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=5000, help="subscribers (default 5000)")
    parser.add_argument("--rate", type=float, default=None, help="BROADCAST_RATE (default: the setting, 25)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return
    rate = args.rate
    if rate is None:
        from bot.core.config import load_settings

        rate = load_settings().broadcast_rate
    asyncio.run(run(args.users, rate))


if __name__ == "__main__":
    main()
