"""Per-update cost of the bot as a black box (not a test): `python -m bot` against bare aiogram.

    .venv/bin/python bench/updates.py  # crowds of 2,000 and 10,000 and a sustained 25/s (~12 min on 2 cores)
    .venv/bin/python bench/updates.py --updates 2000 --seconds 10  # one crowd, a shorter sustained run
    .venv/bin/python bench/updates.py --kinds  # 3 repeats, bursts of 2,000 of each kind, budget lifted
    .venv/bin/python bench/updates.py --quick  # --kinds, 1 repeat, bursts of 500

A local Bot-API-compatible server (tests/bot_api_server.py, extended here: per-token update queues served by
long-polling `getUpdates`, answers recorded with their arrival time, Telegram's flood limit: `--limit`
sendMessage/editMessageText a second, 30 by default, 429 beyond) runs in its own process. Each measurement
starts a fresh process polling it, with a fresh temporary DATABASE_PATH and environment (a fake well-formed
BOT_TOKEN, TELEGRAM_API_URL pointing at the server, ADMIN_IDS empty, the working directory a fresh temp
folder): the bot (`python -m bot`, polling, its default LOG_LEVEL=INFO) or bare aiogram (a script this file
writes, BARE_BOT below: a Dispatcher, `start_polling`, and three handlers answering with a fixed short text:
`sendMessage` for any message; for a button press `answerCallbackQuery` and then `editMessageText` of the
pressed message, as the bot's menu buttons do; `answerInlineQuery` with one fixed article).

By default (the crowd and what the bot controls per update):
- a crowd: N `/start` from N new users queued at once (N = 2,000 and 10,000; after a warm-up of 10 and 1.5 s
  of quiet): answered (each once), time to the last answer, 429s, peak RSS (VmHWM) and KiB per waiting reply
  ((VmHWM - VmRSS before the burst) / N). Bare aiogram has no limiter: past the server's 30 a second it gets
  429s and those people get no answer;
- /start from new users at a sustained 25 a second (under the send budget) for `--seconds`: CPU per 1,000
  updates (utime+stime of /proc/<pid>/stat, from the first update to 0.3 s after the last answer) and latency
  p50/p99 (update queued → its answer arrives at the server), as ratios bot / bare.

`--kinds` measures throughput with the send budget lifted (UNPACED_BOT below: bare aiogram has none, and the
bot's would make the bursts measure Telegram's limit, not the work per update; the pacer still runs on every
request, only its rate is out of reach; `--paced` keeps it): cold start, idle RSS, then after a warm-up (100
updates of each kind, other users) three bursts, each queued at once: N `/start` from N new users; N presses
of the main menu's buttons (`MenuCb(action=…).pack()` for every `MenuAction`, on a bot message as Telegram
sends it, from those users); N inline keystrokes (the names of the real participants typed letter by letter
in three languages, from those users). Per burst: answered per second, p50/p99 latency, CPU per 1,000
updates; at the end, peak RSS. Every figure is also given as the ratio bot / bare, per repeat, and the table
shows the median over repeats (and the range) beside the goals.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import math
import os
import statistics
import sys
import tempfile
import time
import tomllib
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN_SECRET = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"  # noqa: S105 - a well-formed fake
CLK_TCK = os.sysconf("SC_CLK_TCK")
WARMUP = 100
SETTLE = 0.3  # seconds after a burst's last answer before its CPU is read
LANGUAGES = ("en", "ru", "zh-hans")
NEW_USERS = 10_000_000  # ids of the burst's new users start here; warm-up users below
CROWDS = (2_000, 10_000)  # /start at once, against the server's limit
SUSTAINED_RATE = 25.0  # /start a second, under the send budget: what the bot costs per update
PYCACHE = Path(tempfile.gettempdir()) / "roundtable-bench-pycache"
ANSWER_KEYS = {  # the request that answers an update, and the field naming that update
    "sendmessage": "chat_id",
    "answercallbackquery": "callback_query_id",
    "answerinlinequery": "inline_query_id",
}
LIMITED = {"sendmessage", "editmessagetext"}

# `python -m bot` with a send budget no burst reaches (the pacer's bookkeeping still runs on every request).
UNPACED_BOT = """
import runpy

