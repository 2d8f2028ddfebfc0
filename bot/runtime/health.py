"""`GET /healthz` and `GET /metrics`: whether this process is really working, and its numbers.

In webhook mode both routes live on the webhook server; in polling mode a small aiohttp server on
HEALTH_HOST:HEALTH_PORT serves them (there is nothing else to ask). `/healthz` answers 200 only while
- Telegram answered recently: the last successful `getUpdates` (polling), or webhook request or `getMe`
  probe (webhook mode: the probe is made by the health check itself when nothing arrived for a while),
  is at most `stale_after` seconds old;
- the store answers a real read;
- the broadcaster task is alive (when this process runs one);
else 503, with the reason in the JSON body.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import User
from aiohttp import web

from bot.core.config import Settings, SettingsError
from bot.core.metrics import CONTENT_TYPE, Clock, Gauge, Liveness, Metrics, TelegramObserver
from bot.core.pacing import SendPacer
from bot.core.retry import no_retry
from bot.news.broadcaster import Broadcaster
from bot.runtime.app import App

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
HEALTH_TIMEOUT = 3.0
# aiogram's getUpdates waits up to 10 s for an update and backs off up to ~5 s after an error: a minute
# without one successful answer is an outage, not a slow poll.
STALE_AFTER = 60.0
PROBE_AFTER = 30.0  # webhook mode: no request for this long, so ask Telegram (getMe) before judging
DELIVERY_STATES = ("pending", "sending", "sent", "dropped", "failed")


class Health:
    """The health verdict and the metrics page of one running bot."""

    def __init__(
        self,
        app: App,
        bot: Bot,
        *,
        webhook: bool,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
        stale_after: float = STALE_AFTER,
        probe_after: float = PROBE_AFTER,
    ) -> None:
        self.app = app
        self.bot = bot
        self.webhook = webhook
        self.metrics: Metrics = app.dp["metrics"]
        self.liveness = Liveness(clock)
        self.wall = wall
        self.stale_after = stale_after
        self.probe_after = probe_after
        self.stopping = False
        # Innermost: after the retries and the pacer, so it sees each answer Telegram gives.
        bot.session.middleware(TelegramObserver(self.metrics, self.liveness, any_call_is_alive=webhook))
        self.liveness.alive()  # the getMe made at start has just been answered

    def webhook_request(self) -> None:
        """Telegram posted an update to us: it reaches us."""
        self.liveness.alive()

    async def report(self) -> dict[str, Any]:
        problems: list[str] = []
        report: dict[str, Any] = {"status": "ok"}
        age = self.liveness.age()
        if self.webhook and (age is None or age > self.probe_after):
            try:
                with no_retry():  # one quick question; the next check asks again
                    await asyncio.wait_for(self.bot.get_me(), HEALTH_TIMEOUT)  # the observer marks success
            except (TimeoutError, TelegramAPIError) as exc:
                self.liveness.failed(f"getMe: {type(exc).__name__}")
            age = self.liveness.age()
        report["telegram_seconds_ago"] = None if age is None else round(age, 1)
        if age is None or age > self.stale_after:
            what = "webhook request or getMe" if self.webhook else "getUpdates"
            reason = f"no successful {what} for {age:.0f} s" if age is not None else f"no successful {what}"
            if self.liveness.last_error:
                reason += f" (last: {self.liveness.last_error})"
            problems.append(reason)
            report["telegram"] = "unreachable"
        else:
            report["telegram"] = "ok"
        try:
            version = await asyncio.wait_for(self.app.catalog.content_repo.version(), HEALTH_TIMEOUT)
            report.update(store="ok", content_version=version)
        except Exception as exc:  # any failure means "not reachable"; the details go to the log only
            log.warning("health: store not reachable: %s: %s", type(exc).__name__, exc)
            report.update(store="unreachable", content_version=None)
            problems.append("the store does not answer")
        broadcaster = self.app.dp.workflow_data.get("broadcaster")
        if isinstance(broadcaster, Broadcaster):
            report["broadcaster"] = broadcaster.state
            if broadcaster.state == "stopped" and not self.stopping:
                problems.append("the broadcaster is not running")
        if self.stopping:
            problems.append("stopping")
            report["status"] = "stopping"
        elif problems:
            report["status"] = "unavailable"
        if problems:
            report["reasons"] = problems
        return report

    async def healthz(self, request: web.Request) -> web.Response:
        report = await self.report()
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)

    async def metrics_page(self, request: web.Request) -> web.Response:
        text = self.metrics.render(await self.gauges())
        return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE})

    async def gauges(self) -> list[Gauge]:
        gauges = [
            Gauge(
                "roundtable_replies_waiting",
                "Messages waiting for a sending slot in the pacer.",
                [({}, replies_waiting(self.bot))],
            )
        ]
        try:
            counts, lag = await asyncio.wait_for(self._outbox(), HEALTH_TIMEOUT)
        except Exception as exc:  # the store's own failure shows in /healthz; the page still answers
            log.warning("metrics: outbox not readable: %s: %s", type(exc).__name__, exc)
            return gauges
        gauges.append(
            Gauge(
                "roundtable_deliveries",
                "News deliveries, by state.",
                [({"state": state}, counts.get(state, 0)) for state in DELIVERY_STATES],
            )
        )
        gauges.append(
            Gauge(
                "roundtable_outbox_lag_seconds",
                "Age of the oldest news item still being delivered (0: none).",
                [({}, lag)],
            )
        )
        return gauges

    async def _outbox(self) -> tuple[dict[str, int], float]:
        db = self.app.store.db
        async with db.read("SELECT state, count(*) FROM delivery GROUP BY state") as cur:
            counts = {str(row[0]): int(row[1]) for row in await cur.fetchall()}
        # The state index holds (state, item_id): the oldest item with rows to send costs two lookups.
        async with db.read(
            "SELECT released_at FROM news_item WHERE id = (SELECT min(item_id) FROM ("
            "SELECT min(item_id) AS item_id FROM delivery WHERE state = 'pending' UNION ALL "
            "SELECT min(item_id) FROM delivery WHERE state = 'sending'))"
        ) as cur:
            row = await cur.fetchone()
        if row is None or row[0] is None:
            return counts, 0.0
        released = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))
        if released.tzinfo is None:
            released = released.replace(tzinfo=UTC)
        return counts, max(0.0, self.wall() - released.timestamp())

    def add_routes(self, web_app: web.Application) -> None:
        web_app.router.add_get(HEALTH_PATH, self.healthz)
        web_app.router.add_get(METRICS_PATH, self.metrics_page)


def replies_waiting(bot: Bot) -> int:
    """Messages queued in the bot's send pacer."""
    pacer = SendPacer.of(bot)
    return pacer.waiting if pacer is not None else 0


