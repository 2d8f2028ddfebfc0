"""The Mini App's HTTP side: the page, its two static files and its JSON API, under the path of `WEBAPP_URL`.

Routes (README, "The Mini App"): `GET <path>` the page; `GET <path>app.js`, `<path>app.css`; `GET
<path>api/session` (locale, the page's words, the subscription), `api/speakers[?q=…]` (everyone, or the
inline search's matches, best first), `api/about`, `api/initiative`, `api/news`; `PUT <path>api/subscription`
with `{"subscribed": true|false}`. Every API request carries `Authorization: tma <initData>` (`auth.viewer`):
anything else is 401 JSON and touches nothing. Every answer carries the security headers below.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiogram.utils.web_app import WebAppInitData
from aiohttp import web

from bot.catalog.content import Content
from bot.catalog.library import Catalog
from bot.catalog.screens import MAX_QUERY_CHARS
from bot.core.config import Settings, SettingsError
from bot.core.i18n import PoI18n, Translator, locale_from_language_code
from bot.news.repository import Newsroom
from bot.store import Store
from bot.webapp import views
from bot.webapp.auth import sign_init_data, viewer

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
SECURITY_HEADERS = {
    # No inline script or style anywhere: the page's code is app.js, Telegram's script its only other one.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATIC_TYPES = {"app.js": "text/javascript", "app.css": "text/css", "index.html": "text/html"}

Handler = Callable[[web.Request, WebAppInitData, Translator], Awaitable[dict[str, Any]]]


def webapp_path(url: str) -> str:
    """The path the page and its API live under (ends with /)."""
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else path + "/"


class WebApp:
    """The page and its API over the bot's store, catalog and news."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        catalog: Catalog,
        newsroom: Newsroom,
        i18n: PoI18n,
        token: str,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        if settings.webapp_url is None:
            raise SettingsError("WEBAPP_URL: not set")
        self.path = webapp_path(settings.webapp_url)
        self.default_locale = settings.default_locale
        self.store = store
        self.catalog = catalog
        self.newsroom = newsroom
        self.i18n = i18n
        self._token = token
        self.now = now
        self.files = {name: (STATIC / name).read_bytes() for name in STATIC_TYPES}
        self._people_of: Content | None = None
        self._rendered: dict[str, dict[str, dict[str, Any]]] = {}

    def setup(self, app: web.Application) -> None:
        """Add the page's routes to `app` (the webhook's server, or the Mini App's own)."""
        p = self.path
        app.router.add_get(p, self.page)
        for name in ("app.js", "app.css"):
            app.router.add_get(p + name, self.static)
        for route, handler in (
            ("session", self.session),
            ("speakers", self.speakers),
            ("about", self.about),
            ("initiative", self.initiative),
            ("news", self.news),
        ):
            app.router.add_get(f"{p}api/{route}", self._api(handler))
        app.router.add_put(f"{p}api/subscription", self._api(self.subscription))

    def application(self) -> web.Application:
        app = web.Application()
        self.setup(app)
        return app

    # -- the page ----------------------------------------------------------------------------------------
    def _file(self, name: str) -> web.Response:
        return web.Response(
            body=self.files[name],
            content_type=STATIC_TYPES[name],
            charset="utf-8",
            headers=SECURITY_HEADERS,
        )

    async def page(self, request: web.Request) -> web.Response:
        return self._file("index.html")

    async def static(self, request: web.Request) -> web.Response:
        return self._file(request.path.rsplit("/", 1)[-1])

    # -- the API -----------------------------------------------------------------------------------------
    def _api(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def checked(request: web.Request) -> web.Response:
            data = viewer(self._token, request.headers.get("Authorization"), now=self.now)
            if data is None or data.user is None:
                # Nothing of the request is trusted; the browser's language only picks the sentence.
                t = self.i18n.translator(self._browser_locale(request))
                return _json({"error": "unauthorized", "message": views.strings(t)["failed"]}, status=401)
            t = self.i18n.translator(await self.locale_of(data))
            try:
                body = await handler(request, data, t)
            except web.HTTPBadRequest:
                return _json({"error": "bad request"}, status=400)
            return _json({"locale": t.locale, **body})

        return checked

    def _browser_locale(self, request: web.Request) -> str:
        first = request.headers.get("Accept-Language", "").split(",", 1)[0].split(";", 1)[0]
        return locale_from_language_code(first) or self.default_locale

    async def locale_of(self, data: WebAppInitData) -> str:
        """The viewer's stored choice, else their Telegram app's language, else `DEFAULT_LOCALE`."""
        assert data.user is not None  # noqa: S101 - checked by the caller
        # The bot's own record of its users (cached, written behind): the viewer is one of them.
        stored = await self.store.users.seen(data.user.id, data.user.language_code)
        if stored in self.i18n.available_locales:
            return str(stored)
        return locale_from_language_code(data.user.language_code) or self.default_locale

    async def session(self, request: web.Request, data: WebAppInitData, t: Translator) -> dict[str, Any]:
        assert data.user is not None  # noqa: S101
        subscribed = await self.store.subscriptions.is_subscribed(data.user.id)
        return {"strings": views.strings(t), "subscribed": subscribed}

    async def speakers(self, request: web.Request, data: WebAppInitData, t: Translator) -> dict[str, Any]:
        content = self.catalog.content
        query = request.query.get("q", "").strip()[:MAX_QUERY_CHARS]
        found = self.catalog.search.search(query) if query else list(content.people)
        if query and not found:
            await self.catalog.misses.record(query)  # for editors: what readers looked for in vain
        rendered = self._people(t, content)
        return {"query": query, "people": [rendered[who.slug] for who in found]}

    def _people(self, t: Translator, content: Content) -> dict[str, dict[str, Any]]:
        """Everyone, rendered once per content snapshot and language (a search only picks and orders)."""
        if self._people_of is not content:
            self._people_of = content
            self._rendered.clear()
        rendered = self._rendered.get(t.locale)
        if rendered is None:
            rendered = {who.slug: views.person(t, content, who) for who in content.people}
            self._rendered[t.locale] = rendered
        return rendered

    async def about(self, request: web.Request, data: WebAppInitData, t: Translator) -> dict[str, Any]:
        return {"html": views.about(t, self.catalog.content)}

    async def initiative(self, request: web.Request, data: WebAppInitData, t: Translator) -> dict[str, Any]:
        return {"html": views.initiative(t, self.catalog.content)}

    async def news(self, request: web.Request, data: WebAppInitData, t: Translator) -> dict[str, Any]:
        """Sent and archived items, newest first, as /news lists them (retracted ones are not)."""
        assert data.user is not None  # noqa: S101
        items = self.newsroom.items
        total = min(await items.count(), views.MAX_NEWS)
        listed = [item for offset in range(total) if (item := await items.latest(offset)) is not None]
        subscribed = await self.store.subscriptions.is_subscribed(data.user.id)
        return {"items": [views.news_item(t, item) for item in listed], "subscribed": subscribed}

    async def subscription(self, request: web.Request, data: WebAppInitData, t: Translator) -> dict[str, Any]:
        """The bot's own subscription: the chat's menu and /subscribe see the change at once."""
        assert data.user is not None  # noqa: S101
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise web.HTTPBadRequest from None
        wanted = body.get("subscribed") if isinstance(body, dict) else None
        if not isinstance(wanted, bool):
            raise web.HTTPBadRequest
        if wanted:
            await self.store.subscriptions.subscribe(data.user.id)
        else:
            await self.store.subscriptions.unsubscribe(data.user.id)
        return {"subscribed": await self.store.subscriptions.is_subscribed(data.user.id)}


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, headers=SECURITY_HEADERS)