import bot.core.pacing as pacing
import bot.runtime.app as app


class Unpaced(pacing.SendPacer):
    def __init__(self, rate=pacing.SEND_RATE, **kwargs):
        super().__init__(1e9, **kwargs)


app.SendPacer = Unpaced
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""

BARE_BOT = '''"""Bare aiogram, for bench/updates.py: a fixed short answer to everything."""

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import (
    CallbackQuery,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
)

TEXT = "Hello from the roundtable."
ARTICLE = InlineQueryResultArticle(
    id="1", title="Roundtable", input_message_content=InputTextMessageContent(message_text=TEXT)
)
dp = Dispatcher()


@dp.message()
async def on_message(message: Message) -> None:
    await message.answer(TEXT)


@dp.callback_query()
async def on_button(callback: CallbackQuery) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(TEXT)


@dp.inline_query()
async def on_inline(query: InlineQuery) -> None:
    await query.answer([ARTICLE], cache_time=30, is_personal=True)


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(
        os.environ["BOT_TOKEN"], session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )
    await dp.start_polling(bot)


asyncio.run(main())
'''


# -- the Bot API server (child process) -------------------------------------------------------------------
@dataclass
class Lane:
    """One bot token's updates and answers."""

    queue: deque[tuple[int, bytes]] = field(default_factory=deque)
    next_id: int = 1
    new_update: asyncio.Event = field(default_factory=asyncio.Event)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    first_poll: float | None = None
    queued_at: float = 0.0
    expected: int = 0
    pending: dict[tuple[str, str], float] = field(default_factory=dict)
    answered: set[tuple[str, str]] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    last_answer: float = 0.0
    last_call: float = 0.0
    duplicates: int = 0
    too_many: int = 0
    error_texts: set[str] = field(default_factory=set)
    error_replies: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    window: deque[float] = field(default_factory=deque)

    def answer(self, key: tuple[str, str], now: float) -> None:
        queued = self.pending.pop(key, None)
        if queued is not None:
            self.latencies.append(now - queued)
            self.last_answer = now
            self.answered.add(key)
            if not self.pending:
                self.done.set()
        elif key in self.answered:
            self.duplicates += 1


