"""/privacy says what is stored; /forget deletes it all after a confirmation, in the user's language, twice
safely."""

from __future__ import annotations

import sqlite3

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey

from bot.catalog import screens
from bot.catalog.profile import public_commands
from bot.core.callbacks import ForgetCb
from bot.core.i18n import PoI18n
from bot.news.repository import NewsDraft, Newsroom
from bot.runtime.privacy import forget_user
from bot.store import Store
from tests import updates
from tests.chat_support import LANGUAGES, datas, one_answer, one_edit, one_message
from tests.conftest import ADMIN_ID, Driver, language_of


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_privacy_says_what_is_stored_why_and_how_long(
    driver: Driver, i18n: PoI18n, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message("/PRIVACY", language_code=code)))
    t = i18n.translator(expected)
    assert sent.text == screens.privacy(t).text
    assert language_of(sent.text) == expected
    assert "/forget" in sent.text
    assert "Telegram" in sent.text


@pytest.mark.parametrize("locale", ["ru", "en", "zh"])
def test_privacy_and_forget_are_public_commands(i18n: PoI18n, locale: str) -> None:
    commands = [command for command, _ in public_commands(i18n.translator(locale))]
    assert {"privacy", "forget"} <= set(commands)


async def _count(store: Store, sql: str, user_id: int) -> int:
    async with store.db.conn.execute(sql, (user_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_forget_deletes_everything_after_confirmation(
    driver: Driver, store: Store, newsroom: Newsroom, i18n: PoI18n, code: str, expected: str
) -> None:
    user = 71
    await driver.feed(updates.message("/subscribe", user_id=user, language_code=code))
    await newsroom.items.post(
        NewsDraft(texts={"ru": "Новость", "en": "News", "zh": "新闻"}), actor="test", author_id=ADMIN_ID
    )
    assert await _count(store, "SELECT count(*) FROM delivery WHERE user_id = ?", user) == 1
    await store.db.conn.execute("UPDATE delivery SET state = 'sent', message_id = 5, locale = 'en'")
    await newsroom.items.edit(1, {"en": "Corrected news"}, actor="test")  # a change queued for the copy
    assert await _count(store, "SELECT count(*) FROM delivery_change WHERE user_id = ?", user) == 1
    key = StorageKey(bot_id=driver.bot.id, chat_id=user, user_id=user)
    await driver.dp.storage.set_data(key, {"draft": "x"})

    asked = one_message(await driver.feed(updates.message("/forget", user_id=user, language_code=code)))
    assert language_of(asked.text) == expected
    assert ForgetCb().pack() in datas(asked.reply_markup)
    assert await store.subscriptions.is_subscribed(user)  # nothing deleted before the button

    for _ in range(2):  # pressing again changes nothing and answers the same
        sent = await driver.feed(updates.callback(ForgetCb().pack(), user_id=user, language_code=code))
        done = one_edit(sent)
        assert done.text == screens.forgotten(i18n.translator(expected)).text
        assert one_answer(sent).show_alert is not True
        for sql in (
            "SELECT count(*) FROM user WHERE id = ?",
            "SELECT count(*) FROM subscription WHERE user_id = ?",
            "SELECT count(*) FROM delivery WHERE user_id = ?",
            "SELECT count(*) FROM delivery_change WHERE user_id = ?",
        ):
            assert await _count(store, sql, user) == 0, sql
        assert await driver.dp.storage.get_data(key) == {}

    # The next message records the user afresh (the tracking cache was emptied too).
    await driver.feed(updates.message("/help", user_id=user, language_code=code))
    await store.users.flush()  # sightings are written behind, within a fraction of a second
    assert await _count(store, "SELECT count(*) FROM user WHERE id = ?", user) == 1


async def test_forget_is_one_transaction_a_failure_leaves_everything(
    driver: Driver, store: Store, newsroom: Newsroom
) -> None:
    user = 72
    await driver.feed(updates.message("/subscribe", user_id=user))
    await newsroom.items.post(NewsDraft(texts={"ru": "Новость", "en": "News", "zh": "新闻"}), actor="test")
    await store.db.conn.execute("UPDATE delivery SET state = 'sent', message_id = 5, locale = 'en'")
    await newsroom.items.edit(1, {"en": "Corrected news"}, actor="test")
    key = StorageKey(bot_id=driver.bot.id, chat_id=user, user_id=user)
    await driver.dp.storage.set_data(key, {"draft": "x"})
    # The last delete fails (a full disk, say): nothing of the user's may be gone.
    await store.db.conn.execute(
        "CREATE TEMP TRIGGER refuse BEFORE DELETE ON user BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    await store.db.conn.commit()
    state = FSMContext(storage=driver.dp.storage, key=key)
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        await forget_user(store, state, user)
    for sql in (
        "SELECT count(*) FROM user WHERE id = ?",
        "SELECT count(*) FROM subscription WHERE user_id = ?",
        "SELECT count(*) FROM delivery WHERE user_id = ?",
        "SELECT count(*) FROM delivery_change WHERE user_id = ?",
    ):
        assert await _count(store, sql, user) == 1, sql
    assert await driver.dp.storage.get_data(key) == {"draft": "x"}
    await store.db.conn.execute("DROP TRIGGER refuse")
    await store.db.conn.commit()
    await forget_user(store, state, user)  # again, once the disk has room
    assert await _count(store, "SELECT count(*) FROM delivery WHERE user_id = ?", user) == 0
    assert await driver.dp.storage.get_data(key) == {}
