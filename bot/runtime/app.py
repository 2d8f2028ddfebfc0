"""Wiring: the Bot, and the Dispatcher with every feature's routers and middlewares, over an open store."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from bot.catalog.library import Catalog
from bot.catalog.profile import profile_on_startup
from bot.catalog.recent import RecentSearches
from bot.core.config import Settings
from bot.core.i18n import LocaleMiddleware, PoI18n, create_i18n
from bot.core.metrics import Metrics, UpdateMeter
from bot.core.pacing import SendPacer
from bot.core.retry import RetryMiddleware
from bot.core.wire import WireSession
from bot.news.archive import load_archive, seed_archive
from bot.news.broadcaster import Broadcaster
from bot.news.handlers import menus
from bot.news.handlers.drafts import setup_draft_guard
from bot.news.repository import Newsroom
from bot.runtime.content_watch import ContentWatcher
from bot.runtime.inflight import TrackingDispatcher
from bot.runtime.routers import get_routers
from bot.store import Store
from bot.store.fsm import SQLiteStorage
from bot.store.lock import StoreLock
from bot.store.tracking import UserTracking
from bot.webapp.menu import setup_menu
from bot.webapp.server import WebApp

log = logging.getLogger(__name__)

# Allocations between two young-generation collections (Python's default: 700). An update allocates a few
# thousand objects, nearly all freed by reference counting; collecting less often costs little memory.
GC_YOUNG_THRESHOLD = 10_000


@dataclass
class App:
    """Everything one running bot shares: settings, store, catalogs, dispatcher."""

    settings: Settings
    store: Store
    catalog: Catalog
    newsroom: Newsroom
    i18n: PoI18n
    dp: TrackingDispatcher


def create_bot(
    settings: Settings,
    session: BaseSession | None = None,
    retry: RetryMiddleware | None = None,
    pacer: SendPacer | None = None,
) -> Bot:
    """The Bot; every request goes through the reply retries, then the one pacer for all messages (so a
    retried request takes a slot again)."""
    if session is None:
        session = WireSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(retry or RetryMiddleware())
    session.middleware(pacer or SendPacer(settings.send_rate))
    token = settings.bot_token.get_secret_value() if settings.bot_token else "0:local-console-token"
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def share_send_budget(bot: Bot, broadcaster: Broadcaster) -> None:
    """At start-up (every mode): a free broadcast takes the slots replies leave in the bot's one send budget
    instead of keeping a pace of its own; a paid one is outside that budget and paces itself."""
    pacer = SendPacer.of(bot)
    if pacer is not None and not broadcaster.paid:
        pacer.share(broadcaster.pacer)


def send_budget_on_startup(broadcaster: Broadcaster) -> Callable[[Bot], Awaitable[None]]:
    async def share(bot: Bot) -> None:
        await share_send_budget(bot, broadcaster)

    return share


def create_dispatcher(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    broadcaster: Broadcaster | None = None,
    *,
    broadcast: bool = True,
) -> TrackingDispatcher:
    """The Dispatcher with every router, counting the updates in flight (for a graceful stop); `settings`,
    `store`, `catalog`, `newsroom`, `broadcaster` and `recent` (the search queries behind results' Back
    buttons) reach handlers as keyword arguments. `broadcast=False` leaves the outbox alone: the broadcaster
    is not started (a console on a store that is not its own)."""
    if broadcaster is None:
        broadcaster = Broadcaster(
            newsroom,
            i18n,
            rate=settings.broadcast_rate,
            paid=settings.broadcast_paid,
            default_locale=settings.default_locale,
        )
    dp = TrackingDispatcher(
        storage=SQLiteStorage(store.db),
        # Updates of one chat are handled one at a time, in order (two taps, two pasted texts); other chats'
        # updates do not wait.
        events_isolation=SimpleEventIsolation(),
        settings=settings,
        store=store,
        catalog=catalog,
        newsroom=newsroom,
        broadcaster=broadcaster,
        recent=RecentSearches(),
        metrics=Metrics(),  # read by /metrics (runtime/health.py)
        extra_commands=menus.extra_commands_for(settings),  # /language keeps an admin's commands
    )
    # Every mode (polling, webhook, console) emits startup/shutdown, so every mode runs the broadcaster.
    if broadcast:
        dp.startup.register(send_budget_on_startup(broadcaster))
        dp.startup.register(broadcaster.on_startup)
        dp.shutdown.register(broadcaster.on_shutdown)
    watcher = ContentWatcher(catalog, settings.content_check_interval)  # `content load` reaches us
    dp["content_watcher"] = watcher
    dp.startup.register(watcher.on_startup)
    dp.shutdown.register(watcher.on_shutdown)
    dp.update.outer_middleware(UpdateMeter(dp["metrics"]))  # outermost: times all the rest
    # Users are recorded (and their stored language read) before the locale is chosen.
    dp.update.outer_middleware(UserTracking(store.users))
    LocaleMiddleware(i18n=i18n).setup(dp)
    setup_draft_guard(dp)  # an admin's draft ends before any router sees another command
    # Every button is answered once: before its handler, or after it for handlers flagged
    # `@flags.callback_answer(pre=False)`, with the text they set on `callback_answer`.
    dp.callback_query.middleware(CallbackAnswerMiddleware(pre=True))
    dp.include_routers(*get_routers())
    setup_menu(dp, settings.webapp_url, i18n)  # the chat's menu button opens the Mini App
    dp.startup.register(profile_on_startup(i18n, catalog, settings.default_locale))
    dp.startup.register(menus.admin_menus_on_startup(settings, newsroom, i18n))
    return dp


async def open_app(settings: Settings, stack: AsyncExitStack, *, broadcast: bool = True) -> App:
    """Take the store for this process, open it (migrating it), make sure content is loaded, read the
    catalogs, build the dispatcher (`broadcast`: see `create_dispatcher`). A store another bot serves is a
    `StoreBusyError` naming that process."""
    settings.prepare_database_dir()
    lock = StoreLock.acquire(settings.database_path)
    stack.callback(lock.release)  # last out: after the store has closed
    store = await Store.open(settings.database_path)
    stack.push_async_callback(store.close)
    catalog = Catalog(store.db)
    await catalog.ensure_content(settings.content_dir)
    newsroom = Newsroom(store.db)
    i18n = create_i18n(settings.locales_dir, settings.default_locale, settings.tz)
    archive = load_archive(settings.content_dir, catalog.content.sources, i18n)
    await seed_archive(newsroom, archive)  # once per item: restarts add nothing
    dp = create_dispatcher(settings, store, catalog, newsroom, i18n, broadcast=broadcast)
    return App(settings=settings, store=store, catalog=catalog, newsroom=newsroom, i18n=i18n, dp=dp)


def create_webapp(app: App, bot: Bot) -> WebApp | None:
    """The Mini App over this bot's store, catalog and news, checking init data against its token; None
    without `WEBAPP_URL`."""
    if app.settings.webapp_url is None:
        return None
    return WebApp(app.settings, app.store, app.catalog, app.newsroom, app.i18n, bot.token)


SETTLE_AFTER = 0.5  # seconds after the bot is ready: its first poll or request goes out before the collection


def settle_heap_soon(catalog: Catalog) -> None:
    """Just after start-up, not before the first `getUpdates` (called from a running event loop): build the
    search index (~0.15 s), then `settle_heap` (a full collection, ~0.2 s) — the first updates need not wait
    for either."""

    def settle() -> None:
        catalog.warm()
        settle_heap()

    asyncio.get_running_loop().call_later(SETTLE_AFTER, settle)


def settle_heap() -> None:
    """Once the bot is ready to serve: what it has built so far (content, search index, catalogs, aiogram and
    pydantic's own models) lives as long as the process, so it is moved out of the garbage collector's sight
    (`gc.freeze`), and young objects are collected less often. The collector then walks only what updates
    leave behind: full collections no longer cost time in proportion to the content."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
