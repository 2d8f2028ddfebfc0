"""The console serves the Mini App on 127.0.0.1 and prints its URL, signed for the console's user, so a
newcomer can open the page in a browser without Telegram."""

from __future__ import annotations

import io
import socket
from contextlib import AsyncExitStack
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp

from bot.catalog.library import Catalog
from bot.console.terminal import run_console
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.repository import Newsroom
from bot.store import Store
from bot.webapp.server import serve_local
from tests.conftest import TOKEN


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_local_url_opens_the_page_as_its_user(
    settings: Settings, store: Store, catalog: Catalog, newsroom: Newsroom, i18n: PoI18n
) -> None:
    port = free_port()
    local = settings.model_copy(update={"webapp_port": port})
    user: dict[str, object] = {"id": 77, "first_name": "Console", "language_code": "zh-hans"}
    async with AsyncExitStack() as stack:
        url = await serve_local(local, store, catalog, newsroom, i18n, TOKEN, user, stack)
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"http://127.0.0.1:{port}/app/"
        init_data = parse_qs(parts.fragment)["tgWebAppData"][0]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/app/") as page:
                assert page.status == 200
            headers = {"Authorization": "tma " + init_data}
            async with http.get(f"http://127.0.0.1:{port}/app/api/session", headers=headers) as answer:
                assert answer.status == 200
                assert (await answer.json())["locale"] == "zh"
            async with http.get(f"http://127.0.0.1:{port}/app/api/session") as refused:
                assert refused.status == 401


async def test_the_console_prints_the_mini_apps_url(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    out = io.StringIO()
    local = settings.model_copy(update={"webapp_port": port})
    await run_console(local, stdin=io.StringIO("/start\n"), stdout=out, color=False, lang="en")
    assert f"Mini App: open http://127.0.0.1:{port}/app/#tgWebAppData=" in out.getvalue()