def make_server(limit: int) -> Any:
    from aiohttp import web

    from tests.bot_api_server import FakeBotAPI

    class BenchBotAPI(FakeBotAPI):
        """The tests' server with a queue per token, long polls woken at once, answers timed, and
        optionally Telegram's flood limit (`limit` sendMessage/editMessageText a second, then 429)."""

        def __init__(self) -> None:
            super().__init__()
            self.lanes: dict[str, Lane] = {}

        def lane(self, token: str) -> Lane:
            if token not in self.lanes:
                self.lanes[token] = Lane()
            return self.lanes[token]

        async def start(self) -> str:
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_post("/bot{token}/{method}", self._handle)
            app.router.add_post("/ctl/push", self._push)
            app.router.add_get("/ctl/ready", self._ready)
            app.router.add_get("/ctl/result", self._outcome)
            self.runner = web.AppRunner(app, access_log=None)
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}"
            return self.url

        async def _handle(self, request: web.Request) -> web.Response:
            now = time.monotonic()
            lane = self.lane(request.match_info["token"])
            method = request.match_info["method"].lower()
            params = {key: str(value) for key, value in (await request.post()).items()}
            if method == "getupdates":
                return await self._poll(lane, params, now)
            lane.calls[method] += 1
            lane.last_call = now
            if limit and method in LIMITED:
                window = lane.window
                while window and now - window[0] >= 1.0:
                    window.popleft()
                if len(window) >= limit:
                    lane.too_many += 1
                    retry = max(1, math.ceil(window[0] + 1.0 - now))
                    body = {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {retry}",
                        "parameters": {"retry_after": retry},
                    }
                    return web.json_response(body, status=429)
                window.append(now)
            key_field = ANSWER_KEYS.get(method)
            if key_field is not None and params.get("text") in lane.error_texts:
                lane.error_replies += 1  # "Something went wrong": the update failed
            elif key_field is not None:
                lane.answer((method, params.get(key_field, "")), now)
            return web.json_response({"ok": True, "result": self._result(method, params)})

        async def _poll(self, lane: Lane, params: dict[str, str], now: float) -> web.Response:
            if lane.first_poll is None:
                lane.first_poll = now
                lane.ready.set()
            offset = int(params.get("offset") or 0)
            while lane.queue and lane.queue[0][0] < offset:
                lane.queue.popleft()
            if not lane.queue:
                lane.new_update.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lane.new_update.wait(), min(float(params.get("timeout") or 0), 10))
            chunk = [data for _, data in itertools.islice(lane.queue, int(params.get("limit") or 100))]
            body = b'{"ok":true,"result":[' + b",".join(chunk) + b"]}"
            return web.Response(body=body, content_type="application/json")

        async def _push(self, request: web.Request) -> web.Response:
            """Queue a burst at once: [{"update": {...}, "expect": [method, key]}, ...]."""
            data = await request.json()
            lane = self.lane(data["token"])
            now = time.monotonic()
            if not data.get("append"):  # a new burst; `append`: more of the same stream
                lane.pending.clear()
                lane.answered.clear()
                lane.latencies = []
                lane.duplicates = lane.too_many = lane.error_replies = 0
                lane.error_texts = set(data["error_texts"])
                lane.calls.clear()
                lane.queued_at = now
                lane.expected = 0
            lane.expected += len(data["updates"])
            lane.done.clear()
            for item in data["updates"]:
                update = item["update"]
                update["update_id"] = lane.next_id
                lane.queue.append((lane.next_id, json.dumps(update, ensure_ascii=False).encode()))
                lane.next_id += 1
                lane.pending[(item["expect"][0], str(item["expect"][1]))] = now
            lane.new_update.set()
            return web.json_response({"queued_at": now})

        async def _ready(self, request: web.Request) -> web.Response:
            lane = self.lane(request.query["token"])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lane.ready.wait(), float(request.query["timeout"]))
            return web.json_response({"first_poll": lane.first_poll})

        async def _outcome(self, request: web.Request) -> web.Response:
            """Wait until the burst is answered, or until the bot has made no call for `quiet` seconds (it
            gave up), plus `grace` seconds for late repeats."""
            lane = self.lane(request.query["token"])
            quiet = float(request.query["quiet"])
            while not lane.done.is_set() and time.monotonic() - max(lane.queued_at, lane.last_call) < quiet:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lane.done.wait(), 0.5)
            await asyncio.sleep(float(request.query.get("grace", 0)))
            return web.json_response(
                {
                    "expected": lane.expected,
                    "latencies": lane.latencies,
                    "queued_at": lane.queued_at,
                    "last_answer": lane.last_answer,
                    "duplicates": lane.duplicates,
                    "too_many": lane.too_many,
                    "error_replies": lane.error_replies,
                    "calls": dict(lane.calls),
                }
            )

    return BenchBotAPI()


async def serve(limit: int) -> None:
    server = make_server(limit)
    url = await server.start()
    print(url, flush=True)
    await asyncio.Event().wait()


# -- updates, as Telegram sends them ----------------------------------------------------------------------
def user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": f"User{uid}", "language_code": LANGUAGES[uid % 3]}


def chat(uid: int) -> dict[str, Any]:
    return {"id": uid, "type": "private", "first_name": f"User{uid}"}


