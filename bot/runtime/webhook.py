"""Webhook mode: Telegram posts updates to us over HTTPS (terminated by a proxy) instead of us polling.

The same `Dispatcher` and store as polling, served by aiogram's aiohttp handler. A request without the right
`X-Telegram-Bot-Api-Secret-Token` gets 401 and is never dispatched. Updates are handled inside the request
(Telegram gets 200 only once the update is handled, so an update cut short by a crash is sent again), and
on SIGTERM the server stops taking requests, finishes those in flight, runs the shutdown hooks (the
broadcaster stops between messages), then the store closes. `GET /healthz` tells a container runtime or a
load balancer whether this process can serve.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, suppress
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.core.config import Settings, SettingsError
from bot.runtime.app import App, create_bot, create_webapp, open_app, settle_heap_soon
from bot.runtime.health import HEALTH_PATH, Health, warn_about_setup
from bot.runtime.inflight import InFlight

log = logging.getLogger(__name__)

# Telegram waits about 60 s for a webhook answer; an update still running after this is given up on
# (Telegram sends it again to the next process, as it never got its 200).
DRAIN_TIMEOUT = 55.0
# aiogram answers Telegram after this long even if the handler still runs, and lets it go on in the
# background (the update is then confirmed: the drain waits for those too).
ANSWER_TIMEOUT = 55.0


def webhook_path(url: str) -> str:
    """The path Telegram posts to: the path of `WEBHOOK_URL` (a proxy forwards it unchanged)."""
    return urlsplit(url).path or "/"


def require_webhook_secret(settings: Settings) -> str:
    if settings.webhook_secret is None:
        raise SettingsError(
            "WEBHOOK_SECRET: required when WEBHOOK_URL is set (1-256 characters of A-Z, a-z, 0-9, _ and -, "
            "e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return settings.webhook_secret.get_secret_value()


class DrainingRequestHandler(SimpleRequestHandler):
    """aiogram's handler, counting the updates in flight so a shutdown can wait for them.

    aiohttp runs the application's shutdown hooks (which close the bot session) *before* it waits for
    running requests, so without this an update being handled at SIGTERM would lose its replies.
    """

    def __init__(self, *args: Any, updates: InFlight, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight = 0
        self.updates = updates
        self.on_answered: Callable[[], None] | None = None  # Telegram reached us (for /healthz)
        self.draining = False
        self.drain_started = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    async def handle(self, request: web.Request) -> web.Response:
        if self.draining:
            # Not 2xx: Telegram keeps the update and delivers it to the next process.
            return web.Response(status=503, text="shutting down")
        self.in_flight += 1
        self._idle.clear()
        try:
            response = await super().handle(request)
            if response.status == 200 and self.on_answered is not None:
                self.on_answered()
            return response
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Refuse new updates and wait for the requests in flight, then for the updates whose handlers went
        on in the background after their answer; False if some were still running at timeout."""
        self.draining = True
        self.drain_started.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return await self.updates.wait(deadline - loop.time())

    @property
    def running(self) -> int:
        """Updates still being handled: requests in flight, or background handlers (counted once)."""
        return max(self.in_flight, self.updates.count)


