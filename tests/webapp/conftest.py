"""An aiohttp test client over the Mini App's routes, on the same store, catalog and news as the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.catalog.library import Catalog
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.repository import Newsroom
from bot.store import Store
from bot.webapp.server import WebApp
from tests.conftest import TOKEN
from tests.webapp.support import WEBAPP_URL


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webapp_url": WEBAPP_URL})


@pytest.fixture
def webapp(settings: Settings, store: Store, catalog: Catalog, newsroom: Newsroom, i18n: PoI18n) -> WebApp:
    return WebApp(settings, store, catalog, newsroom, i18n, TOKEN)


@pytest.fixture
async def client(webapp: WebApp) -> AsyncIterator[TestClient[object, object]]:
    async with TestClient(TestServer(webapp.application())) as client:
        yield client