def start_update(uid: int) -> dict[str, Any]:
    message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": chat(uid),
        "from": user(uid),
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    return {"update": {"message": message}, "expect": ["sendmessage", uid]}


def menu_buttons() -> list[str]:
    from bot.core.callbacks import MenuAction, MenuCb

    return [MenuCb(action=action).pack() for action in MenuAction]


def callback_update(uid: int, data: str, serial: int, buttons: list[str]) -> dict[str, Any]:
    """A press on a button of the bot's greeting (message 2 in the user's chat, sent by the bot)."""
    from tests.bot_api_server import BOT_USER

    keyboard = [[{"text": button, "callback_data": button}] for button in buttons]
    query_id = f"{uid}-{serial}"
    message = {
        "message_id": 2,
        "date": int(time.time()),
        "chat": chat(uid),
        "from": {key: BOT_USER[key] for key in ("id", "is_bot", "first_name", "username")},
        "text": "Welcome to the Asia Roundtable Summit bot.",
        "reply_markup": {"inline_keyboard": keyboard},
    }
    query = {"id": query_id, "from": user(uid), "chat_instance": f"ci{uid}", "data": data, "message": message}
    return {"update": {"callback_query": query}, "expect": ["answercallbackquery", query_id]}


def keystrokes() -> list[str]:
    """Every participant's name in every language, typed letter by letter, each time from an empty query."""
    people = tomllib.loads((ROOT / "content" / "people.toml").read_text(encoding="utf-8"))["person"]
    typed: list[str] = []
    for lang in ("en", "ru", "zh"):
        for person in people:
            name = person["name"][lang]
            typed.extend(name[:length] for length in range(len(name) + 1))
    return typed


def inline_update(uid: int, query: str, serial: int) -> dict[str, Any]:
    query_id = f"{uid}-{serial}"
    inline = {"id": query_id, "from": user(uid), "query": query, "offset": "", "chat_type": "sender"}
    return {"update": {"inline_query": inline}, "expect": ["answerinlinequery", query_id]}


def bursts(first_user: int, count: int) -> dict[str, list[dict[str, Any]]]:
    users = range(first_user, first_user + count)
    buttons = menu_buttons()
    typed = keystrokes()
    return {
        "start": [start_update(uid) for uid in users],
        "button": [
            callback_update(uid, buttons[i % len(buttons)], i, buttons) for i, uid in enumerate(users)
        ],
        "inline": [inline_update(uid, typed[i % len(typed)], i) for i, uid in enumerate(users)],
    }


# -- the measured processes -------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime: every thread of the process


def memory_mib(pid: int, name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(name)


def bot_env(api_url: str, token: str, database: Path, pycache: Path) -> dict[str, str]:
    dropped = ("BOT_", "TELEGRAM_", "DATABASE_", "ADMIN_", "WEBHOOK_", "LOG_", "DEFAULT_", "BROADCAST_")
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith(dropped)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        BOT_TOKEN=token,
        TELEGRAM_API_URL=api_url,
        DATABASE_PATH=str(database),
        ADMIN_IDS="",
        PYTHONPATH=str(ROOT),
        # Both bots' bytecode is compiled by an unmeasured first launch into a cache of this benchmark (the
        # repo gets no .pyc files), so cold starts compare starting, not compiling.
        PYTHONPYCACHEPREFIX=str(pycache),
    )
    return env


class Control:
    def __init__(self, session: Any, url: str) -> None:
        self.session = session
        self.url = url

    async def push(self, token: str, updates: list[dict[str, Any]], *, append: bool = False) -> None:
        data = {"token": token, "updates": updates, "error_texts": error_texts(), "append": append}
        async with self.session.post(f"{self.url}/ctl/push", json=data) as response:
            response.raise_for_status()

    async def ready(self, token: str, timeout: float) -> float | None:
        params = {"token": token, "timeout": str(timeout)}
        async with self.session.get(f"{self.url}/ctl/ready", params=params) as response:
            first: float | None = (await response.json())["first_poll"]
            return first

    async def outcome(self, token: str, quiet: float = 15.0, grace: float = 0.0) -> dict[str, Any]:
        params = {"token": token, "quiet": str(quiet), "grace": str(grace)}
        async with self.session.get(f"{self.url}/ctl/result", params=params) as response:
            result: dict[str, Any] = await response.json()
            return result


