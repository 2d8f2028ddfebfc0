"""The editor's flows through the real Dispatcher: a post with a photo or document, a scheduled post (and
/scheduled with its cancel buttons), /edit and /retract; everyone else is refused. The broadcaster's side
(the copies actually changed) is in test_editorial_broadcast.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)

from bot.core.callbacks import (
    CancelScheduledCb,
    DraftCancelCb,
    EditConfirmCb,
    EditLanguageCb,
    NoTitleCb,
    PostScheduleCb,
    PostSendCb,
    RetractCb,
    ScheduleConfirmCb,
)
from bot.news.repository import Newsroom
from bot.store import Store
from tests import updates
from tests.chat_support import press_shown
from tests.conftest import ADMIN_ID, Driver, language_of
from tests.news_support import DRAFT, FakeClock, add_subscriber

TEXTS = {"ru": "Встреча подписантов", "en": "Signatories meet", "zh": "签署方会面"}


@pytest.fixture
def clock(dp: Dispatcher) -> FakeClock:
    clock = FakeClock(dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC).timestamp())
    dp["clock"] = clock
    return clock


def admin_says(text: str, code: str = "en") -> dict[str, Any]:
    return updates.message(text, user_id=ADMIN_ID, language_code=code)


BUTTONS: dict[str, tuple[type[CallbackData], dict[str, Any]]] = {
    "notitle": (NoTitleCb, {}),
    "send": (PostSendCb, {}),
    "schedule": (PostScheduleCb, {}),
    "scheduled": (ScheduleConfirmCb, {}),
    "cancel": (DraftCancelCb, {}),
    "een": (EditLanguageCb, {"locale": "en", "title": False}),
    "edit": (EditConfirmCb, {}),
    "retract": (RetractCb, {}),
}


def press(driver: Driver, action: str, code: str = "en", user_id: int = ADMIN_ID) -> dict[str, Any]:
    """The admin presses the newest button of this kind the bot has shown them."""
    kind, fields = BUTTONS[action]
    return press_shown(driver.session, kind, user_id=user_id, language_code=code, **fields)


def with_file(caption: str, kind: str, code: str = "en") -> dict[str, Any]:
    update = admin_says("x", code)
    message = update["message"]
    del message["text"]
    message["caption"] = caption
    if kind == "photo":
        message["photo"] = [
            {"file_id": "AgAC-small", "file_unique_id": "s", "width": 90, "height": 60},
            {"file_id": "AgAC-large", "file_unique_id": "l", "width": 1280, "height": 853},
        ]
    else:
        message["document"] = {"file_id": "BQAC-pdf", "file_unique_id": "d", "file_name": "initiative.pdf"}
    return update


def of(kind: type[Any], requests: list[TelegramMethod[Any]]) -> list[Any]:
    return [r for r in requests if isinstance(r, kind)]


async def write_post(driver: Driver, code: str, first: dict[str, Any] | None = None) -> None:
    await driver.feed(admin_says("/post", code))
    await driver.feed(first or admin_says(TEXTS["ru"], code))
    await driver.feed(admin_says(TEXTS["en"], code))
    await driver.feed(admin_says(TEXTS["zh"], code))
    await driver.feed(press(driver, "notitle", code))


@pytest.mark.parametrize("code", ["ru", "en", "zh"])
async def test_a_post_scheduled_in_each_language_then_cancelled(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock, code: str
) -> None:
    await add_subscriber(store, 7)
    await write_post(driver, code)
    asked = of(SendMessage, await driver.feed(press(driver, "schedule", code)))
    assert len(asked) == 1
    assert language_of(asked[0].text) == code
    assert "2026-12-04 09:00" in asked[0].text  # the example: tomorrow 09:00 in TIMEZONE (UTC here)

    (unreadable,) = of(SendMessage, await driver.feed(admin_says("next friday", code)))
    assert language_of(unreadable.text) == code
    assert "2026-12-04 09:00" in unreadable.text
    (passed,) = of(SendMessage, await driver.feed(admin_says("2026-12-03 09:59", code)))
    assert language_of(passed.text) == code
    assert await newsroom.items.scheduled() == []

    (confirm,) = of(SendMessage, await driver.feed(admin_says("05.12.2026 09:30", code)))
    assert language_of(confirm.text) == code
    assert "09:30" in confirm.text
    buttons = [b.callback_data for row in confirm.reply_markup.inline_keyboard for b in row]
    assert [b.split(":")[0] for b in buttons] == [ScheduleConfirmCb.__prefix__, DraftCancelCb.__prefix__]
    done = await driver.feed(press(driver, "scheduled", code))
    (note,) = of(EditMessageText, done)
    assert language_of(note.text) == code
    (item,) = await newsroom.items.scheduled()
    assert item.send_at == dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.UTC)
    assert (await newsroom.outbox.counts())["pending"] == 0  # nothing queued before its time

    (listing,) = of(SendMessage, await driver.feed(admin_says("/scheduled", code)))
    assert (
        f"{'№' if code == 'ru' else '#'}{item.id} · " in listing.text
    )  # the messages' own sign for a number
    assert language_of(listing.text) == code
    (cancel_button,) = [b for row in listing.reply_markup.inline_keyboard for b in row]
    pressed = await driver.feed(
        updates.callback(cancel_button.callback_data, user_id=ADMIN_ID, language_code=code)
    )
    assert await newsroom.items.scheduled() == []
    (empty,) = of(EditMessageText, pressed)
    assert language_of(empty.text) == code
    assert "/post" in empty.text
    again = of(
        AnswerCallbackQuery,
        await driver.feed(
            updates.callback(cancel_button.callback_data, user_id=ADMIN_ID, language_code=code)
        ),
    )
    assert again[0].show_alert  # already cancelled: said so
    actions = [a for a, _ in await newsroom.items.audit(item.id)]
    assert actions == ["scheduled", "cancelled"]


@pytest.mark.parametrize(("kind", "method"), [("photo", SendPhoto), ("document", SendDocument)])
async def test_a_post_with_a_photo_or_document_previews_and_stores_it(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock, kind: str, method: type[Any]
) -> None:
    await add_subscriber(store, 7)
    await driver.feed(admin_says("/post"))
    first = of(method, await driver.feed(with_file(TEXTS["ru"], kind)))
    assert len(first) == 1
    assert first[0].caption is not None
    assert TEXTS["ru"] in first[0].caption
    expected = "AgAC-large" if kind == "photo" else "BQAC-pdf"
    assert (first[0].photo if kind == "photo" else first[0].document) == expected
    # a later language is a plain text, previewed with the same file
    en = of(method, await driver.feed(admin_says(TEXTS["en"])))
    assert len(en) == 1
    assert TEXTS["en"] in en[0].caption
    assert language_of(en[0].caption) == "en"
    refused = of(SendMessage, await driver.feed(with_file(TEXTS["zh"], kind)))
    assert len(refused) == 1
    assert "Russian" in refused[0].text
    await driver.feed(admin_says(TEXTS["zh"]))
    await driver.feed(press(driver, "notitle"))
    await driver.feed(press(driver, "send"))
    item = await newsroom.items.latest()
    assert item is not None
    assert item.media is not None
    assert (item.media.kind, item.media.file_id) == (kind, expected)


async def test_a_caption_longer_than_1024_is_refused_before_anything_is_stored(
    driver: Driver, newsroom: Newsroom, clock: FakeClock
) -> None:
    await driver.feed(admin_says("/post"))
    replies = await driver.feed(with_file("Я" * 1000, "photo"))  # fits 4,096, not 1,024 with the header
    assert of(SendPhoto, replies) == []
    (refusal,) = of(SendMessage, replies)
    assert "1024" in refusal.text.replace(",", "").replace("\u202f", "").replace(" ", "")
    await driver.feed(admin_says("/cancel"))
    assert await newsroom.items.count() == 0


async def delivered(store: Store, item: int, user: int, locale: str, message_id: int) -> None:
    await store.db.conn.execute(
        "UPDATE delivery SET state = 'sent', message_id = ?, locale = ?, sent_at = 1 "
        "WHERE item_id = ? AND user_id = ?",
        (message_id, locale, item, user),
    )


@pytest.mark.parametrize("code", ["ru", "en", "zh"])
async def test_edit_one_language_previews_then_queues_its_copies(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock, code: str
) -> None:
    for uid in (7, 8):
        await add_subscriber(store, uid)
    item = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    await delivered(store, item, 7, "en", 70)
    await delivered(store, item, 8, "ru", 80)

    (question,) = of(SendMessage, await driver.feed(admin_says(f"/edit {item}", code)))
    assert language_of(question.text) == code
    chosen = await driver.feed(press(driver, "een", code))
    current, ask = of(SendMessage, chosen)
    assert DRAFT.texts["en"] in current.text
    assert language_of(ask.text) == code
    preview, confirm = of(
        SendMessage, await driver.feed(admin_says("The signatories met <b>twice</b>.", code))
    )
    assert "twice" in preview.text
    assert "/unsubscribe" in preview.text
    assert "1" in confirm.text
    assert language_of(confirm.text) == code
    (progress,) = of(EditMessageText, await driver.feed(press(driver, "edit", code)))
    assert language_of(progress.text) == code
    stored = await newsroom.items.get(item)
    # a plain message's text is kept literally: its angle brackets are escaped, not read as tags
    assert stored is not None
    assert stored.texts["en"] == "The signatories met &lt;b&gt;twice&lt;/b&gt;."
    assert [c.user_id for c in await newsroom.changes.due(now=1e12, limit=10)] == [7]
    (news,) = of(SendMessage, await driver.feed(updates.message("/news", user_id=7, language_code="en")))
    assert "twice" in news.text  # the archive shows the new text, and says it was corrected
    assert "✏️" in news.text


@pytest.mark.parametrize("code", ["ru", "en", "zh"])
async def test_retract_hides_the_item_and_queues_every_copy(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock, code: str
) -> None:
    await add_subscriber(store, 7)
    item = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    await delivered(store, item, 7, "en", 70)
    (question,) = of(SendMessage, await driver.feed(admin_says(f"/retract {item}", code)))
    assert language_of(question.text) == code
    assert "48" in question.text
    (progress,) = of(EditMessageText, await driver.feed(press(driver, "retract", code)))
    assert language_of(progress.text) == code
    assert await newsroom.items.count() == 0
    (news,) = of(SendMessage, await driver.feed(updates.message("/news", user_id=7, language_code=code)))
    assert DRAFT.texts["en"] not in news.text
    (again,) = of(SendMessage, await driver.feed(admin_says(f"/retract {item}", code)))
    assert language_of(again.text) == code
    assert str(item) in again.text


@pytest.mark.parametrize("text", ["/edit", "/edit abc", "/edit 99", "/retract 99999999999999"])
async def test_a_missing_or_wrong_number_gets_a_clear_answer(
    driver: Driver, newsroom: Newsroom, clock: FakeClock, text: str
) -> None:
    (reply,) = of(SendMessage, await driver.feed(admin_says(text)))
    assert "/audit" in reply.text or "#99" in reply.text


async def test_everyone_else_is_refused_and_nothing_changes(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock
) -> None:
    await add_subscriber(store, 7)
    item = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    for text in (f"/edit {item}", f"/retract {item}", "/scheduled"):
        (reply,) = of(SendMessage, await driver.feed(updates.message(text, user_id=7)))
        assert "administrators" in reply.text
    forged = [
        RetractCb(draft="00000000", item=item),
        EditConfirmCb(draft="00000000", item=item, locale="en"),
        CancelScheduledCb(item=item),
        EditLanguageCb(draft="00000000", item=item, locale="en"),
    ]
    for data in forged:
        (answer,) = of(AnswerCallbackQuery, await driver.feed(updates.callback(data.pack(), user_id=7)))
        assert answer.show_alert
    assert await newsroom.items.count() == 1
    assert await newsroom.changes.due(now=1e12, limit=10) == []


@pytest.mark.parametrize("code", ["ru", "en", "zh"])
async def test_the_schedule_question_can_be_cancelled_or_answered_with_another_time(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock, code: str
) -> None:
    await write_post(driver, code)
    await driver.feed(press(driver, "schedule", code))
    await driver.feed(admin_says("2026-12-05 09:30", code))
    (again,) = of(SendMessage, await driver.feed(admin_says("2026-12-06 10:45", code)))  # a typo fixed
    assert "10:45" in again.text
    await driver.feed(press(driver, "scheduled", code))
    (item,) = await newsroom.items.scheduled()
    assert item.send_at == dt.datetime(2026, 12, 6, 10, 45, tzinfo=dt.UTC)

    await write_post(driver, code)
    await driver.feed(press(driver, "schedule", code))
    await driver.feed(admin_says("2026-12-05 09:30", code))
    pressed = await driver.feed(press(driver, "cancel", code))
    (cancelled,) = of(EditMessageText, pressed)
    assert language_of(cancelled.text) == code
    assert not any(a.show_alert for a in of(AnswerCallbackQuery, pressed))
    assert len(await newsroom.items.scheduled()) == 1  # only the first one


@pytest.mark.parametrize("code", ["ru", "en", "zh"])
async def test_text_during_an_edit_question_asks_for_the_button_and_cancel_says_nothing_changed(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock, code: str
) -> None:
    item = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    await driver.feed(admin_says(f"/edit {item}", code))
    (nudge,) = of(SendMessage, await driver.feed(admin_says("Kin Phea", code)))
    assert "/cancel" in nudge.text  # not a search for "Kin Phea"
    assert language_of(nudge.text) == code
    (cancelled,) = of(SendMessage, await driver.feed(admin_says("/cancel", code)))
    assert language_of(cancelled.text) == code
    posted_note = {"ru": "опубликовано", "en": "posted", "zh": "发布"}[code]
    assert posted_note not in cancelled.text
    assert await newsroom.changes.due(now=1e12, limit=10) == []


@pytest.mark.parametrize("code", ["ru", "en", "zh"])
async def test_retracted_and_cancelled_items_are_named_for_what_they_are(
    driver: Driver, store: Store, newsroom: Newsroom, clock: FakeClock, code: str
) -> None:
    sent = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    await newsroom.items.retract(sent, actor="shell:editor")
    later = dt.datetime(2026, 12, 9, tzinfo=dt.UTC)
    cancelled = (await newsroom.items.post(DRAFT, actor="shell:editor", send_at=later)).item_id
    await newsroom.items.cancel(cancelled, actor="shell:editor")
    replies = {
        text: of(SendMessage, await driver.feed(admin_says(text, code)))[0].text
        for text in (f"/retract {sent}", f"/edit {sent}", f"/retract {cancelled}", "/retract 99")
    }
    assert len(set(replies.values())) == 4  # four different answers
    assert all(language_of(reply) == code for reply in replies.values())


async def test_the_audit_words_its_details_in_the_admins_language(
    driver: Driver, newsroom: Newsroom, clock: FakeClock
) -> None:
    at = dt.datetime(2026, 12, 9, 9, 30, tzinfo=dt.UTC)
    await newsroom.items.post(DRAFT, actor="telegram:9001", send_at=at)
    (audit,) = of(SendMessage, await driver.feed(admin_says("/audit", "ru")))
    assert "9 декабря 2026" in audit.text
    assert "2026-12-09T" not in audit.text
    sent = (await newsroom.items.post(DRAFT, actor="telegram:9001")).item_id
    await newsroom.items.edit(sent, {"en": "Corrected."}, actor="telegram:9001")
    (audit,) = of(SendMessage, await driver.feed(admin_says("/audit", "ru")))
    assert "английский: 0 копий" in audit.text  # the language named in the nominative, the count declined


@pytest.mark.parametrize(
    ("code", "typed"),
    [("zh", "2026年12月5日 09:30"), ("ru", "5 декабря 2026 г., 09:30"), ("en", "5 December 2026, 09:30")],
)
async def test_a_time_written_as_the_bot_writes_dates_is_understood(
    driver: Driver, newsroom: Newsroom, clock: FakeClock, code: str, typed: str
) -> None:
    await write_post(driver, code)
    await driver.feed(press(driver, "schedule", code))
    (confirm,) = of(SendMessage, await driver.feed(admin_says(typed, code)))
    assert confirm.reply_markup is not None  # the confirmation, not "I could not read that time"
    await driver.feed(press(driver, "scheduled", code))
    (item,) = await newsroom.items.scheduled()
    assert item.send_at == dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.UTC)


async def test_a_mistyped_command_does_not_cost_the_draft(
    driver: Driver, newsroom: Newsroom, clock: FakeClock
) -> None:
    await driver.feed(admin_says("/post"))
    await driver.feed(admin_says(TEXTS["ru"]))
    (unknown,) = of(SendMessage, await driver.feed(admin_says("/psot")))
    assert "/psot" in unknown.text  # named, with the draft that waits and the way out
    assert "draft" in unknown.text
    assert "/cancel" in unknown.text
    preview, _question = of(SendMessage, await driver.feed(admin_says(TEXTS["en"])))
    assert TEXTS["en"] in preview.text  # still the draft's English step
    discarded = of(SendMessage, await driver.feed(admin_says("/speakers")))
    assert "discarded" in discarded[0].text  # a real command still ends it
