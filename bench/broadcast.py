"""Benchmark (not a test): the real broadcaster, through a real aiogram Bot (the bot's own session
middlewares: reply retries and the shared send pacer), against a local Bot-API-compatible HTTP server that
enforces Telegram's ~30 messages a second (429 with retry_after beyond that), 1,000 a second for messages sent
with `allow_paid_broadcast`, and where 1% of chats have blocked the bot (403).

    .venv/bin/python bench/broadcast.py              # 5,000 subscribers, free: about 3 minutes (~28/s)
    .venv/bin/python bench/broadcast.py --users 500  # a quicker run
    .venv/bin/python bench/broadcast.py --rate 1000 --users 100000   # a paid broadcast (BROADCAST_PAID)
    .venv/bin/python bench/broadcast.py --rate 1000 --users 10000 --profile /tmp/bot.prof

The server runs in a child process, so the memory printed is the bot process's alone.
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
PAID_LIMIT = 1000  # messages a second sent with allow_paid_broadcast (Telegram bills each one)
BLOCKED_EVERY = 100  # chat ids divisible by this answer 403: 1%
ADMIN_CHAT = 10_000_000  # receives the progress message (edited every few seconds)


# -- the Bot API server (child process) -------------------------------------------------------------------
class FakeTelegram:
    def __init__(self) -> None:
        self.window: deque[float] = deque()
        self.paid_window: deque[float] = deque()
        self.paid = 0
        self.delivered: Counter[int] = Counter()
        self.blocked: Counter[int] = Counter()
        self.too_many = 0
        self.edits = 0
        self.first = 0.0
        self.last = 0.0
        self.last_to_chat: dict[int, float] = {}
        self.per_chat_violations = 0
        self.message_ids = 0

    def over_limit(self, now: float, *, paid: bool) -> bool:
        """Free messages: at most SERVER_LIMIT in any second; paid ones: at most PAID_LIMIT, counted apart."""
        window, limit = (self.paid_window, PAID_LIMIT) if paid else (self.window, SERVER_LIMIT)
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= limit:
            self.too_many += 1
            return True
        window.append(now)
        return False

    def answer(self, method: str, fields: dict[str, str]) -> dict[str, Any]:
        now = time.monotonic()
        if method == "getMe":
            user = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
            return {"ok": True, "result": user}
        if method not in {"sendMessage", "editMessageText"}:
            return {"ok": True, "result": True}
        paid = fields.get("allow_paid_broadcast") == "true"
        self.paid += paid
        if self.over_limit(now, paid=paid):
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
            "paid": self.paid,
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
CODES = ("ru", "en", "zh-hans", "de")
TEXTS = {
    "ru": "Подписанты инициативы встретились <b>снова</b>.",
    "en": "The signatories of the initiative met <b>again</b>.",
    "zh": "倡议签署方<b>再次</b>会面。",
}


async def subscribe(store: Any, users: int) -> None:
    """Bulk-subscribe synthetic users in all our languages (and one we don't speak); the rows are generated
    on the database's thread, so the bot's memory does not grow with them."""
    async with store.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO user (id, language_code) VALUES (?, ?)",
            ((uid, CODES[uid % len(CODES)]) for uid in range(1, users + 1)),
        )
        await conn.execute("INSERT INTO subscription (user_id) SELECT id FROM user")


def start_profile(path: str | None) -> Any:
    if not path:
        return None
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


def rss_mb() -> float:
    """The bot process's resident memory now (Linux), in MB."""
    with open("/proc/self/statm") as fp:
        return int(fp.read().split()[1]) * resource.getpagesize() / 2**20


async def run(users: int, rate: float, paid: bool, profile: str | None) -> None:
    import aiogram  # noqa: F401 - measured first: most of the process's memory is aiogram's models

    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import aiohttp
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.core.config import load_settings
    from bot.core.i18n import create_i18n
    from bot.news.broadcaster import Broadcaster
    from bot.news.repository import NewsDraft, Newsroom
    from bot.runtime.app import create_bot, share_send_budget
    from bot.store import Store

    server = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", stdout=asyncio.subprocess.PIPE
    )
    assert server.stdout is not None
    port = int((await server.stdout.readline()).decode())
    base = f"http://127.0.0.1:{port}"
    # The settings a deployment would have (so a rate the setting refuses is refused here too), and the bot
    # the running bot makes: reply retries and the shared send pacer around the session.
    settings = load_settings(
        _env_file=None, bot_token=TOKEN, telegram_api_url=base, broadcast_rate=rate, broadcast_paid=paid
    )
    session = AiohttpSession(api=TelegramAPIServer.from_base(base))
    bot = create_bot(settings, session=session)
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "bench.sqlite3")
        newsroom = Newsroom(store.db)
        try:
            await subscribe(store, users)
            i18n = create_i18n(ROOT / "locales", "en")
            broadcaster = Broadcaster(
                newsroom, i18n, rate=settings.broadcast_rate, paid=settings.broadcast_paid
            )
            await share_send_budget(bot, broadcaster)  # what the bot's start-up does: one budget
            await broadcaster.start(bot)
            limit = f"{PAID_LIMIT}/s paid" if paid else f"{SERVER_LIMIT}/s"
            print(f"{users} subscribers, BROADCAST_RATE={rate:g}/s, limit {limit}, 1% blocked", flush=True)
            profiler = start_profile(profile)
            started, cpu = time.monotonic(), time.process_time()
            item = await newsroom.items.post(
                NewsDraft(texts=TEXTS), actor="bench", progress=(ADMIN_CHAT, 1, "en")
            )
            broadcaster.wake()
            before_mb, peak_mb = await watch(store, newsroom, item.item_id)
            wall, cpu = time.monotonic() - started, time.process_time() - cpu
            await broadcaster.stop()
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            counts = await newsroom.outbox.counts()
            async with aiohttp.ClientSession() as client, client.get(f"{base}/stats") as response:
                server_stats = json.loads(await response.text())
        finally:
            await store.close()
            await bot.session.close()
            server.terminate()
            await server.wait()

    report(users, rate, paid, wall, cpu, counts, server_stats, (baseline_mb, before_mb, peak_mb))