def warn_about_setup(me: User) -> None:
    """What a fresh bot's owner has most likely not done yet in @BotFather, said once at start."""
    if not me.supports_inline_queries:
        log.warning(
            "inline mode is off for @%s: '@%s kin' in a chat does nothing. Turn it on in @BotFather: "
            "/setinline (and /setinlinefeedback to count chosen results)",
            me.username,
            me.username,
        )


async def start_health(app: App, bot: Bot, me: User, stack: AsyncExitStack) -> Health:
    """Polling mode: watch Telegram's answers and, when HEALTH_PORT is set, serve /healthz and /metrics
    until `stack` closes."""
    warn_about_setup(me)
    health = Health(app, bot, webhook=False)
    if app.settings.health_port is None:
        return health
    server = HealthServer(health)
    await server.start(app.settings)
    stack.push_async_callback(server.stop)
    log.info(
        "health at http://%s:%d%s, metrics at %s",
        app.settings.health_host,
        server.port,
        HEALTH_PATH,
        METRICS_PATH,
    )
    return health


class HealthServer:
    """Polling mode: `/healthz` and `/metrics` alone, on HEALTH_HOST:HEALTH_PORT."""

    def __init__(self, health: Health) -> None:
        self.web = web.Application()
        health.add_routes(self.web)
        self.runner = web.AppRunner(self.web, handle_signals=False, access_log=None)
        self.site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        if self.site is None:
            raise RuntimeError("the server is not started")
        return int(self.site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def start(self, settings: Settings) -> None:
        await self.runner.setup()
        self.site = web.TCPSite(self.runner, settings.health_host, settings.health_port or 0)
        try:
            await self.site.start()
        except OSError as exc:
            await self.runner.cleanup()
            raise SettingsError(
                f"HEALTH_PORT: cannot listen on {settings.health_host}:{settings.health_port}: "
                f"{exc.strerror or exc}"
            ) from None

    async def stop(self) -> None:
        await self.runner.cleanup()