@functools.cache
def error_texts() -> list[str]:
    """The bot's "Something went wrong" replies (bot/runtime/errors.py) in every language: such a reply
    means the update failed, so it does not count as its answer."""
    from bot.core.i18n import LOCALES, create_i18n

    i18n = create_i18n(ROOT / "locales", "en")
    texts = (
        "Something went wrong. Please try again or send /help.",
        "Something went wrong. Please try again.",
    )
    return [i18n.gettext(text, locale=locale) for text in texts for locale in LOCALES]


def percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class Runner:
    def __init__(self, control: Control, api_url: str, workdir: Path, *, paced: bool = False) -> None:
        self.paced = paced
        self.control = control
        self.api_url = api_url
        self.workdir = workdir
        self.bare_script = workdir / "bare_bot.py"
        self.bare_script.write_text(BARE_BOT, encoding="utf-8")
        self.serial = itertools.count(1)

    async def launch(
        self, kind: str, *, paced: bool | None = None
    ) -> tuple[asyncio.subprocess.Process, str, float, Path]:
        """Start `kind` ("bot" or "bare"); return it once it polls, with its token and cold start."""
        serial = next(self.serial)
        token = f"{7_000_000 + serial}:{TOKEN_SECRET}"
        folder = self.workdir / f"{serial}-{kind}"
        folder.mkdir()
        paced = self.paced if paced is None else paced
        if kind == "bare":
            command = [str(self.bare_script)]
        else:
            command = ["-m", "bot"] if paced else ["-c", UNPACED_BOT]
        log = folder / "output.log"
        with log.open("wb") as output:
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *command,
                cwd=folder,
                env=bot_env(self.api_url, token, folder / "bot.sqlite3", PYCACHE),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
            )
        first_poll = await self.control.ready(token, timeout=120)
        if first_poll is None or process.returncode is not None:
            await stop(process)
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{kind} did not start polling; its output ends with:\n{tail}")
        return process, token, first_poll - started, log

    async def burst(
        self, process: asyncio.subprocess.Process, token: str, updates: list[dict[str, Any]]
    ) -> dict[str, Any]:
        before = cpu_seconds(process.pid)
        await self.control.push(token, updates)
        outcome = await self.control.outcome(token)
        await asyncio.sleep(SETTLE)
        cpu = cpu_seconds(process.pid) - before
        latencies = outcome["latencies"]
        elapsed = outcome["last_answer"] - outcome["queued_at"]
        return {
            "answered": len(latencies),
            "expected": outcome["expected"],
            "per_second": len(latencies) / elapsed if latencies and elapsed > 0 else 0.0,
            "p50": percentile(latencies, 0.5) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
            "cpu_per_1000": cpu * 1000 / len(updates),
            "too_many": outcome["too_many"],
            "duplicates": outcome["duplicates"],
            "error_replies": outcome["error_replies"],
        }

    async def measure(self, kind: str, count: int) -> dict[str, float]:
        process, token, cold, _log = await self.launch(kind)
        try:
            await asyncio.sleep(1.0)
            figures: dict[str, float] = {"cold": cold, "idle_rss": memory_mib(process.pid, "VmRSS")}
            for updates in bursts(NEW_USERS - WARMUP, WARMUP).values():
                await self.burst(process, token, updates)
            for name, updates in bursts(NEW_USERS, count).items():
                result = await self.burst(process, token, updates)
                if result["answered"] < result["expected"]:
                    print(f"  ! {kind} {name}: {result['answered']} of {result['expected']} answered")
                for key in (
                    "per_second",
                    "p50",
                    "p99",
                    "cpu_per_1000",
                    "too_many",
                    "duplicates",
                    "error_replies",
                ):
                    figures[f"{name}_{key}"] = result[key]
            figures["peak_rss"] = memory_mib(process.pid, "VmHWM")
            return figures
        finally:
            await stop(process)

    async def crowd(self, kind: str, count: int) -> dict[str, float]:
        """`count` /start from different users at once against the server's limit, in a fresh process: how
        many were answered, how long the last took, the 429s, and the memory the waiting took."""
        process, token, _cold, _log = await self.launch(kind, paced=True)
        try:
            await asyncio.sleep(1.0)
            await self.burst(process, token, [start_update(uid) for uid in range(1, 11)])  # warm-up
            await asyncio.sleep(1.5)  # an empty rate window
            before = memory_mib(process.pid, "VmRSS")
            await self.control.push(token, [start_update(NEW_USERS + i) for i in range(count)])
            outcome = await self.control.outcome(token, grace=3.0)
            peak = memory_mib(process.pid, "VmHWM")
        finally:
            await stop(process)
        answered = len(outcome["latencies"])
        return {
            "answered": answered,
            "seconds": outcome["last_answer"] - outcome["queued_at"] if answered else math.nan,
            "too_many": outcome["too_many"],
            "duplicates": outcome["duplicates"],
            "peak_rss": peak,
            "kib_per_waiting": (peak - before) * 1024 / count,
        }

    async def sustained(self, kind: str, rate: float, seconds: float) -> dict[str, float]:
        """/start from new users at a steady `rate` a second for `seconds`: CPU per 1,000 and latency."""
        process, token, _cold, _log = await self.launch(kind, paced=True)
        try:
            await asyncio.sleep(1.0)
            await self.burst(process, token, [start_update(uid) for uid in range(1, 11)])  # warm-up
            await asyncio.sleep(1.5)
            # One update every 1/rate seconds, as evenly as the event loop allows (groups of several at once
            # would measure the send budget's even spacing, not the bot).
            per_step = 1
            step = 1 / rate
            steps = round(seconds * rate)
            users = itertools.count(NEW_USERS)
            before = cpu_seconds(process.pid)
            started = time.monotonic()
            for i in range(steps):
                await self.control.push(
                    token, [start_update(next(users)) for _ in range(per_step)], append=i > 0
                )
                await asyncio.sleep(max(started + (i + 1) * step - time.monotonic(), 0.0))
            outcome = await self.control.outcome(token)
            await asyncio.sleep(SETTLE)
            cpu = cpu_seconds(process.pid) - before
        finally:
            await stop(process)
        latencies = outcome["latencies"]
        return {
            "answered": len(latencies),
            "expected": steps * per_step,
            "cpu_per_1000": cpu * 1000 / (steps * per_step),
            "p50": percentile(latencies, 0.5) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
            "too_many": outcome["too_many"],
        }


