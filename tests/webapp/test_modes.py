"""Where the Mini App is served: on the webhook's own server in webhook mode, on WEBAPP_HOST:WEBAPP_PORT
beside long polling (a real `python -m bot` process); in both the chat's default menu button opens it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
from aiogram.methods import SetChatMenuButton

from bot.catalog.library import Catalog
from bot.console.session import LocalSession
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.repository import Newsroom
from bot.runtime.app import App, create_bot, create_dispatcher
from bot.store import Store
from tests import updates
from tests.bot_api_server import FakeBotAPI
from tests.runtime.test_e2e_polling import bot_env, stop_bot
from tests.runtime.test_webhook import start_serving, webhook_settings
from tests.webapp.support import PATH, WEBAPP_URL, auth
from tests.webapp.test_local import free_port


async def test_webhook_mode_serves_the_page_on_the_webhooks_server(
    settings: Settings,
    store: Store,
    newsroom: Newsroom,
    catalog: Catalog,
    i18n: PoI18n,
    session: LocalSession,
) -> None:
    hooked = webhook_settings(settings).model_copy(update={"webapp_url": WEBAPP_URL})
    dp = create_dispatcher(hooked, store, catalog, newsroom, i18n)
    app = App(settings=hooked, store=store, catalog=catalog, newsroom=newsroom, i18n=i18n, dp=dp)
    served = await start_serving(app, create_bot(hooked, session=session), session)
    try:
        async with served.http.get(served.base + PATH) as page:
            assert page.status == 200
            assert "telegram-web-app.js" in await page.text()
        async with served.http.get(f"{served.base}{PATH}api/speakers", headers=auth("ru")) as answer:
            assert answer.status == 200
            assert (await answer.json())["locale"] == "ru"
        async with served.http.get(f"{served.base}{PATH}api/speakers") as refused:
            assert refused.status == 401
        assert (await served.post(updates.message("/start", user_id=77))).status == 200  # still the bot's
        defaults = [r for r in session.requests_of(SetChatMenuButton) if r.chat_id is None]
        assert len(defaults) == 1
    finally:
        await served.http.close()
        served.stop.set()
        await served.task


async def test_polling_mode_serves_the_page_on_its_own_port(tmp_path: Path) -> None:
    api = FakeBotAPI()
    url = await api.start()
    port = free_port()
    env = {
        **bot_env(url, tmp_path),
        "WEBAPP_URL": WEBAPP_URL,
        "WEBAPP_HOST": "127.0.0.1",
        "WEBAPP_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        # The default menu button is set by a startup hook: by then the page's server listens.
        [button] = await api.wait_for("setchatmenubutton", 1, timeout=60)
        assert "chat_id" not in button
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}{PATH}") as page:
                assert page.status == 200
            async with http.get(
                f"http://127.0.0.1:{port}{PATH}api/session", headers=auth("zh-hans")
            ) as answer:
                assert answer.status == 200
                assert (await answer.json())["locale"] == "zh"
    finally:
        log = await stop_bot(process)
        await api.stop()
    assert "hash=" not in log  # no init data in the log
    assert process.returncode == 0, log
