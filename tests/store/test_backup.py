"""`python -m bot backup PATH` during a broadcast: the copy opens, passes PRAGMA integrity_check and holds
every delivery committed before it began; a folder gets a dated file; a missing store is one line and exit 3.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from aiogram import Bot
from aiogram.methods import SendMessage

from bot.console.session import LocalSession
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.repository import Newsroom
from bot.store import Store
from tests.conftest import Cli
from tests.news_support import DRAFT, FakeClock, add_subscriber, make_broadcaster

SUBSCRIBERS = 1500


def sent_rows(path: Path) -> set[tuple[int, int]]:
    with sqlite3.connect(path) as conn:
        return {
            (r[0], r[1]) for r in conn.execute("SELECT item_id, user_id FROM delivery WHERE state='sent'")
        }


def settings_env(settings: Settings) -> dict[str, str]:
    return {"DATABASE_PATH": str(settings.database_path), "BOT_TOKEN": ""}


async def test_backup_during_a_broadcast_holds_what_was_committed_before_it(
    settings: Settings,
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    bot: Bot,
    session: LocalSession,
    cli: Cli,
    tmp_path: Path,
) -> None:
    for user_id in range(1, SUBSCRIBERS + 1):
        await add_subscriber(store, user_id)
    await newsroom.items.post(DRAFT, actor="test")
    clock = FakeClock()
    under_way = asyncio.Event()
    session.listeners.append(
        lambda method, _: len(session.requests_of(SendMessage)) >= SUBSCRIBERS // 3 and under_way.set()
    )
    broadcast = asyncio.create_task(make_broadcaster(newsroom, i18n, clock).drain(bot))
    await under_way.wait()
    committed = sent_rows(settings.database_path)
    assert committed, "nothing committed yet: nothing would be tested"
    target = tmp_path / "copy.sqlite3"

    result = await asyncio.to_thread(cli, "backup", str(target), env=settings_env(settings))

    assert not broadcast.done(), "the broadcast ended before the backup: nothing was tested"
    await broadcast
    assert result.returncode == 0, result.stderr
    assert "integrity check ok" in result.stdout
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    in_copy = sent_rows(target)
    assert committed <= in_copy
    assert len(sent_rows(settings.database_path)) == SUBSCRIBERS
    assert not target.with_name("copy.sqlite3.partial").exists()


async def test_backup_into_a_folder_gets_a_dated_file(
    settings: Settings, store: Store, cli: Cli, tmp_path: Path
) -> None:
    await add_subscriber(store, 7)
    folder = tmp_path / "backups"
    folder.mkdir()
    result = cli("backup", str(folder), env=settings_env(settings))
    assert result.returncode == 0, result.stderr
    [made] = folder.glob("bot-*.sqlite3")
    with sqlite3.connect(made) as copy:
        assert copy.execute("SELECT count(*) FROM subscription").fetchone() == (1,)


def test_backup_without_a_store_is_one_line(cli: Cli, tmp_path: Path) -> None:
    result = cli("backup", str(tmp_path / "x.sqlite3"), env={"DATABASE_PATH": str(tmp_path / "none.sqlite3")})
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [f"error: backup: no store at {tmp_path / 'none.sqlite3'}"]