async def watch(store: Any, newsroom: Any, item_id: int) -> tuple[float, float]:
    """Until the item is delivered, now and then saying how far it got; returns the bot's memory when it
    began and the most it reached meanwhile (MB)."""
    before_mb = rss_mb()
    peak_mb, shown = before_mb, time.monotonic()
    while not await finished(store, item_id):
        await asyncio.sleep(0.5)
        peak_mb = max(peak_mb, rss_mb())
        if time.monotonic() - shown >= 15:
            shown = time.monotonic()
            done = await newsroom.outbox.progress(item_id)
            if done is not None:
                print(
                    f"  … {done.sent} sent, {done.dropped} dropped, {done.left} left, {rss_mb():.0f} MB",
                    flush=True,
                )
    return before_mb, peak_mb


async def finished(store: Any, item_id: int) -> bool:
    """Whether the broadcaster has reported the item delivered (a cheap read: no scan of the outbox)."""
    async with store.db.read("SELECT finished_at IS NOT NULL FROM news_item WHERE id = ?", (item_id,)) as cur:
        row = await cur.fetchone()
    return bool(row and row[0])


def report(
    users: int,
    rate: float,
    paid: bool,
    wall: float,
    cpu: float,
    counts: dict[str, int],
    server: dict[str, Any],
    memory: tuple[float, float, float],
) -> None:
    baseline_mb, before_mb, peak_mb = memory
    answered = server["answered"]
    achieved = (answered - 1) / server["seconds"] if server["seconds"] > 0 else float("nan")
    expected_blocked = users // BLOCKED_EVERY
    # Every subscriber either got the message or has blocked the bot; anyone else was lost.
    lost = users - server["delivered"] - server["blocked_chats"]
    max_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if paid:
        ratio = achieved / rate
        print(f"achieved rate        {achieved:.2f} messages/s = {ratio:.3f} × BROADCAST_RATE (goal ≥ 0.95)")
    else:  # a free broadcast takes what the one send budget leaves: all of it, with nobody chatting
        ratio = achieved / SERVER_LIMIT
        print(f"achieved rate        {achieved:.2f} messages/s = {ratio:.3f} × Telegram's 30/s (goal ≥ 0.9)")
    print(f"delivered            {server['delivered']} (store: {counts['sent']} sent)")
    print(f"dropped (403)        {counts['dropped']} (expected {expected_blocked}; unsubscribed)")
    print(f"failed               {counts['failed']}")
    print(f"lost                 {lost}")
    print(f"repeats              {server['repeats']}")
    print(f"429s received        {server['too_many']}{'' if paid else ' (goal ≤ 5)'}")
    print(f"paid requests        {server['paid']}")
    print(f"per-chat < 1 s       {server['per_chat_violations']}")
    print(f"progress edits       {server['edits']}")
    print(f"wall time            {wall:.1f} s")
    per_user = cpu / users * 1e6
    print(f"bot CPU              {cpu:.1f} s = {cpu / wall:.0%} of one core, {per_user:.0f} µs a subscriber")
    print(f"memory (bot)         {before_mb:.0f} MB at the post, {peak_mb:.0f} MB at most while sending")
    print(f"peak memory (bot)    {max_mb:.0f} MB (importing aiogram alone: {baseline_mb:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=5000, help="subscribers (default 5000)")
    parser.add_argument("--rate", type=float, default=None, help="BROADCAST_RATE (default: the setting, 25)")
    parser.add_argument(
        "--paid",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="BROADCAST_PAID (default: on when --rate is above the free 30 a second)",
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile the bot side of the broadcast into FILE")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return
    rate = args.rate
    if rate is None:
        from bot.core.config import load_settings

        rate = load_settings().broadcast_rate
    paid = args.paid if args.paid is not None else rate > SERVER_LIMIT
    asyncio.run(run(args.users, rate, paid, args.profile))


if __name__ == "__main__":
    main()
