"""`python -m bot news post FILE`: a news item from the shell, checked completely before it is stored."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

from bot.core.config import Settings
from bot.core.i18n import create_i18n
from bot.news.items import load_news_file
from bot.news.repository import Newsroom, PostResult
from bot.store import Store


def shell_actor() -> str:
    """Who posted, for the audit log: the shell user's name where the system knows it."""
    try:
        return f"shell:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in some containers
        return "shell"


async def post_news_file(settings: Settings, path: Path) -> PostResult:
    """Check the file completely (`NewsFileError` lists every problem), then store the item and its
    deliveries in one transaction; a running bot's broadcaster finds them at its next poll."""
    i18n = create_i18n(settings.locales_dir, settings.default_locale, settings.tz)
    draft = load_news_file(path, i18n, dt.datetime.now(dt.UTC))
    actor = shell_actor()
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    try:
        return await Newsroom(store.db).items.post(draft, actor=actor)
    finally:
        await store.close()