async def crowd_report(runner: Runner, sizes: list[int], limit: int, rate: float, seconds: float) -> None:
    if sizes:
        print(f"bursts of /start from different users at once, the server allows {limit}/s:")
        print("| burst | kind | answered | time | 429s | duplicates | peak RSS | KiB per waiting reply |")
        print("|---|---|---|---|---|---|---|---|")
    peaks: dict[int, dict[str, float]] = {}
    for count in sizes:
        for kind in ("bot", "bare"):
            c = await runner.crowd(kind, count)
            peaks.setdefault(count, {})[kind] = c["peak_rss"]
            print(
                f"| {count:,} | {kind} | {c['answered']:,.0f} | {c['seconds']:.1f} s "
                f"(ideal {count / limit:.1f} s) | {c['too_many']:.0f} | {c['duplicates']:.0f} "
                f"| {c['peak_rss']:.0f} MiB | {c['kib_per_waiting']:.1f} |",
                flush=True,
            )
    for count, pair in peaks.items():
        print(f"peak RSS after {count:,}: bot / bare = {pair['bot'] / pair['bare']:.2f} (goal ≤ 1.25)")
    print()
    print(f"/start from new users at a sustained {rate:g}/s for {seconds:g} s:")
    figures = {kind: await runner.sustained(kind, rate, seconds) for kind in ("bot", "bare")}
    print("| figure | bot | bare aiogram | bot / bare |")
    print("|---|---|---|---|")
    for key, label, unit in (
        ("cpu_per_1000", "CPU per 1,000 updates", "s"),
        ("p50", "latency p50", "ms"),
        ("p99", "latency p99", "ms"),
    ):
        bot, bare = figures["bot"][key], figures["bare"][key]
        print(f"| {label} | {bot:.2f} {unit} | {bare:.2f} {unit} | **{bot / bare:.2f}** |")
    for kind, f in figures.items():
        print(f"  {kind}: {f['answered']:.0f} of {f['expected']:.0f} answered, {f['too_many']:.0f} × 429")


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


