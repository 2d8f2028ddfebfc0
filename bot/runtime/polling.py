"""Long polling: `python -m bot` without WEBHOOK_URL."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack

from bot.core.config import Settings
from bot.runtime.app import create_bot, open_app

log = logging.getLogger(__name__)


async def run_polling(settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        app = await open_app(settings, stack)
        bot = create_bot(settings)
        stack.push_async_callback(bot.session.close)
        me = await bot.get_me()
        # Polling and a webhook exclude each other; an old webhook would make getUpdates answer 409 forever.
        await bot.delete_webhook(drop_pending_updates=False)

        async def ready() -> None:
            log.info("bot @%s is ready (long polling on %s)", me.username, settings.telegram_api_url)

        app.dp.startup.register(ready)
        await app.dp.start_polling(
            bot,
            allowed_updates=app.dp.resolve_used_update_types(),
            handle_signals=True,
            close_bot_session=False,
        )


def run(settings: Settings) -> None:
    asyncio.run(run_polling(settings))
