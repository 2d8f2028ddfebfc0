"""Long polling: `python -m bot` without WEBHOOK_URL.

On SIGTERM or SIGINT aiogram stops fetching and runs the shutdown hooks; then the updates still being
handled are finished (at most `drain_timeout` seconds), every update taken is confirmed to Telegram, and only
then do the session and the store close. aiogram confirms a batch with the *next* `getUpdates`, so an update
whose handler was cut off at a stop would be confirmed and never answered; one taken but not confirmed
would be answered again by the next process.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import GetUpdates

from bot.core.config import Settings
from bot.runtime.app import create_bot, create_webapp, open_app, settle_heap_soon
from bot.runtime.health import start_health
from bot.runtime.inflight import InFlight
from bot.webapp.server import serve as serve_webapp

log = logging.getLogger(__name__)

# Updates handled at once. The rest wait at Telegram (aiogram fetches no more until a handler ends): a crowd
# costs memory for these only, and the send budget (~30 a second) is kept busy as long as this many handlers
# take less than several seconds each.
HANDLER_TASKS = 200
# A restart (a deploy) waits this long for the updates being handled; a handler still running after it is
# cut off, and its update is lost.
DRAIN_TIMEOUT = 30.0


async def run_polling(settings: Settings, *, drain_timeout: float = DRAIN_TIMEOUT) -> None:
    async with AsyncExitStack() as stack:
        app = await open_app(settings, stack)
        bot = create_bot(settings)
        stack.push_async_callback(bot.session.close)
        me = await bot.get_me()
        await start_health(app, bot, me, stack)  # /healthz and /metrics on HEALTH_HOST:HEALTH_PORT
        # Polling and a webhook exclude each other; an old webhook would make getUpdates answer 409 forever.
        await bot.delete_webhook(drop_pending_updates=False)
        if (webapp := create_webapp(app, bot)) is not None:  # the Mini App on WEBAPP_HOST:WEBAPP_PORT
            await serve_webapp(webapp, settings.webapp_host, settings.webapp_port, stack)

        async def ready() -> None:
            settle_heap_soon(app.catalog)
            log.info("bot @%s is ready (long polling on %s)", me.username, settings.telegram_api_url)

        app.dp.startup.register(ready)
        await app.dp.start_polling(
            bot,
            allowed_updates=app.dp.resolve_used_update_types(),
            handle_signals=True,
            close_bot_session=False,
            tasks_concurrency_limit=HANDLER_TASKS,
        )
        await finish_in_flight(bot, app.dp.in_flight, drain_timeout)


async def finish_in_flight(bot: Bot, in_flight: InFlight, timeout: float) -> None:
    """After polling stopped: wait for the handlers still running, then confirm every update taken."""
    if in_flight.count:
        log.info("stopping: finishing %d update(s) in flight", in_flight.count)
    if not await in_flight.wait(timeout):
        log.warning(
            "%d update(s) still running after %.0f s; stopping anyway (their answers are lost)",
            in_flight.count,
            timeout,
        )
    if in_flight.last_update_id is None:
        return
    # aiogram's last getUpdates (the one that confirms the batch) was cancelled, maybe before it reached
    # Telegram. An offset past the newest update taken confirms them all; the one update this may return is
    # not confirmed by it, and comes to the next process.
    try:
        await bot(GetUpdates(offset=in_flight.last_update_id + 1, limit=1, timeout=0))
    except (TimeoutError, TelegramAPIError) as exc:
        log.warning("could not confirm the updates handled (%s); the next start may answer them again", exc)


def run(settings: Settings) -> None:
    asyncio.run(run_polling(settings))
