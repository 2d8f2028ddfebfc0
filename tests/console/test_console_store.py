"""Which store the console uses: its own scratch file by default, and never a live bot's outbox."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.news.repository import Newsroom
from bot.store import Store
from bot.store.lock import StoreLock
from tests.conftest import TOKEN, Cli
from tests.news_support import DRAFT, add_subscriber

REAL_SUBSCRIBERS = (42, 43)


async def _bot_store_with_news(path: Path) -> int:
    """A bot's store with one item for two real subscribers: 42's delivery pending, 43's in flight."""
    path.parent.mkdir(parents=True, exist_ok=True)
    store = await Store.open(path)
    try:
        for user_id in REAL_SUBSCRIBERS:
            await add_subscriber(store, user_id, "en")
        result = await Newsroom(store.db).items.post(DRAFT, actor="test")
        async with store.db.transaction() as conn:
            await conn.execute(
                "UPDATE delivery SET state = 'sending' WHERE item_id = ? AND user_id = 43", (result.item_id,)
            )
        return result.item_id
    finally:
        await store.close()


async def _deliveries(path: Path, item_id: int) -> dict[int, tuple[str, int]]:
    store = await Store.open(path)
    try:
        async with store.db.read(
            "SELECT user_id, state, attempts FROM delivery WHERE item_id = ?", (item_id,)
        ) as cur:
            return {row[0]: (row[1], row[2]) for row in await cur.fetchall()}
    finally:
        await store.close()


def _env(database: Path) -> dict[str, str]:
    return {
        "DATABASE_PATH": str(database),
        "TELEGRAM_API_URL": "http://127.0.0.1:9",  # nothing listens there: any request would fail
        "BOT_TOKEN": TOKEN,
    }


def test_console_uses_its_own_scratch_store_and_leaves_the_bots_outbox_alone(
    cli: Cli, tmp_path: Path
) -> None:
    bot_store = tmp_path / "data" / "bot.sqlite3"
    item_id = asyncio.run(_bot_store_with_news(bot_store))
    before = asyncio.run(_deliveries(bot_store, item_id))
    assert before == {42: ("pending", 0), 43: ("sending", 0)}

    result = cli("console", "--lang", "en", env=_env(bot_store), stdin="/start\n/news\n")

    assert result.returncode == 0, result.stderr
    # Nothing of the bot's outbox was drained into the console's fake session or reset from `sending`.
    assert asyncio.run(_deliveries(bot_store, item_id)) == before
    assert "→ chat 42" not in result.stdout
    assert "→ chat 43" not in result.stdout
    scratch = tmp_path / "data" / "console.sqlite3"
    assert scratch.exists()
    assert f"store: {scratch} (the console's own scratch store" in result.stdout
    # The console's conversation went to its own store, not the bot's: /news there has only the seeded
    # archive (two items), not the bot's item.
    shown = result.stdout.split("> /news", 1)[1]
    assert "1 / 2" in shown
    assert "The signatories of the initiative met" not in shown  # DRAFT's en text, as the console prints it


def test_console_on_an_explicit_store_sends_none_of_its_news(cli: Cli, tmp_path: Path) -> None:
    bot_store = tmp_path / "data" / "bot.sqlite3"
    item_id = asyncio.run(_bot_store_with_news(bot_store))
    before = asyncio.run(_deliveries(bot_store, item_id))

    result = cli(
        "console", "--lang", "en", "--database", str(bot_store), env=_env(bot_store), stdin="/news\n"
    )

    assert result.returncode == 0, result.stderr
    assert "not the console's own: news is not sent from the console" in result.stdout
    assert "📰 News · " in result.stdout.split("> /news", 1)[1]  # it really is that store
    assert asyncio.run(_deliveries(bot_store, item_id)) == before
    assert "→ chat 42" not in result.stdout
    assert "→ chat 43" not in result.stdout
    assert not (tmp_path / "data" / "console.sqlite3").exists()


def test_console_refuses_a_store_a_running_bot_holds(cli: Cli, tmp_path: Path) -> None:
    bot_store = tmp_path / "data" / "bot.sqlite3"
    item_id = asyncio.run(_bot_store_with_news(bot_store))
    before = asyncio.run(_deliveries(bot_store, item_id))
    lock = StoreLock.acquire(bot_store)  # what a running bot holds
    try:
        result = cli("console", "--database", str(bot_store), env=_env(bot_store), stdin="/start\n")
    finally:
        lock.release()

    assert result.returncode == 2
    assert "served by another bot process" in result.stderr
    assert asyncio.run(_deliveries(bot_store, item_id)) == before