class WebhookServer:
    """The aiohttp application: the webhook route, `/healthz`, and the dispatcher's startup/shutdown."""

    def __init__(self, app: App, bot: Bot, secret: str, *, answer_timeout: float = ANSWER_TIMEOUT) -> None:
        settings = app.settings
        if settings.webhook_url is None:
            raise SettingsError("WEBHOOK_URL: not set")
        self.app = app
        self.bot = bot
        self.url = settings.webhook_url
        self.secret = secret
        self.web = web.Application()
        # Startup/shutdown hooks first: aiohttp runs on_shutdown in order, and the broadcaster must stop
        # before the request handler's own hook closes the bot session under it.
        setup_application(self.web, app.dp, bot=bot, bots=[bot])
        self.handler = DrainingRequestHandler(
            app.dp,
            bot,
            updates=app.dp.in_flight,
            secret_token=secret,
            handle_in_background=False,
            _timeout=answer_timeout,  # reaches Dispatcher.feed_webhook_update
        )
        self.handler.register(self.web, path=webhook_path(self.url))
        self.health = Health(app, bot, webhook=True)
        self.handler.on_answered = self.health.webhook_request
        self.health.add_routes(self.web)  # /healthz and /metrics
        if (webapp := create_webapp(app, bot)) is not None:  # the Mini App, on this same server
            webapp.setup(self.web)
        self.runner = web.AppRunner(self.web, handle_signals=False, access_log=None)
        self.site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        if self.site is None:
            raise RuntimeError("the server is not started")
        return self.site.port

    async def start(self, host: str, port: int) -> None:
        """Run the startup hooks, listen on host:port, then tell Telegram where to post."""
        await self.runner.setup()
        try:
            self.site = web.TCPSite(self.runner, host, port)
            try:
                await self.site.start()
            except OSError as exc:
                raise SettingsError(
                    f"WEBHOOK_PORT: cannot listen on {host}:{port}: {exc.strerror or exc}"
                ) from None
            try:
                await self.bot.set_webhook(
                    url=self.url,
                    secret_token=self.secret,
                    allowed_updates=self.app.dp.resolve_used_update_types(),
                    drop_pending_updates=False,
                )
            except TelegramBadRequest as exc:  # an address Telegram will not post to (scheme, port, IP)
                raise SettingsError(f"WEBHOOK_URL: Telegram refused {self.url}: {exc.message}") from None
        except BaseException:
            await self.runner.cleanup()
            raise

    async def stop(self, drain_timeout: float = DRAIN_TIMEOUT) -> None:
        """Stop listening, finish the updates in flight, run the shutdown hooks, close the bot session.

        The webhook stays set: Telegram keeps updates for the next process instead of dropping them.
        """
        if self.site is not None:
            await self.site.stop()
        self.health.stopping = True
        if not await self.handler.drain(drain_timeout):
            log.warning(
                "%d update(s) still running after %.0f s; stopping anyway",
                self.handler.running,
                drain_timeout,
            )
        await self.runner.cleanup()


async def serve_webhook(
    app: App,
    bot: Bot,
    stop: asyncio.Event,
    *,
    on_ready: Callable[[WebhookServer], Awaitable[None] | None] | None = None,
    drain_timeout: float = DRAIN_TIMEOUT,
    answer_timeout: float = ANSWER_TIMEOUT,
) -> None:
    """Serve until `stop` is set, then shut down gracefully. The caller owns the store and the session."""
    settings = app.settings
    server = WebhookServer(app, bot, require_webhook_secret(settings), answer_timeout=answer_timeout)
    me = await bot.me()
    warn_about_setup(me)
    await server.start(settings.webhook_host, settings.webhook_port)
    settle_heap_soon(app.catalog)
    try:
        log.info(
            "bot @%s is ready (webhook %s, listening on %s:%d, health at %s)",
            me.username,
            server.url,
            settings.webhook_host,
            server.port,
            HEALTH_PATH,
        )
        if on_ready is not None:
            result = on_ready(server)
            if inspect.isawaitable(result):
                await result
        await stop.wait()
        log.info("stopping: finishing updates in flight")
    finally:
        await server.stop(drain_timeout)


async def run_webhook(settings: Settings, session: BaseSession | None = None) -> None:
    """`python -m bot` with WEBHOOK_URL set: open the store, serve until SIGTERM/SIGINT, close the store."""
    require_webhook_secret(settings)
    async with AsyncExitStack() as stack:
        app = await open_app(settings, stack)
        bot = create_bot(settings, session=session)
        stack.push_async_callback(bot.session.close)
        await bot.me()  # a wrong token fails here, before anything listens
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with suppress(NotImplementedError):  # signals are not supported on Windows
                loop.add_signal_handler(sig, stop.set)
        try:
            await serve_webhook(app, bot, stop)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with suppress(NotImplementedError):
                    loop.remove_signal_handler(sig)
    log.info("stopped; store closed")


def run(settings: Settings) -> None:
    asyncio.run(run_webhook(settings))
