"""The SQLite store on a real file: migrations, pragmas, content reloads that never touch user data."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.catalog.content import CONTENT_FILES, load_content
from bot.catalog.library import Catalog
from bot.store import Store, StoreError
from bot.store.migrations import MIGRATIONS
from tests.conftest import ROOT, Cli


async def test_migrations_and_pragmas(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    try:
        assert await store.db.user_version() == len(MIGRATIONS)
        async with store.db.conn.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
        async with store.db.conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1
        async with store.db.conn.execute("PRAGMA busy_timeout") as cur:
            assert (await cur.fetchone())[0] >= 1000
    finally:
        await store.close()
    # Reopening runs nothing again.
    store = await Store.open(tmp_path / "s.sqlite3")
    assert await store.db.user_version() == len(MIGRATIONS)
    await store.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(StoreError, match="newer than this bot"):
        await Store.open(path)


async def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        await Store.open(path)


async def test_content_reload_keeps_users_and_subscriptions(tmp_path: Path) -> None:
    content_dir = tmp_path / "content"
    shutil.copytree(ROOT / "content", content_dir)
    store = await Store.open(tmp_path / "s.sqlite3")
    catalog = Catalog(store.db)
    try:
        first = await catalog.ensure_content(content_dir)
        await store.users.touch(1, "ru")
        await store.users.set_locale(1, "zh")
        assert await store.subscriptions.subscribe(1)
        assert not await store.subscriptions.subscribe(1)

        people = content_dir / "people.toml"
        people.write_text(people.read_text(encoding="utf-8").replace("Кин Феа", "Кин Феа (изм.)"), "utf-8")
        second = await catalog.ensure_content(content_dir)
        assert second.version != first.version
        assert catalog.content.by_slug["kin-phea"].name.ru == "Кин Феа (изм.)"
        assert await store.users.get_locale(1) == "zh"
        assert await store.subscriptions.is_subscribed(1)
        assert await catalog.content_repo.version() == second.version
    finally:
        await store.close()


async def test_broken_files_keep_the_stored_content(tmp_path: Path) -> None:
    content_dir = tmp_path / "content"
    shutil.copytree(ROOT / "content", content_dir)
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    catalog = Catalog(store.db)
    good = await catalog.ensure_content(content_dir)
    await store.close()

    (content_dir / "people.toml").write_text("[[person]]\nslug = 'half-writ", "utf-8")
    store = await Store.open(path)
    catalog = Catalog(store.db)
    try:
        served = await catalog.ensure_content(content_dir)
        assert served.version == good.version
        assert len(served.people) == 10
    finally:
        await store.close()


async def test_unchanged_files_are_not_reloaded(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    catalog = Catalog(store.db)
    try:
        await catalog.ensure_content(ROOT / "content")
        async with store.db.conn.execute("SELECT loaded_at FROM content_meta") as cur:
            loaded_at = (await cur.fetchone())[0]
        await store.db.conn.execute("UPDATE content_meta SET loaded_at = 'marker'")
        await catalog.ensure_content(ROOT / "content")
        async with store.db.conn.execute("SELECT loaded_at FROM content_meta") as cur:
            assert (await cur.fetchone())[0] == "marker"
        assert loaded_at != "marker"
    finally:
        await store.close()


async def test_stored_content_round_trips(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    catalog = Catalog(store.db)
    try:
        files = load_content(ROOT / "content")
        await catalog.load_content(files)
        stored = await catalog.content_repo.load()
        assert stored == files
    finally:
        await store.close()


def test_content_load_cli_keeps_user_data(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    assert cli("content", "load", env={"DATABASE_PATH": str(db)}).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO user (id, locale) VALUES (5, 'ru')")
        conn.execute("INSERT INTO subscription (user_id) VALUES (5)")
    result = cli("content", "load", env={"DATABASE_PATH": str(db)})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT locale FROM user WHERE id = 5").fetchone() == ("ru",)
        assert conn.execute("SELECT count(*) FROM subscription").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM content_document").fetchone() == (len(CONTENT_FILES),)


async def test_concurrent_writes_take_turns(tmp_path: Path) -> None:
    """Polling handles updates concurrently on one connection: transactions must not interleave."""
    import asyncio

    store = await Store.open(tmp_path / "s.sqlite3")
    try:
        await asyncio.gather(*(store.users.touch(i, "ru") for i in range(50)))
        await asyncio.gather(*(store.subscriptions.subscribe(i) for i in range(50)))
        assert await store.users.count() == 50
        assert await store.subscriptions.count() == 50
    finally:
        await store.close()