async def serve(webapp: WebApp, host: str, port: int, stack: AsyncExitStack) -> web.AppRunner:
    """Polling mode (and the console): the page on its own server at host:port until `stack` closes."""
    runner = web.AppRunner(webapp.application(), access_log=None)  # a logged URL could carry initData
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        raise SettingsError(f"WEBAPP_PORT: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    log.info("Mini App at %s on %s:%d", webapp.path, host, port)
    return runner


LOCAL_HOST = "127.0.0.1"
LOCAL_PATH = "/app/"


async def serve_local(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    token: str,
    user: dict[str, object],
    stack: AsyncExitStack,
) -> str:
    """The console's Mini App: served on 127.0.0.1:`WEBAPP_PORT` (at the path of `WEBAPP_URL`, else /app/)
    until `stack` closes; the URL returned opens it in a browser as `user`, signed with `token`, for an
    hour (`#tgWebAppData=…`, where Telegram puts it). A port in use is a `SettingsError`."""
    path = webapp_path(settings.webapp_url) if settings.webapp_url else LOCAL_PATH
    local = settings.model_copy(update={"webapp_url": f"http://{LOCAL_HOST}{path}"})
    webapp = WebApp(local, store, catalog, newsroom, i18n, token)
    await serve(webapp, LOCAL_HOST, settings.webapp_port, stack)
    fragment = urlencode({"tgWebAppData": sign_init_data(token, user), "tgWebAppVersion": "8.0"})
    return f"http://{LOCAL_HOST}:{settings.webapp_port}{path}#{fragment}"
