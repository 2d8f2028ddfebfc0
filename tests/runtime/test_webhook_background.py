"""Webhook: a handler outliving aiogram's answer timeout goes on in the background; a stop waits for it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiogram.methods import SendMessage
from aiogram.types import TelegramObject, Update
from pydantic import SecretStr

from bot.catalog.library import Catalog
from bot.console.session import LocalSession
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.repository import Newsroom
from bot.runtime.app import App, create_bot, create_dispatcher
from bot.runtime.webhook import WebhookServer, serve_webhook
from bot.store import Store
from tests import updates

SECRET = "s3cret_Token-for-tests"
SLOW_USER = 4242


class Slow:
    """Holds the slow user's updates until released."""

    def __init__(self, session: LocalSession) -> None:
        self.session = session
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.answered_at_shutdown: list[bool] = []

    def answered(self) -> bool:
        return any(r.chat_id == SLOW_USER for r in self.session.requests_of(SendMessage))

    async def on_shutdown(self) -> None:
        self.answered_at_shutdown.append(self.answered())

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update) and event.message and event.message.chat.id == SLOW_USER:
            self.started.set()
            await self.release.wait()
        return await handler(event, data)


async def serve_with_a_slow_update(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    session: LocalSession,
    *,
    drain_timeout: float,
) -> tuple[asyncio.Event, asyncio.Task[None], WebhookServer, Slow]:
    hooked = settings.model_copy(
        update={
            "webhook_url": "https://bot.example.org/tg/hook",
            "webhook_secret": SecretStr(SECRET),
            "webhook_host": "127.0.0.1",
            "webhook_port": 0,
        }
    )
    dp = create_dispatcher(hooked, store, catalog, newsroom, i18n)
    slow = Slow(session)
    dp.update.outer_middleware(slow)
    dp.shutdown.register(slow.on_shutdown)
    app = App(settings=hooked, store=store, catalog=catalog, newsroom=newsroom, i18n=i18n, dp=dp)
    stop = asyncio.Event()
    ready: asyncio.Future[WebhookServer] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve_webhook(
            app,
            create_bot(hooked, session=session),
            stop,
            on_ready=ready.set_result,
            drain_timeout=drain_timeout,
            answer_timeout=0.01,  # aiogram's 55 s, shortened
        )
    )
    server = await ready
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"http://127.0.0.1:{server.port}/tg/hook",
            json=updates.message("/start", user_id=SLOW_USER),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as response,
    ):
        assert response.status == 200  # answered while the handler still runs
    # Under load the answer timeout may pass before the handler reaches the slow middleware (the user is
    # recorded first): wait for it rather than assume it.
    await asyncio.wait_for(slow.started.wait(), 30)
    return stop, task, server, slow


@pytest.mark.filterwarnings("ignore:Detected slow response into webhook:RuntimeWarning")
async def test_a_stop_waits_for_a_handler_moved_to_the_background(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    session: LocalSession,
) -> None:
    stop, task, server, slow = await serve_with_a_slow_update(
        settings, store, catalog, newsroom, i18n, session, drain_timeout=30
    )
    stop.set()
    await server.handler.drain_started.wait()
    slow.release.set()
    await asyncio.wait_for(task, 30)
    # Answered before the shutdown hooks (the broadcaster, then the bot session) ran.
    assert slow.answered_at_shutdown == [True]


@pytest.mark.filterwarnings("ignore:Detected slow response into webhook:RuntimeWarning")
async def test_a_background_handler_past_the_drain_timeout_is_reported(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    session: LocalSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop, task, _, slow = await serve_with_a_slow_update(
        settings, store, catalog, newsroom, i18n, session, drain_timeout=0.1
    )
    try:
        with caplog.at_level(logging.WARNING, logger="bot.runtime.webhook"):
            stop.set()
            await asyncio.wait_for(task, 30)
    finally:
        slow.release.set()
    assert any("1 update(s) still running" in r.getMessage() for r in caplog.records)