# -- the report -------------------------------------------------------------------------------------------
@dataclass
class Row:
    label: str
    key: str
    unit: str
    higher_is_better: bool = False
    goal: float | None = None
    issue: str = ""
    digits: int = 1


ROWS = [
    Row("cold start", "cold", "s", goal=1.1, issue="1.13", digits=2),
    Row("idle RSS", "idle_rss", "MiB", goal=1.15, issue="1.43 (239 MiB)", digits=0),
    Row("peak RSS", "peak_rss", "MiB", goal=1.25, issue="1.51", digits=0),
    Row("/start answered/s", "start_per_second", "/s", True, 0.8, "0.33", 0),
    Row("/start p50 latency", "start_p50", "ms", digits=0),
    Row("/start p99 latency", "start_p99", "ms", digits=0),
    Row("/start CPU per 1,000", "start_cpu_per_1000", "s", goal=1.3, issue="2.9", digits=2),
    Row("button answered/s", "button_per_second", "/s", True, 0.8, "0.35", 0),
    Row("button p50 latency", "button_p50", "ms", digits=0),
    Row("button p99 latency", "button_p99", "ms", digits=0),
    Row("button CPU per 1,000", "button_cpu_per_1000", "s", digits=2),
    Row("inline answered/s", "inline_per_second", "/s", True, 0.7, "0.43", 0),
    Row("inline p50 latency", "inline_p50", "ms", digits=0),
    Row("inline p99 latency", "inline_p99", "ms", digits=0),
    Row("inline CPU per 1,000", "inline_cpu_per_1000", "s", digits=2),
]


def report(bot: list[dict[str, float]], bare: list[dict[str, float]]) -> None:
    print()
    print("| figure | bot | bare aiogram | bot / bare (median) | range over repeats | goal | met | issue |")
    print("|---|---|---|---|---|---|---|---|")
    for row in ROWS:
        ratios = [b[row.key] / a[row.key] if a[row.key] else math.nan for b, a in zip(bot, bare, strict=True)]
        ratio = statistics.median(ratios)
        ours = statistics.median(b[row.key] for b in bot)
        theirs = statistics.median(a[row.key] for a in bare)
        goal = met = ""
        if row.goal is not None:
            goal = f"≥ {row.goal:g}" if row.higher_is_better else f"≤ {row.goal:g}×"
            met = "yes" if (ratio >= row.goal if row.higher_is_better else ratio <= row.goal) else "**no**"
        spread = f"{min(ratios):.2f}–{max(ratios):.2f}" if len(ratios) > 1 else ""
        d = row.digits
        print(
            f"| {row.label} | {ours:,.{d}f} {row.unit} | {theirs:,.{d}f} {row.unit} | **{ratio:.2f}** "
            f"| {spread} | {goal} | {met} | {row.issue} |"
        )
    trouble = {
        key: (sum(b[key] for b in bot), sum(a[key] for a in bare))
        for name in ("start", "button", "inline")
        for key in (f"{name}_too_many", f"{name}_duplicates", f"{name}_error_replies")
    }
    if any(any(pair) for pair in trouble.values()):
        print(f"429s, duplicates, 'went wrong' replies (bot, bare; all repeats): {trouble}")


