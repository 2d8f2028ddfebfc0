"""News storage on a real SQLite file: items, the outbox state machine, the FSM storage across a reopen,
and `python -m bot news post FILE`."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.cli import main
from bot.news.repository import NewsDraft, Newsroom
from bot.store import Store
from bot.store.fsm import SQLiteStorage
from tests.news_support import DRAFT, add_subscriber


class Flow(StatesGroup):
    step = State()


KEY = StorageKey(bot_id=1, chat_id=10, user_id=10)


async def test_fsm_state_and_data_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    storage = SQLiteStorage(store.db)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
    await storage.set_state(KEY, Flow.step)
    await storage.set_data(KEY, {"ru": "Текст <b>жирный</b>", "n": 1})
    updated = await storage.update_data(KEY, {"en": "Text"})
    assert updated == {"ru": "Текст <b>жирный</b>", "n": 1, "en": "Text"}
    await storage.close()  # the dispatcher closes its storage: the store's connection stays open
    await store.close()

    store = await Store.open(path)
    try:
        storage = SQLiteStorage(store.db)
        assert await storage.get_state(KEY) == "Flow:step"
        assert await storage.get_value(KEY, "en") == "Text"
        other = StorageKey(bot_id=1, chat_id=10, user_id=10, destiny="other")
        assert await storage.get_state(other) is None
        await storage.set_state(KEY, None)
        await storage.set_data(KEY, {})
        async with store.db.conn.execute("SELECT count(*) FROM fsm_state") as cur:
            assert (await cur.fetchone())[0] == 0  # an empty record is deleted
    finally:
        await store.close()


async def test_post_queues_one_delivery_per_subscriber_and_audits(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    newsroom = Newsroom(store.db)
    try:
        for uid in (1, 2, 3):
            await add_subscriber(store, uid)
        await store.users.touch(4, "ru")  # not subscribed
        titles = {"ru": "Заголовок", "en": "Title", "zh": "标题"}
        result = await newsroom.items.post(
            NewsDraft(texts=DRAFT.texts, titles=titles), actor="telegram:9001", author_id=9001, key="k1"
        )
        assert (result.created, result.recipients) == (True, 3)
        again = await newsroom.items.post(DRAFT, actor="telegram:9001", author_id=9001, key="k1")
        assert (again.item_id, again.created, again.recipients) == (result.item_id, False, 3)
        item = await newsroom.items.get(result.item_id)
        assert item is not None
        assert item.titles == titles
        assert item.texts == DRAFT.texts
        assert await newsroom.items.audit(result.item_id) == [("posted", "telegram:9001")]
        counts = await newsroom.outbox.counts()
        assert counts == {"pending": 3, "sending": 0, "sent": 0, "dropped": 0, "failed": 0}
        progress = await newsroom.outbox.progress(result.item_id)
        assert progress is not None
        assert (progress.left, progress.done) == (3, False)
    finally:
        await store.close()


async def test_outbox_state_machine_and_crash_recovery(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    newsroom = Newsroom(store.db)
    for uid in (1, 2, 3):
        await add_subscriber(store, uid)
    item = (await newsroom.items.post(DRAFT, actor="test")).item_id
    due = await newsroom.outbox.due(now=0.0, limit=10)
    assert [d.user_id for d in due] == [1, 2, 3]
    assert await newsroom.outbox.mark_sending(item, 1)
    assert not await newsroom.outbox.mark_sending(item, 1)  # claimed once
    await newsroom.outbox.mark_sent(item, 1)
    assert await newsroom.outbox.mark_sending(item, 2)
    await newsroom.outbox.retry_later(item, 2, "Bad Gateway", at=100.0)
    assert [d.user_id for d in await newsroom.outbox.due(now=50.0, limit=10)] == [3]
    assert await newsroom.outbox.next_due_at() == 0.0
    assert await newsroom.outbox.mark_sending(item, 3)
    await store.close()  # "crash" with 3 in flight

    store = await Store.open(path)
    newsroom = Newsroom(store.db)
    try:
        assert await newsroom.outbox.recover() == 1
        due = await newsroom.outbox.due(now=100.0, limit=10)
        assert [(d.user_id, d.attempts) for d in due] == [(3, 1), (2, 1)]
        row = await newsroom.outbox.get(item, 2)
        assert row is not None
        assert row["last_error"] == "Bad Gateway"
    finally:
        await store.close()


def test_migration_2_adds_the_news_tables(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    asyncio.run(_open_and_close(path))
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"news_item", "news_audit", "delivery", "fsm_state"} <= tables
        with pytest.raises(sqlite3.IntegrityError):
            # titles: all three or none
            conn.execute(
                "INSERT INTO news_item (text_ru, text_en, text_zh, title_ru) VALUES ('a', 'b', 'c', 'd')"
            )


async def _open_and_close(path: Path) -> None:
    store = await Store.open(path)
    await store.close()


# -- python -m bot news post FILE --------------------------------------------------------------------------


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "data" / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(db))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    return db


def news_count(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM news_item").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


GOOD = """
ru = "Подписанты <b>встретились</b> снова."
en = "The signatories <b>met</b> again."
zh = "签署方<b>再次</b>会面。"

