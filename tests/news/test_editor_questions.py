"""An editor's questions when things overlap, through the real Dispatcher: an old question's button never acts
on a newer draft (it is refused with an alert, and the old question loses its buttons), two taps change
once, a Telegram failure after the store is not reported as a failure, and the admin's own screens (/help,
a typo mid-draft, a text in the wrong script, a title to correct) say what is going on."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
    TelegramMethod,
)

from bot.console.session import LocalSession
from bot.core.callbacks import (
    EditConfirmCb,
    EditLanguageCb,
    NoTitleCb,
    PostScheduleCb,
    PostSendCb,
    RetractCb,
    ScheduleConfirmCb,
    ScriptConfirmCb,
)
from bot.news.broadcaster import Broadcaster
from bot.news.repository import NewsDraft, Newsroom
from bot.store import Store
from tests import updates
from tests.chat_support import press_shown
from tests.conftest import ADMIN_ID, Driver, language_of
from tests.news_support import DRAFT, FakeClock, add_subscriber

TEXTS = {"ru": "Встреча подписантов", "en": "Signatories meet", "zh": "签署方会面"}
LATER = {"ru": "Вторая встреча", "en": "A second meeting", "zh": "第二次会面"}
STALE = "This question is no longer open."


@pytest.fixture
def clock(dp: Dispatcher) -> FakeClock:
    clock = FakeClock(dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC).timestamp())
    dp["clock"] = clock
    return clock


def says(text: str) -> dict[str, Any]:
    return updates.message(text, user_id=ADMIN_ID)


def tap(driver: Driver, kind: type[CallbackData], **fields: Any) -> dict[str, Any]:
    return press_shown(driver.session, kind, user_id=ADMIN_ID, **fields)


def of(kind: type[Any], requests: list[TelegramMethod[Any]]) -> list[Any]:
    return [r for r in requests if isinstance(r, kind)]


def refused(requests: list[TelegramMethod[Any]]) -> bool:
    (answer,) = of(AnswerCallbackQuery, requests)
    return bool(answer.show_alert) and answer.text == STALE


def pressed_message(update: dict[str, Any]) -> int:
    return int(update["callback_query"]["message"]["message_id"])


def stripped(requests: list[TelegramMethod[Any]], message_id: int) -> bool:
    return any(
        r.message_id == message_id and r.reply_markup is None for r in of(EditMessageReplyMarkup, requests)
    )


async def write_post(driver: Driver, texts: dict[str, str]) -> None:
    await driver.feed(says("/post"))
    for locale in ("ru", "en", "zh"):
        await driver.feed(says(texts[locale]))
    await driver.feed(tap(driver, NoTitleCb))


async def test_retract_one_pressed_after_retract_two_retracts_nothing(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock
) -> None:
    first = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    second = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    await driver.feed(says(f"/retract {first}"))
    old = tap(driver, RetractCb, item=first)
    superseding = await driver.feed(says(f"/retract {second}"))
    assert stripped(superseding, pressed_message(old))  # the first question loses its buttons
    pressed = await driver.feed(old)
    assert refused(pressed)
    assert not of(EditMessageText, pressed)  # the old question is not turned into a report
    for item in (first, second):
        stored = await newsroom.items.get(item)
        assert stored is not None
        assert stored.retracted_at is None
    await driver.feed(tap(driver, RetractCb, item=second))  # the open question still works
    gone = await newsroom.items.get(second)
    assert gone is not None
    assert gone.retracted_at is not None


async def edit_question(driver: Driver, item: int, text: str) -> dict[str, Any]:
    await driver.feed(says(f"/edit {item}"))
    await driver.feed(tap(driver, EditLanguageCb, item=item, locale="en", title=False))
    await driver.feed(says(text))
    return tap(driver, EditConfirmCb, item=item)


async def test_an_old_correct_button_does_not_save_a_newer_correction(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock
) -> None:
    item = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    old = await edit_question(driver, item, "First correction")
    new = await edit_question(driver, item, "Second correction")
    assert refused(await driver.feed(old))
    unchanged = await newsroom.items.get(item)
    assert unchanged is not None
    assert unchanged.texts["en"] == DRAFT.texts["en"]
    await driver.feed(new)
    corrected = await newsroom.items.get(item)
    assert corrected is not None
    assert corrected.texts["en"] == "Second correction"


async def test_send_now_of_a_discarded_draft_sends_nothing(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock
) -> None:
    await add_subscriber(store, 7)
    await write_post(driver, TEXTS)
    old = tap(driver, PostSendCb)
    await write_post(driver, LATER)  # /post again: the first draft is discarded
    assert refused(await driver.feed(old))
    assert await newsroom.items.count() == 0
    await driver.feed(tap(driver, PostSendCb))
    item = await newsroom.items.latest()
    assert item is not None
    assert item.texts["en"] == LATER["en"]
    assert await newsroom.items.count() == 1


async def test_schedule_pressed_under_the_first_typed_time_schedules_nothing(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock
) -> None:
    await write_post(driver, TEXTS)
    await driver.feed(tap(driver, PostScheduleCb))
    await driver.feed(says("2026-12-05 09:30"))
    old = tap(driver, ScheduleConfirmCb)
    retyped = await driver.feed(says("2026-12-06 10:45"))
    assert stripped(retyped, pressed_message(old))
    assert refused(await driver.feed(old))
    assert await newsroom.items.scheduled() == []
    await driver.feed(tap(driver, ScheduleConfirmCb))
    (item,) = await newsroom.items.scheduled()
    assert item.send_at == dt.datetime(2026, 12, 6, 10, 45, tzinfo=dt.UTC)


async def test_two_taps_on_correct_edit_once(
    driver: Driver, dp: Dispatcher, bot: Bot, store: Store, newsroom: Newsroom, clock: FakeClock
) -> None:
    await add_subscriber(store, 7)
    item = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    await store.db.conn.execute("UPDATE delivery SET state = 'sent', message_id = 70, locale = 'en'")
    await store.db.conn.commit()
    first = await edit_question(driver, item, "Corrected once")
    second = tap(driver, EditConfirmCb, item=item)  # the same button, a second press
    await asyncio.gather(dp.feed_raw_update(bot, first), dp.feed_raw_update(bot, second))
    assert [action for action, _ in await newsroom.items.audit(item)].count("edited") == 1
    assert len(await newsroom.changes.due(now=1e12, limit=10)) == 1


async def test_a_telegram_failure_after_the_post_is_stored_is_not_a_failure(
    driver: Driver, dp: Dispatcher, store: Store, newsroom: Newsroom, session: LocalSession, clock: FakeClock
) -> None:
    await add_subscriber(store, 7)
    await write_post(driver, TEXTS)
    broadcaster: Broadcaster = dp["broadcaster"]
    session.add_error_for(EditMessageText, 400, "Bad Request: message to edit not found")
    sent = await driver.feed(tap(driver, PostSendCb))  # fails the test if the update failed
    assert not [r for r in of(SendMessage, sent) if "try again" in r.text]
    assert await newsroom.items.count() == 1
    assert (await newsroom.outbox.counts())["pending"] == 1
    assert broadcaster._wake.is_set()  # woken all the same: the item goes out
    again = await driver.feed(tap(driver, PostSendCb))
    assert refused(again)
    assert await newsroom.items.count() == 1


async def test_a_telegram_failure_after_a_retraction_is_stored_is_not_a_failure(
    driver: Driver, newsroom: Newsroom, session: LocalSession, clock: FakeClock
) -> None:
    item = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    await driver.feed(says(f"/retract {item}"))
    session.add_error_for(EditMessageText, 400, "Bad Request: message to edit not found")
    sent = await driver.feed(tap(driver, RetractCb, item=item))
    assert not of(SendMessage, sent)
    retracted = await newsroom.items.get(item)
    assert retracted is not None
    assert retracted.retracted_at is not None


async def test_help_lists_the_admin_commands_for_admins_only(driver: Driver) -> None:
    (admin_help,) = of(SendMessage, await driver.feed(says("/help")))
    for command in ("/post", "/edit", "/retract", "/stats", "/cancel"):
        assert command in admin_help.text
    assert "/speakers" in admin_help.text  # and everyone's commands
    (public_help,) = of(SendMessage, await driver.feed(updates.message("/help", user_id=7)))
    for command in ("/post", "/edit", "/retract", "/stats"):
        assert command not in public_help.text


async def test_a_typo_while_correcting_names_the_item_and_the_way_out(
    driver: Driver, newsroom: Newsroom, clock: FakeClock
) -> None:
    item = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    await driver.feed(says(f"/edit {item}"))
    (reply,) = of(SendMessage, await driver.feed(says("/speakrs")))
    assert f"#{item}" in reply.text
    assert "/cancel" in reply.text
    assert "/speakrs" in reply.text


@pytest.mark.parametrize(("step", "wrong"), [(0, "Kin Phea"), (2, "Signatories meet")])
async def test_a_text_in_the_wrong_script_is_questioned_before_it_is_stored(
    driver: Driver, store: Store, clock: FakeClock, step: int, wrong: str
) -> None:
    await driver.feed(says("/post"))
    for locale in ("ru", "en", "zh")[:step]:
        await driver.feed(says(TEXTS[locale]))
    (question,) = of(SendMessage, await driver.feed(says(wrong)))
    assert "does not look like" in question.text
    assert question.reply_markup is not None
    (again,) = of(SendMessage, await driver.feed(says(wrong)))  # still questioned, never stored
    assert "does not look like" in again.text
    preview, _next = of(SendMessage, await driver.feed(tap(driver, ScriptConfirmCb)))
    assert wrong in preview.text  # meant as it is: taken
    async with store.db.conn.execute("SELECT state FROM fsm_state WHERE state IS NOT NULL") as cur:
        assert (await cur.fetchone())[0] == ("PostFlow:en", "PostFlow:zh", "PostFlow:title_ru")[step]


async def test_the_right_text_sent_after_the_question_is_taken(driver: Driver, clock: FakeClock) -> None:
    await driver.feed(says("/post"))
    await driver.feed(says("Kin Phea"))
    preview, _next = of(SendMessage, await driver.feed(says(TEXTS["ru"])))
    assert TEXTS["ru"] in preview.text
    assert refused(await driver.feed(tap(driver, ScriptConfirmCb)))  # the question was superseded


async def test_a_title_is_corrected_like_a_text(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock
) -> None:
    titled = NewsDraft(texts=DRAFT.texts, titles={"ru": "Встреча", "en": "A meeting", "zh": "会面"})
    item = (await newsroom.items.post(titled, actor="shell:editor")).item_id
    await driver.feed(says(f"/edit {item}"))
    chosen = of(
        SendMessage, await driver.feed(tap(driver, EditLanguageCb, item=item, locale="en", title=True))
    )
    assert "A meeting" in chosen[0].text  # the item as it is
    assert "title" in chosen[1].text
    preview, _confirm = of(SendMessage, await driver.feed(says("The meeting <2>")))
    assert "<b>The meeting &lt;2&gt;</b>" in preview.text
    await driver.feed(tap(driver, EditConfirmCb, item=item))
    stored = await newsroom.items.get(item)
    assert stored is not None
    assert stored.titles == {"ru": "Встреча", "en": "The meeting <2>", "zh": "会面"}
    assert stored.texts == DRAFT.texts


async def test_a_correction_is_previewed_with_the_items_own_date(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock
) -> None:
    item = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    await store.db.conn.execute(
        "UPDATE news_item SET created_at = '2023-09-18T10:00:00Z' WHERE id = ?", (item,)
    )
    await store.db.conn.commit()
    await driver.feed(says(f"/edit {item}"))
    await driver.feed(tap(driver, EditLanguageCb, item=item, locale="en", title=False))
    preview, _confirm = of(SendMessage, await driver.feed(says("Corrected")))
    assert "2023" in preview.text
    assert "2026" not in preview.text


@pytest.mark.parametrize("code", ["ru", "en", "zh"])
async def test_the_new_questions_speak_the_admins_language(
    driver: Driver, newsroom: Newsroom, clock: FakeClock, code: str
) -> None:
    def admin(text: str) -> dict[str, Any]:
        return updates.message(text, user_id=ADMIN_ID, language_code=code)

    titled = NewsDraft(texts=DRAFT.texts, titles={"ru": "Встреча", "en": "A meeting", "zh": "会面"})
    item = (await newsroom.items.post(titled, actor="shell:editor")).item_id
    (question,) = of(SendMessage, await driver.feed(admin(f"/edit {item}")))
    labels = [b.text for row in question.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert language_of(labels[4]) == code  # a title button: "Title: English" in the admin's language
    (typo,) = of(SendMessage, await driver.feed(admin("/psot")))
    assert language_of(typo.text) == code
    await driver.feed(admin("/post"))
    (wrong,) = of(SendMessage, await driver.feed(admin("Kin Phea")))
    assert language_of(wrong.text) == code
    keep = [b.text for row in wrong.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert language_of(keep[0]) == code
    await driver.feed(admin("/cancel"))
    (helped,) = of(SendMessage, await driver.feed(admin("/help")))
    admin_part = helped.text.split("/post")[0].rsplit("\n", 2)[-2]  # the heading of the admin commands
    assert language_of(admin_part) == code


@pytest.mark.parametrize("ending", ["/start", "/cancel"])
async def test_a_draft_that_ends_takes_its_questions_buttons_with_it(
    driver: Driver, newsroom: Newsroom, clock: FakeClock, ending: str
) -> None:
    await write_post(driver, TEXTS)
    question = tap(driver, PostSendCb)
    ended = await driver.feed(says(ending))
    assert stripped(ended, pressed_message(question))
    assert refused(await driver.feed(question))
    assert await newsroom.items.count() == 0
