"""/privacy matches the schema: every table of a real store that holds a user's ID is named by a line of the
notice (`screens.PRIVACY_TABLES`), in every language. A migration appended by anyone that adds such a table
fails here until the notice says what it keeps; a table with no user ID (search-miss counts) needs nothing."""

from __future__ import annotations

import re

import aiosqlite
import pytest

from bot.catalog import screens
from bot.core.i18n import LOCALES, PoI18n
from bot.store import Store
from tests.conftest import language_of

# A column holding a Telegram user (or private chat) ID, by its name: `user_id`, `author_id`, `actor`,
# `progress_chat_id`, `admin`, … Two columns say so only by their table: the user row's own `id`, and the
# FSM key (`<bot>:<chat>:<user>…`).
USER_ID_COLUMN = re.compile(r"(^|_)(user|author|actor|admin|chat|subscriber|reader|member|sender)(_id)?$")
USER_ID_BY_TABLE = {("user", "id"), ("fsm_state", "key")}


async def tables_with_a_user_id(conn: aiosqlite.Connection) -> dict[str, list[str]]:
    """Each table of the schema that has a user-ID column, with those columns."""
    async with conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cur:
        tables = [str(row[0]) for row in await cur.fetchall()]
    found: dict[str, list[str]] = {}
    for table in tables:
        async with conn.execute(f'PRAGMA table_info("{table}")') as cur:
            columns = [str(row[1]) for row in await cur.fetchall()]
        holding = [c for c in columns if USER_ID_COLUMN.search(c) or (table, c) in USER_ID_BY_TABLE]
        if holding:
            found[table] = holding
    return found


async def all_tables(conn: aiosqlite.Connection) -> set[str]:
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
        return {str(row[0]) for row in await cur.fetchall()}


async def test_every_table_holding_a_user_id_is_named_by_the_notice(store: Store) -> None:
    found = await tables_with_a_user_id(store.db.conn)
    assert {"user", "subscription", "delivery", "news_audit"} <= set(found)  # the detector sees them
    unnamed = {table: columns for table, columns in found.items() if table not in screens.PRIVACY_TABLES}
    assert not unnamed, f"tables with a user ID that /privacy does not name (PRIVACY_TABLES): {unnamed}"
    assert set(screens.PRIVACY_TABLES) <= await all_tables(store.db.conn), "PRIVACY_TABLES names a lost table"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_notice_shows_each_line_the_tables_need(i18n: PoI18n, locale: str) -> None:
    t = i18n.translator(locale)
    lines = screens.privacy_lines(t)
    text = screens.privacy(t).text
    assert len(set(lines.values())) == len(lines)  # no two lines read the same
    for table, keys in screens.PRIVACY_TABLES.items():
        for key in keys:
            assert lines[key] in text, (table, key)
            assert language_of(lines[key]) == locale, (table, key)


async def test_a_new_table_with_a_user_id_must_be_named_and_one_without_need_not(store: Store) -> None:
    conn = store.db.conn
    await conn.execute("CREATE TABLE poll_vote (item_id INTEGER, user_id INTEGER, choice TEXT)")
    await conn.execute("CREATE TABLE poll_option (item_id INTEGER, text TEXT)")
    found = await tables_with_a_user_id(conn)
    assert "poll_vote" in found
    assert "poll_option" not in found
    assert "search_miss" not in found  # the real table: a query's text and day, no user id
    assert {table for table in found if table not in screens.PRIVACY_TABLES} == {"poll_vote"}


@pytest.mark.parametrize(
    ("locale", "at_once", "searches"),
    [("en", "ends at once", "90 days"), ("ru", "сразу", "90 дней"), ("zh", "立即", "90天")],
)
def test_the_notice_says_blocking_unsubscribes_at_once_and_search_misses_hold_no_id(
    i18n: PoI18n, locale: str, at_once: str, searches: str
) -> None:
    lines = screens.privacy_lines(i18n.translator(locale))
    assert at_once in lines["how long"]
    assert searches in lines["searches"]
    assert "ID" in lines["searches"] or "идентификатор" in lines["searches"]
