"""A real browser on the Mini App: Debian's Chromium driven by Playwright, the page served by its own
aiohttp server on a thread of its own (Playwright's sync API owns the test's thread), and Telegram's
`telegram-web-app.js` replaced by a fake `Telegram.WebApp` carrying init data signed with the test token.

No network: every request that is not to the local server is refused.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from playwright.sync_api import Browser, Page, Route

from bot.catalog.library import Catalog
from bot.core.config import Settings
from bot.core.i18n import create_i18n
from bot.news.repository import Newsroom
from bot.store import Store
from bot.webapp.server import TELEGRAM_SCRIPT, WebApp
from tests.conftest import ROOT, TOKEN
from tests.webapp.support import PATH, WEBAPP_URL, init_data

CHROMIUM = "/usr/bin/chromium"
T = TypeVar("T")

LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "button_color": "#3390ec",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f4f4f5",
    "link_color": "#00488f",
}
DARK = {
    "bg_color": "#212121",
    "text_color": "#ffffff",
    "hint_color": "#aaaaaa",
    "button_color": "#8774e1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#181818",
    "link_color": "#8774e1",
}

FAKE_TELEGRAM = """
window.Telegram = { WebApp: {
  initData: %(init)s, initDataUnsafe: {}, colorScheme: %(scheme)s, themeParams: %(theme)s,
  platform: %(platform)s,
  ready() { window.__ready = true; }, expand() {}, onEvent() {},
  HapticFeedback: { selectionChanged() {} },
  switchInlineQuery(query, types) { window.__shared = { query, types }; },
  BackButton: { isVisible: false, show() { this.isVisible = true; }, hide() { this.isVisible = false; },
    onClick(callback) { window.__back = callback; } },
} };
"""


class Site:
    """The Mini App on 127.0.0.1, over a real store; `call` runs a coroutine on the server's loop."""

    def __init__(self, folder: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            database_path=folder / "bot.sqlite3",
            webapp_url=WEBAPP_URL,
        )
        self.port = self.call(self._start())

    async def _start(self) -> int:
        self.settings.prepare_database_dir()
        self.store = await Store.open(self.settings.database_path)
        self.catalog = Catalog(self.store.db)
        await self.catalog.ensure_content(self.settings.content_dir)
        self.newsroom = Newsroom(self.store.db)
        i18n = create_i18n(ROOT / "locales", "en")
        webapp = WebApp(self.settings, self.store, self.catalog, self.newsroom, i18n, TOKEN)
        self.runner = web.AppRunner(webapp.application(), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def close(self) -> None:
        async def stop() -> None:
            await self.runner.cleanup()
            await self.store.close()

        self.call(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def open_page(
    browser: Browser,
    site: Site,
    language_code: str = "en",
    *,
    user_id: int,
    dark: bool = False,
    width: int = 390,
    query: str = "",
    age: float = 0,
    ready: bool = True,
    platform: str = "android",
) -> Page:
    """A new page (its own context) opened as Telegram would open it for `user_id`, ready to read."""
    context = browser.new_context(
        viewport={"width": width, "height": 780},
        device_scale_factor=2,
        locale={"zh-hans": "zh-CN"}.get(language_code, language_code),  # the phone's language, as Telegram's
    )
    script = FAKE_TELEGRAM % {
        "init": json.dumps(init_data(language_code, user_id=user_id, age=age)),
        "scheme": json.dumps("dark" if dark else "light"),
        "theme": json.dumps(DARK if dark else LIGHT),
        "platform": json.dumps(platform),  # "unknown": Telegram's script in a plain browser
    }

    def route(route: Route) -> None:
        url = route.request.url
        if url == TELEGRAM_SCRIPT:
            route.fulfill(status=200, content_type="text/javascript", body=script)
        elif url.startswith(site.url):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(site.url + query)
    if ready:
        page.wait_for_selector("body[data-ready=true]")
    return page