async def run(args: argparse.Namespace) -> None:
    import aiohttp

    server = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", "--limit", str(args.limit), stdout=asyncio.subprocess.PIPE
    )
    assert server.stdout is not None
    api_url = (await server.stdout.readline()).decode().strip()
    started = time.monotonic()
    try:
        timeout = aiohttp.ClientTimeout(total=None)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            with tempfile.TemporaryDirectory(prefix="bench-updates-") as tmp:
                runner = Runner(Control(session, api_url), api_url, Path(tmp), paced=args.paced)
                if not args.kinds:
                    sizes = [] if args.sustained else [args.updates] if args.updates else list(CROWDS)
                    await crowd_report(runner, sizes, args.limit, SUSTAINED_RATE, args.seconds)
                    return
                limit = f", server limit {args.limit}/s" if args.limit else ""
                print(
                    f"{args.repeat} repeat(s), bursts of {args.updates} updates, warm-up {WARMUP} of each "
                    f"kind{limit}; the bot's send budget {'kept' if args.paced else 'lifted'}; "
                    f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
                )
                if not PYCACHE.is_dir():
                    for kind in ("bare", "bot"):  # compiles the bytecode, fills the OS's file cache
                        process, *_ = await runner.launch(kind)
                        await stop(process)
                bot: list[dict[str, float]] = []
                bare: list[dict[str, float]] = []
                for repeat in range(args.repeat):
                    order = ("bare", "bot") if repeat % 2 == 0 else ("bot", "bare")
                    for kind in order:
                        figures = await runner.measure(kind, args.updates)
                        (bot if kind == "bot" else bare).append(figures)
                        print(
                            f"  repeat {repeat + 1} {kind:4}: cold {figures['cold']:.2f} s, "
                            f"idle {figures['idle_rss']:.0f} MiB, peak {figures['peak_rss']:.0f} MiB, "
                            f"/start {figures['start_per_second']:.0f}/s, "
                            f"button {figures['button_per_second']:.0f}/s, "
                            f"inline {figures['inline_per_second']:.0f}/s",
                            flush=True,
                        )
                report(bot, bare)
    finally:
        server.terminate()
        await server.wait()
        print(f"\nwall time {time.monotonic() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="--kinds: bot/bare pairs (default 3)")
    parser.add_argument(
        "--updates", type=int, default=None, help="updates a burst (default 2,000 and 10,000; --kinds 2,000)"
    )
    parser.add_argument("--quick", action="store_true", help="--kinds with --repeat 1 --updates 500")
    parser.add_argument(
        "--seconds", type=float, default=20.0, help=f"the sustained {SUSTAINED_RATE:g}/s run (default 20 s)"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="server flood limit: sendMessage+editMessageText a second"
    )
    parser.add_argument(
        "--sustained", action="store_true", help=f"only the sustained {SUSTAINED_RATE:g}/s run"
    )
    parser.add_argument(
        "--kinds", action="store_true", help="bursts of /start, buttons and inline queries, budget lifted"
    )
    parser.add_argument(
        "--paced", action="store_true", help="the bot keeps its send budget (SEND_RATE) in the bursts"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.limit or 0))
        return
    if args.quick:
        args.kinds, args.repeat, args.updates = True, 1, 500
    if args.kinds:
        args.updates = args.updates or 2000
    elif args.limit is None:
        args.limit = 30
    args.limit = args.limit or 0
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
