"""Webhook mode served on 127.0.0.1 with real HTTP requests: the secret guards dispatch, /healthz tells the
truth, a stop finishes the update in flight before the shutdown hooks, and the CLI refuses to start without
a secret."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, F, Router
from aiogram.methods import SendMessage, SetWebhook
from aiogram.types import Message
from aiohttp import web
from pydantic import SecretStr

from bot.catalog.library import Catalog
from bot.console.session import LocalSession
from bot.core.config import Settings, SettingsError
from bot.core.i18n import PoI18n
from bot.news.repository import Newsroom
from bot.runtime.app import App, create_bot, create_dispatcher
from bot.runtime.webhook import WebhookServer, serve_webhook
from bot.store import Store
from tests import updates
from tests.conftest import ROOT, TOKEN, Cli
from tests.processes import reap, wait

SECRET = "s3cret_Token-for-tests"
HOOK_URL = "https://bot.example.org/tg/hook"


@dataclass
class Served:
    server: WebhookServer
    app: App
    session: LocalSession
    http: aiohttp.ClientSession
    stop: asyncio.Event
    task: asyncio.Task[None]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> aiohttp.ClientResponse:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with self.http.post(f"{self.base}/tg/hook", json=update, headers=headers) as response:
            await response.read()
            return response

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(f"{self.base}/healthz") as response:
            return response.status, await response.json()


def webhook_settings(settings: Settings) -> Settings:
    # model_copy skips validation, so port 0 (any free port) is allowed here, for the test only.
    return settings.model_copy(
        update={
            "webhook_url": HOOK_URL,
            "webhook_secret": SecretStr(SECRET),
            "webhook_host": "127.0.0.1",
            "webhook_port": 0,
        }
    )


async def start_serving(app: App, bot: Bot, session: LocalSession) -> Served:
    stop = asyncio.Event()
    ready: asyncio.Future[WebhookServer] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve_webhook(app, bot, stop, on_ready=ready.set_result, drain_timeout=10))
    await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # raises what made the server fail to start
    return Served(ready.result(), app, session, aiohttp.ClientSession(), stop, task)


@pytest.fixture
async def served(
    settings: Settings,
    store: Store,
    newsroom: Newsroom,
    catalog: Catalog,
    i18n: PoI18n,
    session: LocalSession,
) -> AsyncIterator[Served]:
    hooked = webhook_settings(settings)
    app = App(
        settings=hooked,
        store=store,
        catalog=catalog,
        newsroom=newsroom,
        i18n=i18n,
        dp=create_dispatcher(hooked, store, catalog, newsroom, i18n),
    )
    served = await start_serving(app, create_bot(hooked, session=session), session)
    yield served
    await served.http.close()
    served.stop.set()
    await served.task


async def test_set_webhook_on_start_with_secret_and_used_updates(served: Served) -> None:
    [request] = served.session.requests_of(SetWebhook)
    assert request.url == HOOK_URL
    assert request.secret_token == SECRET
    assert request.allowed_updates == served.app.dp.resolve_used_update_types()
    assert request.drop_pending_updates is False


async def test_good_secret_is_dispatched(served: Served) -> None:
    response = await served.post(updates.message("/start", user_id=77, language_code="ru"))
    assert response.status == 200
    replies = [r for r in served.session.requests_of(SendMessage) if r.chat_id == 77]
    assert replies, "the update was not dispatched"
    assert "Здравствуйте" in replies[0].text


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
async def test_wrong_or_missing_secret_gets_401_and_nothing_dispatched(
    served: Served, store: Store, secret: str | None
) -> None:
    users_before = await store.users.count()
    requests_before = len(served.session.requests)
    response = await served.post(updates.message("/start", user_id=78), secret=secret)
    assert response.status == 401
    assert len(served.session.requests) == requests_before
    assert await store.users.count() == users_before  # not even the locale middleware saw it


async def test_healthz_reports_store_and_content(served: Served, store: Store, catalog: Catalog) -> None:
    status, body = await served.health()
    assert status == 200
    assert body["status"] == "ok"
    assert body["store"] == "ok"
    assert body["content_version"] == catalog.content.version
    assert body["broadcaster"] in {"idle", "sending"}  # started by the dispatcher's startup hook

    await store.close()
    status, body = await served.health()
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["store"] == "unreachable"


async def test_metrics_and_liveness_on_the_webhook_server(served: Served) -> None:
    liveness = served.server.health.liveness
    before = liveness.last_ok
    assert (await served.post(updates.message("/start", user_id=81))).status == 200
    assert liveness.last_ok is not None
    assert before is not None
    assert liveness.last_ok > before  # Telegram's request counts as Telegram reaching us
    async with served.http.get(f"{served.base}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        lines = (await response.text()).splitlines()
    assert 'roundtable_updates_total{type="message"} 1' in lines
    assert "roundtable_replies_total 1" in lines


async def test_stop_finishes_the_update_in_flight_before_shutdown(
    settings: Settings,
    store: Store,
    newsroom: Newsroom,
    catalog: Catalog,
    i18n: PoI18n,
    session: LocalSession,
) -> None:
    hooked = webhook_settings(settings)
    dp = create_dispatcher(hooked, store, catalog, newsroom, i18n)
    entered, release = asyncio.Event(), asyncio.Event()
    order: list[str] = []
    slow = Router(name="slow")

    @slow.message(F.text == "slow")
    async def handle_slowly(message: Message) -> None:
        entered.set()
        await release.wait()
        await message.answer("done slowly")
        order.append("update finished")

    async def on_shutdown() -> None:
        order.append("shutdown hooks")

    slow.shutdown.register(on_shutdown)
    dp.include_router(slow)
    dp.sub_routers.insert(0, dp.sub_routers.pop())  # before any catch-all of the real routers
    app = App(settings=hooked, store=store, catalog=catalog, newsroom=newsroom, i18n=i18n, dp=dp)
    served = await start_serving(app, create_bot(hooked, session=session), session)
    try:
        in_flight = asyncio.create_task(served.post(updates.message("slow", user_id=79)))
        await entered.wait()
        served.stop.set()  # what SIGTERM does
        async with asyncio.timeout(10):
            await served.server.handler.drain_started.wait()
        assert not served.task.done()
        assert order == []
        release.set()
        response = await in_flight
        await served.task
    finally:
        await served.http.close()
    assert response.status == 200
    assert order == ["update finished", "shutdown hooks"]
    assert [r.text for r in session.requests_of(SendMessage) if r.chat_id == 79] == ["done slowly"]
    assert session.closed


def test_cli_refuses_webhook_mode_without_secret(cli: Cli, tmp_path: Path) -> None:
    env = {"BOT_TOKEN": TOKEN, "WEBHOOK_URL": HOOK_URL, "DATABASE_PATH": str(tmp_path / "db.sqlite3")}
    result = cli(env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("error: WEBHOOK_SECRET:")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()  # refused before touching anything


def test_cli_rejects_a_malformed_webhook_url(cli: Cli, tmp_path: Path) -> None:
    env = {"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "bot.example.org", "WEBHOOK_SECRET": SECRET}
    result = cli(env={**env, "DATABASE_PATH": str(tmp_path / "db.sqlite3")})
    assert result.returncode == 2
    assert result.stderr.startswith("error: WEBHOOK_URL:")
    assert result.stderr.count("\n") == 1


# -- the whole process: python -m bot with WEBHOOK_URL, against a Bot API stand-in on 127.0.0.1 ------------


class FakeBotAPI:
    """Just enough of the Bot API over HTTP for the bot to start, reply and stop."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.message_ids = iter(range(1, 1_000_000))

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.calls.append((method, form))
        result: Any = True
        if method == "getMe":
            result = {"id": 424242, "is_bot": True, "first_name": "Roundtable", "username": "roundtable_bot"}
        elif method == "sendMessage":
            result = {
                "message_id": next(self.message_ids),
                "date": 0,
                "chat": {"id": int(form["chat_id"]), "type": "private"},
                "text": form["text"],
            }
        elif method.startswith("getMy"):
            result = {"getMyCommands": [], "getMyDescription": {"description": ""}}.get(
                method, {"short_description": ""}
            )
        return web.json_response({"ok": True, "result": result})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def fake_api() -> AsyncIterator[tuple[FakeBotAPI, str]]:
    api = FakeBotAPI()
    web_app = web.Application()
    web_app.router.add_post("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield api, f"http://127.0.0.1:{site.port}"
    await runner.cleanup()


async def test_process_serves_webhooks_and_stops_cleanly_on_sigterm(
    tmp_path: Path, fake_api: tuple[FakeBotAPI, str]
) -> None:
    api, api_url = fake_api
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "WEBHOOK_URL": HOOK_URL,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    log: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("is ready" in line for line in log):
                line = (await process.stderr.readline()).decode()
                assert line, "the bot exited before it was ready:\n" + "".join(log)
                log.append(line)
            async with aiohttp.ClientSession() as http:
                update = updates.message("/start", user_id=80, language_code="zh-hans")
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                async with http.post(f"http://127.0.0.1:{port}/tg/hook", json=update, headers=headers) as r:
                    assert r.status == 200
                async with http.post(f"http://127.0.0.1:{port}/tg/hook", json=update) as r:
                    assert r.status == 401
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    assert r.status == 200
                    assert json.loads(await r.text())["store"] == "ok"
            process.send_signal(signal.SIGTERM)
            rest = (await process.stderr.read()).decode()
            assert await process.wait() == 0, "".join(log) + rest
    finally:
        await reap(process)
    methods = [method for method, _ in api.calls]
    assert "setWebhook" in methods
    [set_webhook] = [form for method, form in api.calls if method == "setWebhook"]
    assert set_webhook["url"] == HOOK_URL
    assert set_webhook["secret_token"] == SECRET
    replies = [form for method, form in api.calls if method == "sendMessage"]
    assert len(replies) == 1  # the 401 request was never dispatched
    assert replies[0]["chat_id"] == "80"
    assert "您好" in replies[0]["text"]
    assert "deleteWebhook" not in methods  # the webhook stays: Telegram keeps updates for the next start
    assert "stopped; store closed" in rest
    assert "Traceback" not in "".join(log) + rest
    assert SECRET not in "".join(log) + rest
    assert TOKEN.split(":")[1] not in "".join(log) + rest


# -- the container's HEALTHCHECK, run as Docker would run it -------------------------------------------------


def healthcheck_command() -> list[str]:
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    [line] = [line for line in dockerfile.splitlines() if line.startswith("HEALTHCHECK")]
    argv: list[str] = json.loads(line.split(" CMD ", 1)[1])
    assert argv[0] == "python"
    return [sys.executable, *argv[1:]]


async def run_healthcheck(env: dict[str, str]) -> int:
    process = await asyncio.create_subprocess_exec(
        *healthcheck_command(),
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await wait(process, 30)


async def test_container_healthcheck_follows_healthz(served: Served, store: Store) -> None:
    env = {"WEBHOOK_URL": HOOK_URL, "WEBHOOK_PORT": str(served.server.port)}
    assert await run_healthcheck(env) == 0
    await store.close()
    assert await run_healthcheck(env) != 0


async def test_container_healthcheck_in_polling_mode_asks_the_health_port() -> None:
    # Nothing listens on HEALTH_PORT: a polling bot that serves no health is not healthy.
    assert await run_healthcheck({"HEALTH_PORT": str(free_port()), "WEBHOOK_PORT": "1"}) != 0


async def test_a_busy_port_is_a_one_line_error(
    catalog: Catalog, served: Served, session: LocalSession
) -> None:
    settings = served.app.settings.model_copy(update={"webhook_port": served.server.port})
    store, i18n = served.app.store, served.app.i18n
    catalog, newsroom = served.app.catalog, served.app.newsroom
    app = App(
        settings=settings,
        store=store,
        catalog=catalog,
        newsroom=newsroom,
        i18n=i18n,
        dp=create_dispatcher(settings, store, catalog, newsroom, i18n),
    )
    with pytest.raises(SettingsError, match=r"^WEBHOOK_PORT: cannot listen on 127\.0\.0\.1:\d+"):
        await serve_webhook(app, create_bot(settings, session=session), asyncio.Event())
