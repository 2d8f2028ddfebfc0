"""An admin's draft never captures what was meant for something else: another command or a menu button ends
it with a short note (and then does what it always does), 30 minutes of silence end it too, restart or not.
Posting with nobody subscribed says so instead of "sent"."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod

from bot.catalog.library import Catalog
from bot.console.session import LocalSession
from bot.core.callbacks import MenuAction, MenuCb, NoTitleCb, PostSendCb
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.repository import Newsroom
from bot.runtime.app import create_dispatcher
from bot.store import Store
from tests import updates
from tests.chat_support import press_shown
from tests.conftest import ADMIN_ID, Driver, language_of
from tests.news_support import FakeClock

TEXTS = {"ru": "Встреча подписантов", "en": "Signatories meet", "zh": "签署方会面"}


def sends(requests: list[TelegramMethod[Any]]) -> list[SendMessage]:
    return [r for r in requests if isinstance(r, SendMessage)]


def admin_says(text: str, language_code: str = "en") -> dict[str, Any]:
    return updates.message(text, user_id=ADMIN_ID, language_code=language_code)


async def draft_state(store: Store) -> str | None:
    async with store.db.conn.execute("SELECT state FROM fsm_state WHERE state IS NOT NULL") as cur:
        row = await cur.fetchone()
    return row[0] if row else None


def is_preview(message: SendMessage) -> bool:
    return "/unsubscribe" in message.text


@pytest.fixture
def clock(dp: Dispatcher) -> FakeClock:
    clock = FakeClock()
    dp["clock"] = clock
    return clock


@pytest.mark.parametrize(("code", "locale"), [("ru", "ru"), ("en", "en"), ("zh", "zh")])
async def test_start_ends_the_draft_and_the_next_text_is_a_search(
    driver: Driver, store: Store, code: str, locale: str
) -> None:
    await driver.feed(admin_says("/post", code))
    replies = sends(await driver.feed(admin_says("/start", code)))
    assert len(replies) == 2  # the note, then the main menu as always
    assert all(language_of(m.text) == locale for m in replies)
    assert "/post" in replies[0].text
    assert replies[1].reply_markup is not None  # the menu
    assert await draft_state(store) is None
    after = sends(await driver.feed(admin_says("Li Baoqing", code)))
    assert len(after) == 1
    assert not is_preview(after[0])


async def test_a_menu_button_ends_the_draft(driver: Driver, store: Store) -> None:
    await driver.feed(admin_says("/post"))
    await driver.feed(admin_says(TEXTS["ru"]))
    pressed = await driver.feed(updates.callback(MenuCb(action=MenuAction.ABOUT).pack(), user_id=ADMIN_ID))
    notes = sends(pressed)
    assert len(notes) == 1
    assert "discarded" in notes[0].text
    assert int(notes[0].chat_id) == ADMIN_ID
    assert any(isinstance(r, EditMessageText) for r in pressed)  # the About screen, as always
    assert any(isinstance(r, AnswerCallbackQuery) for r in pressed)
    assert await draft_state(store) is None
    assert not any(is_preview(m) for m in sends(await driver.feed(admin_says(TEXTS["en"]))))


async def test_cancel_and_the_flow_buttons_do_not_discard(driver: Driver, newsroom: Newsroom) -> None:
    await driver.feed(admin_says("/post"))
    for locale in ("ru", "en", "zh"):
        await driver.feed(admin_says(TEXTS[locale]))
    await driver.feed(press_shown(driver.session, NoTitleCb, user_id=ADMIN_ID))
    pressed = await driver.feed(press_shown(driver.session, PostSendCb, user_id=ADMIN_ID))
    assert not any("discarded" in m.text for m in sends(pressed))
    assert await newsroom.items.count() == 1


async def test_a_draft_left_before_a_restart_does_not_take_the_next_message(
    driver: Driver, settings: Settings, store: Store, i18n: PoI18n, bot: Bot, session: LocalSession
) -> None:
    await driver.feed(admin_says("/post"))
    restarted = await Store.open(settings.database_path)
    try:
        catalog2 = Catalog(restarted.db)
        await catalog2.ensure_content(settings.content_dir)
        driver2 = Driver(
            create_dispatcher(settings, restarted, catalog2, Newsroom(restarted.db), i18n), bot, session
        )
        replies = sends(await driver2.feed(admin_says("/start")))
        assert "discarded" in replies[0].text
        after = sends(await driver2.feed(admin_says(TEXTS["en"])))
        assert not any(is_preview(m) for m in after)
    finally:
        await restarted.close()


async def test_thirty_minutes_of_silence_end_the_draft(
    driver: Driver, store: Store, clock: FakeClock
) -> None:
    await driver.feed(admin_says("/post"))
    clock.now += 29 * 60
    step = sends(await driver.feed(admin_says(TEXTS["ru"])))
    assert is_preview(step[0])  # still within the half hour: taken, and the clock starts again
    clock.now += 29 * 60
    step = sends(await driver.feed(admin_says(TEXTS["en"])))
    assert is_preview(step[0])
    clock.now += 30 * 60 + 1
    late = sends(await driver.feed(admin_says(TEXTS["zh"])))
    assert len(late) == 2
    assert "30 minutes" in late[0].text
    assert not is_preview(late[1])  # a search, as without a draft
    assert await draft_state(store) is None


async def test_an_expired_draft_cannot_be_sent(driver: Driver, newsroom: Newsroom, clock: FakeClock) -> None:
    await driver.feed(admin_says("/post"))
    for locale in ("ru", "en", "zh"):
        await driver.feed(admin_says(TEXTS[locale]))
    await driver.feed(press_shown(driver.session, NoTitleCb, user_id=ADMIN_ID))
    clock.now += 31 * 60
    pressed = await driver.feed(press_shown(driver.session, PostSendCb, user_id=ADMIN_ID))
    assert "30 minutes" in sends(pressed)[0].text
    assert next(r for r in pressed if isinstance(r, AnswerCallbackQuery)).show_alert
    assert await newsroom.items.count() == 0


async def test_a_draft_without_a_time_counts_as_expired(driver: Driver, store: Store) -> None:
    """Drafts stored before drafts had a time (an older version of the bot) are not trusted."""
    await driver.feed(admin_says("/post"))
    await store.db.conn.execute('UPDATE fsm_state SET data = \'{"key": "old"}\'')
    await store.db.conn.commit()
    replies = sends(await driver.feed(admin_says(TEXTS["ru"])))
    assert "30 minutes" in replies[0].text
    assert not any(is_preview(m) for m in replies)


@pytest.mark.parametrize(("code", "locale"), [("ru", "ru"), ("en", "en"), ("zh", "zh")])
async def test_posting_with_nobody_subscribed_says_so(
    driver: Driver, newsroom: Newsroom, code: str, locale: str
) -> None:
    await driver.feed(admin_says("/post", code))
    for loc in ("ru", "en", "zh"):
        await driver.feed(admin_says(TEXTS[loc], code))
    no_title = press_shown(driver.session, NoTitleCb, user_id=ADMIN_ID, language_code=code)
    question = sends(await driver.feed(no_title))[-1]
    assert language_of(question.text) == locale
    assert "0" not in question.text
    assert "/news" in question.text
    pressed = await driver.feed(press_shown(driver.session, PostSendCb, user_id=ADMIN_ID, language_code=code))
    edit = next(r for r in pressed if isinstance(r, EditMessageText))
    assert language_of(edit.text) == locale
    assert "/news" in edit.text
    answer = next(r for r in pressed if isinstance(r, AnswerCallbackQuery))
    assert not answer.text
    assert await newsroom.items.count() == 1
    assert (await newsroom.outbox.unfinished()) == []
