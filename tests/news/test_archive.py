"""The news archive from day one: content/news.toml (the 2023 and 2024 editions), checked like the other
content, seeded once (restarts and content reloads add nothing), sent to nobody, shown by /news by date
among posted items."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.catalog.content import ContentError
from bot.catalog.library import Catalog
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.archive import load_archive, seed_archive
from bot.news.repository import Newsroom
from bot.runtime.app import open_app
from bot.store import Store
from tests import updates
from tests.conftest import ROOT, Cli, Driver, language_of
from tests.news_support import DRAFT, add_subscriber


async def test_the_archive_holds_the_two_later_editions(catalog: Catalog, i18n: PoI18n) -> None:
    items = load_archive(ROOT / "content", catalog.content.sources, i18n)
    assert [(i.id, i.date.isoformat()) for i in items] == [
        ("roundtable-2023-suzhou", "2023-09-18"),
        ("roundtable-2024-qingdao", "2024-10-31"),
    ]
    suzhou, qingdao = items
    for locale in ("ru", "en", "zh"):
        assert language_of(suzhou.draft.texts[locale]) == locale
        assert "prnewswire.com/in/news-releases/2023-asian-green" in suzhou.draft.texts[locale]
        assert "prnewswire.com/news-releases/the-2024-asia-green" in qingdao.draft.texts[locale]
    assert "栗宝卿" in qingdao.draft.texts["zh"]
    for name in ("Long Yongtu", "Chen Haibin", "Francisco La Camera"):
        assert name in suzhou.draft.texts["zh"]  # unconfirmed Chinese names stay in Latin letters
    for name in ("U Nyan Tun", "Dong Xiang"):
        assert name in qingdao.draft.texts["zh"]


async def test_seeding_is_idempotent_and_sends_nothing(
    store: Store, catalog: Catalog, newsroom: Newsroom, i18n: PoI18n
) -> None:
    await add_subscriber(store, 1)
    items = load_archive(ROOT / "content", catalog.content.sources, i18n)
    assert await seed_archive(newsroom, items) == 2
    assert await seed_archive(newsroom, items) == 0
    assert await newsroom.items.count() == 2
    assert sum((await newsroom.outbox.counts()).values()) == 0
    assert await newsroom.outbox.unfinished() == []
    assert [e.action for e in await newsroom.items.audit_log()] == ["seeded", "seeded"]


@pytest.mark.parametrize(("code", "locale"), [("ru", "ru"), ("en", "en"), ("zh", "zh")])
async def test_news_shows_posted_and_archive_items_newest_first(
    driver: Driver, catalog: Catalog, newsroom: Newsroom, i18n: PoI18n, code: str, locale: str
) -> None:
    await newsroom.items.post(DRAFT, actor="telegram:1")
    await seed_archive(newsroom, load_archive(ROOT / "content", catalog.content.sources, i18n))
    first = (await driver.texts(updates.message("/news", language_code=code)))[0]
    assert language_of(first) == locale
    assert DRAFT.texts[locale] in first
    pages = []
    for page in (1, 2):
        sent = await driver.feed(updates.callback(f"n:{page}", language_code=code))
        pages.append(next(r.text for r in sent if hasattr(r, "text") and r.text))
    assert "2024" in pages[0]
    assert "Qingdao" in pages[0] or "Циндао" in pages[0] or "青岛" in pages[0]
    assert "2023" in pages[1]
    assert all(language_of(p) == locale for p in pages)


async def test_every_start_seeds_once(settings: Settings) -> None:
    for _ in range(2):  # a restart
        async with AsyncExitStack() as stack:
            app = await open_app(settings, stack)
            assert await app.newsroom.items.count() == 2
            assert sum((await app.newsroom.outbox.counts()).values()) == 0


def test_content_load_seeds_once(tmp_path: Path, cli: Cli) -> None:
    db = tmp_path / "data" / "bot.sqlite3"
    env = {"DATABASE_PATH": str(db)}
    first = cli("content", "load", env=env)
    assert first.returncode == 0, first.stderr
    assert "2 new archive" in first.stdout
    again = cli("content", "load", env=env)
    assert "0 new archive" in again.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM news_item").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM delivery").fetchone() == (0,)


def test_content_check_refuses_a_bad_archive(tmp_path: Path, cli: Cli) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "news.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('source = "s5"', 'source = "s9"'), encoding="utf-8"
    )
    result = cli("content", "check", env={"CONTENT_DIR": str(content)})
    assert result.returncode == 1
    assert "news.toml: item[1]: unknown source 's9'" in result.stderr


def test_a_bad_archive_is_a_content_error(tmp_path: Path, catalog: Catalog, i18n: PoI18n) -> None:
    (tmp_path / "news.toml").write_text(
        '[[item]]\nid = "x"\ndate = 2024-01-01\nsource = "s4"\n', encoding="utf-8"
    )
    with pytest.raises(ContentError, match="text needs ru, en and zh"):
        load_archive(tmp_path, catalog.content.sources, i18n)