[title]
ru = "Встреча"
en = "A meeting"
zh = "会面"
"""


def test_news_post_cli_stores_and_queues(
    tmp_path: Path, db_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_subscribe(db_env, [1, 2]))
    path = tmp_path / "item.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["news", "post", str(path)]) == 0
    assert "queued for 2 subscribers" in capsys.readouterr().out
    with sqlite3.connect(db_env) as conn:
        assert conn.execute("SELECT title_en, author_id FROM news_item").fetchall() == [("A meeting", None)]
        assert conn.execute("SELECT count(*) FROM delivery WHERE state = 'pending'").fetchone() == (2,)
        actor = conn.execute("SELECT actor FROM news_audit").fetchone()[0]
        assert actor.startswith("shell")


async def _subscribe(db: Path, users: list[int]) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    store = await Store.open(db)
    try:
        for uid in users:
            await add_subscriber(store, uid)
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('ru = "a"\nen = "b"', "zh: missing or empty"),
        ('ru = "a"\nen = "b"\nzh = "  "', "zh: missing or empty"),
        ('ru = "a"\nen = "b"\nzh = "<b>c"', "zh: unclosed <b>"),
        ('ru = "a"\nen = "<script>x</script>"\nzh = "c"', "en: unsupported tag <script>"),
        ('ru = "a & b"\nen = "b"\nzh = "c"', "ru: unescaped &"),
        (f'ru = "{"я" * 4096}"\nen = "b"\nzh = "c"', "ru: text is too long"),
        ('ru = "a"\nen = "b"\nzh = "c"\nauthor = "me"', "unknown key 'author'"),
        ('ru = "a"\nen = "b"\nzh = "c"\n[title]\nru = "x"', "title.en: missing or empty"),
        ('ru = "a"\nen = "b"\nzh = "c"\ntitle = "x"', "title: must be a table"),
        ("ru = ", "not valid TOML"),
    ],
)
def test_news_post_cli_refuses_bad_files_before_storing_anything(
    tmp_path: Path, db_env: Path, capsys: pytest.CaptureFixture[str], body: str, expected: str
) -> None:
    path = tmp_path / "item.toml"
    path.write_text(body, encoding="utf-8")
    assert main(["news", "post", str(path)]) == 1
    err = capsys.readouterr().err
    assert expected in err
    assert str(path) in err
    assert news_count(db_env) == 0


def test_news_post_cli_missing_file(tmp_path: Path, db_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["news", "post", str(tmp_path / "nope.toml")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_news_post_cli_says_one_subscriber_in_the_singular(
    tmp_path: Path, db_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_subscribe(db_env, [1]))
    path = tmp_path / "item.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["news", "post", str(path)]) == 0
    assert "queued for 1 subscriber in " in capsys.readouterr().out


async def _two_items_with_failures(db: Path) -> tuple[int, int]:
    """Two items to three subscribers: item one failed for users 1 and 2, item two for user 3."""
    db.parent.mkdir(parents=True, exist_ok=True)
    store = await Store.open(db)
    try:
        for user_id in (1, 2, 3):
            await add_subscriber(store, user_id)
        newsroom = Newsroom(store.db)
        first = (await newsroom.items.post(DRAFT, actor="test")).item_id
        second = (await newsroom.items.post(DRAFT, actor="test")).item_id
        for item, user_id in ((first, 1), (first, 2), (second, 3)):
            await newsroom.outbox.fail(item, user_id, "Bad Request: chat is gone")
        return first, second
    finally:
        await store.close()


def _states(db: Path) -> dict[tuple[int, int], tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT item_id, user_id, state, attempts FROM delivery").fetchall()
    return {(item, user): (state, attempts) for item, user, state, attempts in rows}


def test_news_retry_failed_requeues_one_item_then_all(
    db_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = asyncio.run(_two_items_with_failures(db_env))
    assert main(["news", "retry-failed", str(first)]) == 0
    assert f"news #{first}: 2 failed deliveries queued again" in capsys.readouterr().out
    states = _states(db_env)
    assert states[(first, 1)] == ("pending", 0)
    assert states[(first, 2)] == ("pending", 0)
    assert states[(second, 3)][0] == "failed"  # another item: untouched

    assert main(["news", "retry-failed"]) == 0
    assert f"news #{second}: 1 failed delivery queued again" in capsys.readouterr().out
    assert {state for state, _ in _states(db_env).values()} == {"pending"}
    with sqlite3.connect(db_env) as conn:
        assert conn.execute("SELECT count(*) FROM news_item WHERE finished_at IS NOT NULL").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM news_audit WHERE action = 'retry-failed'").fetchone() == (
            2,
        )

    assert main(["news", "retry-failed"]) == 0
    assert "no failed deliveries" in capsys.readouterr().out
