"""Wiring: the Bot, the Dispatcher with its routers and middlewares, and the polling run."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from bot.broadcaster import Broadcaster
from bot.commands import profile_on_startup
from bot.config import Settings
from bot.handlers import get_routers
from bot.i18n import LocaleMiddleware, PoI18n, create_i18n
from bot.retry import RetryMiddleware
from bot.store import Store
from bot.store.fsm import SQLiteStorage

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything one running bot shares: settings, store, catalogs, dispatcher."""

    settings: Settings
    store: Store
    i18n: PoI18n
    dp: Dispatcher


def create_bot(
    settings: Settings, session: BaseSession | None = None, retry: RetryMiddleware | None = None
) -> Bot:
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(retry or RetryMiddleware())
    token = settings.bot_token.get_secret_value() if settings.bot_token else "0:local-console-token"
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_dispatcher(
    settings: Settings, store: Store, i18n: PoI18n, broadcaster: Broadcaster | None = None
) -> Dispatcher:
    if broadcaster is None:
        broadcaster = Broadcaster(
            store, i18n, rate=settings.broadcast_rate, default_locale=settings.default_locale
        )
    dp = Dispatcher(storage=SQLiteStorage(store.db), settings=settings, store=store, broadcaster=broadcaster)
    # Every mode (polling, webhook, console) emits startup/shutdown, so every mode runs the broadcaster.
    dp.startup.register(broadcaster.on_startup)
    dp.shutdown.register(broadcaster.on_shutdown)
    LocaleMiddleware(i18n=i18n, store=store).setup(dp)
    dp.include_routers(*get_routers())
    dp.startup.register(profile_on_startup(i18n, store, settings.default_locale))
    return dp


async def open_app(settings: Settings, stack: AsyncExitStack) -> App:
    """Open the store (migrating it), make sure content is loaded, read the catalogs, build the dispatcher."""
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    stack.push_async_callback(store.close)
    await store.ensure_content(settings.content_dir)
    i18n = create_i18n(settings.locales_dir, settings.default_locale)
    return App(settings=settings, store=store, i18n=i18n, dp=create_dispatcher(settings, store, i18n))


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
