"""The broadcaster's side of the editor's tools, through a real aiogram Bot and the fake Bot API session:
every copy's message id is kept; an edit changes each delivered copy in its language in place; a retraction
deletes copies younger than 48 hours and replaces older ones with a note in the reader's language (also one
Telegram refuses to delete), drops a reader who blocked the bot since, and survives a restart mid-way
without touching a copy twice; a photo or document is uploaded once and its file_id reused; a scheduled item
goes out once, after a restart too."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import (
    DeleteMessage,
    EditMessageCaption,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
)
from aiogram.types import FSInputFile

from bot.core.i18n import PoI18n
from bot.news.changes import ChangeProgress
from bot.news.repository import Media, NewsDraft, Newsroom
from bot.news.revisions import change_result
from bot.store import Store
from tests.conftest import language_of
from tests.news_support import DRAFT, FakeClock, TimedSession, add_subscriber, make_broadcaster

HOUR = 3600.0
READERS = {1: "ru", 2: "en", 3: "zh"}


def of(kind: type[Any], timed: TimedSession) -> list[Any]:
    return [m for _, m in timed.times if isinstance(m, kind)]


async def copies(store: Store, item: int) -> dict[int, tuple[str, int | None, str | None]]:
    async with store.db.conn.execute(
        "SELECT user_id, state, message_id, locale FROM delivery WHERE item_id = ?", (item,)
    ) as cur:
        return {row[0]: (row[1], row[2], row[3]) for row in await cur.fetchall()}


async def broadcast(store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, tbot: Bot) -> int:
    for uid, code in READERS.items():
        await add_subscriber(store, uid, code)
    item = (await newsroom.items.post(DRAFT, actor="test")).item_id
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    return item


async def test_each_copy_keeps_its_message_id_and_language(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    item = await broadcast(store, newsroom, i18n, clock, tbot)
    stored = await copies(store, item)
    assert {uid: (state, locale) for uid, (state, _, locale) in stored.items()} == {
        uid: ("sent", locale) for uid, locale in READERS.items()
    }
    assert len({message_id for _, message_id, _ in stored.values()}) == 3
    assert None not in {message_id for _, message_id, _ in stored.values()}


async def test_an_edit_changes_the_delivered_copies_of_its_language_in_place_and_reports(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    item = await broadcast(store, newsroom, i18n, clock, tbot)
    en_message = (await copies(store, item))[2][1]
    queued = await newsroom.items.edit(
        item, {"en": "The signatories met <b>twice</b>."}, actor="test", progress=(9001, 55, "zh")
    )
    assert queued == 1
    timed.times.clear()
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)

    edits = of(EditMessageText, timed)
    copy_edit = next(m for m in edits if m.chat_id == 2)
    assert copy_edit.message_id == en_message
    assert "twice" in copy_edit.text
    assert "/unsubscribe" in copy_edit.text
    assert language_of(copy_edit.text) == "en"
    assert {m.chat_id for m in edits} == {2, 9001}  # the reader's copy and the admin's report, nothing else
    report = next(m for m in edits if m.chat_id == 9001)
    assert report.message_id == 55
    assert language_of(report.text) == "zh"
    assert "1" in report.text
    assert of(SendMessage, timed) == []  # nothing was sent again
    assert (await newsroom.changes.counts())["done"] == 1


async def test_a_retraction_deletes_young_copies_and_withdraws_old_ones_in_each_language(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    for uid, code in {**READERS, 4: "en", 5: "ru"}.items():
        await add_subscriber(store, uid, code)
    item = (await newsroom.items.post(DRAFT, actor="test")).item_id
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    sent = await copies(store, item)
    # Copies 1 and 2 are 47 h 49 min old (just inside the window with its margin), 3 and 4 are 47 h 51 min
    # old (outside: edited), 5 is young but Telegram will not delete it.
    now = clock()
    ages = {1: 47 * HOUR + 49 * 60, 2: 47 * HOUR + 49 * 60, 3: 47 * HOUR + 51 * 60, 4: 49 * HOUR, 5: 60.0}
    for uid, age in ages.items():
        await store.db.conn.execute(
            "UPDATE delivery SET sent_at = ? WHERE item_id = ? AND user_id = ?", (now - age, item, uid)
        )
    timed.add_error_for(DeleteMessage, 403, "Forbidden: bot was blocked by the user")  # reader 1, since
    timed.add_result_for(DeleteMessage, True)  # reader 2
    timed.add_error_for(DeleteMessage, 400, "Bad Request: message can't be deleted")  # reader 5
    assert await newsroom.items.retract(item, actor="test") == 5
    timed.times.clear()
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)

    deletes = {m.chat_id: m.message_id for m in of(DeleteMessage, timed)}
    assert deletes == {1: sent[1][1], 2: sent[2][1], 5: sent[5][1]}
    withdrawn = {m.chat_id: m for m in of(EditMessageText, timed)}
    assert set(withdrawn) == {3, 4, 5}
    for uid in (3, 4, 5):
        assert withdrawn[uid].message_id == sent[uid][1]
        assert language_of(withdrawn[uid].text) == {3: "zh", 4: "en", 5: "ru"}[uid]
        assert DRAFT.texts[{3: "zh", 4: "en", 5: "ru"}[uid]] not in withdrawn[uid].text
    assert not await store.subscriptions.is_subscribed(1)  # blocked the bot since: unsubscribed
    assert await store.subscriptions.is_subscribed(2)
    counts = await newsroom.changes.counts()
    assert (counts["done"], counts["dropped"], counts["pending"], counts["sending"]) == (4, 1, 0, 0)
    assert await newsroom.items.count() == 0


async def test_a_retraction_interrupted_by_a_restart_touches_no_copy_twice_and_forgets_none(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    item = await broadcast(store, newsroom, i18n, clock, tbot)
    assert await newsroom.items.retract(item, actor="test") == 3
    # The process died after deleting copy 1 (recorded), while deleting copy 2 (in flight), before copy 3.
    due = await newsroom.changes.due(now=clock(), limit=10)
    assert await newsroom.changes.mark_sending(due[0])
    await newsroom.changes.finish(due[0], "done")
    assert await newsroom.changes.mark_sending(due[1])
    timed.times.clear()

    await make_broadcaster(newsroom, i18n, clock).drain(tbot)  # the restart

    assert sorted(m.chat_id for m in of(DeleteMessage, timed)) == [2, 3]
    counts = await newsroom.changes.counts()
    assert (counts["done"], counts["pending"], counts["sending"]) == (3, 0, 0)


async def test_a_copy_in_flight_during_an_edit_is_edited_once_it_is_recorded(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    await add_subscriber(store, 2, "en")
    await add_subscriber(store, 3, "ru")
    item = (await newsroom.items.post(DRAFT, actor="test")).item_id
    claimed = await newsroom.outbox.claim([(item, 2), (item, 3)])  # rendered from revision 1, on its way
    assert claimed == {(item, 2): 1, (item, 3): 1}
    assert await newsroom.items.edit(item, {"en": "Corrected."}, actor="test") == 0  # none recorded yet
    progress = await newsroom.changes.progress(item)
    assert progress is not None
    assert progress.in_flight == 2  # the result waits for them
    await newsroom.outbox.mark_sent(item, 2, message_id=77, locale="en", sent_at=clock(), revision=1)
    await newsroom.outbox.mark_sent(item, 3, message_id=78, locale="ru", sent_at=clock(), revision=1)
    due = await newsroom.changes.due(now=clock(), limit=10)
    assert [(c.user_id, c.action) for c in due] == [(2, "edit")]  # the Russian text did not change
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    (edit,) = of(EditMessageText, timed)
    assert (edit.chat_id, edit.message_id) == (2, 77)
    assert "Corrected." in edit.text


async def test_a_copy_in_flight_at_a_crash_is_sent_again_with_the_corrected_text(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    await add_subscriber(store, 2, "en")
    item = (await newsroom.items.post(DRAFT, actor="test")).item_id
    await newsroom.outbox.claim([(item, 2)])
    assert await newsroom.items.edit(item, {"en": "Corrected."}, actor="test") == 0
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)  # a restart: sent again from the new text
    (sent,) = of(SendMessage, timed)
    assert "Corrected." in sent.text
    assert of(EditMessageText, timed) == []  # the copy now delivered is already right
    assert (await newsroom.outbox.get(item, 2) or {})["revision"] == 2


@pytest.mark.parametrize(("kind", "method"), [("photo", SendPhoto), ("document", SendDocument)])
async def test_a_file_is_uploaded_once_then_its_file_id_is_reused_with_each_language_caption(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    tbot: Bot,
    tmp_path: Path,
    kind: str,
    method: type[Any],
) -> None:
    path = tmp_path / ("photo.jpg" if kind == "photo" else "initiative.pdf")
    path.write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    for uid in range(1, 10):
        await add_subscriber(store, uid, ("ru", "en", "zh")[uid % 3])
    draft = NewsDraft(texts=DRAFT.texts, media=Media(kind=kind, path=str(path)))
    item = (await newsroom.items.post(draft, actor="shell:editor")).item_id
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)

    sends = of(method, timed)
    assert len(sends) == 9
    files = [m.photo if kind == "photo" else m.document for m in sends]
    uploads = [f for f in files if isinstance(f, FSInputFile)]
    assert len(uploads) == 1
    assert set(files) - set(uploads) == {"uploaded-1"}
    for message in sends:
        locale = ("ru", "en", "zh")[int(message.chat_id) % 3]
        assert language_of(message.caption) == locale
        assert DRAFT.texts[locale] in message.caption
    stored = await newsroom.items.get(item)
    assert stored is not None
    assert stored.media == Media(kind=kind, file_id="uploaded-1", path=str(path))
    assert of(SendMessage, timed) == []

    # an edit of a captioned copy edits its caption
    await newsroom.items.edit(item, {"en": "Corrected."}, actor="test")
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    captions = of(EditMessageCaption, timed)
    assert {int(m.chat_id) for m in captions} == {1, 4, 7}
    assert all("Corrected." in m.caption for m in captions)


async def test_a_scheduled_item_goes_out_once_when_its_time_comes_also_after_a_restart(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    await add_subscriber(store, 1, "ru")
    at = dt.datetime.fromtimestamp(clock() + 2 * HOUR, dt.UTC)
    item = (await newsroom.items.post(DRAFT, actor="test", send_at=at)).item_id
    broadcaster = make_broadcaster(newsroom, i18n, clock)
    wait = await broadcaster.deliver_due(tbot)
    assert of(SendMessage, timed) == []
    assert wait is not None
    assert 2 * HOUR - 1 <= wait <= 2 * HOUR  # the broadcaster knows when to look again

    await add_subscriber(store, 2, "zh")  # subscribed while it waited
    clock.now += 5 * HOUR  # the bot was down past the time
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)  # the restart
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)  # and another: nothing more
    assert sorted(int(m.chat_id) for m in of(SendMessage, timed)) == [1, 2]
    stored = await newsroom.items.get(item)
    assert stored is not None
    assert stored.released_at is not None


async def test_a_file_gone_before_its_upload_fails_that_item_and_pauses_nothing(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    tbot: Bot,
    tmp_path: Path,
) -> None:
    for uid in (1, 2, 3):
        await add_subscriber(store, uid, "en")
    gone = NewsDraft(texts=DRAFT.texts, media=Media(kind="document", path=str(tmp_path / "moved.pdf")))
    broken = (await newsroom.items.post(gone, actor="shell:editor")).item_id
    fine = (await newsroom.items.post(DRAFT, actor="shell:editor")).item_id
    start = clock()
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    assert of(SendDocument, timed) == []
    assert sorted(int(m.chat_id) for m in of(SendMessage, timed)) == [1, 2, 3]  # the other item went out
    assert {state for state, _, _ in (await copies(store, broken)).values()} == {"failed"}
    assert {state for state, _, _ in (await copies(store, fine)).values()} == {"sent"}
    assert clock() - start < 5  # no outage pause


async def test_a_file_id_that_cannot_be_kept_leaves_the_copy_recorded_sent(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    tbot: Bot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    for uid in (1, 2, 3):
        await add_subscriber(store, uid, "en")
    draft = NewsDraft(texts=DRAFT.texts, media=Media("photo", path=str(path)))
    item = (await newsroom.items.post(draft, actor="t")).item_id
    keep = newsroom.items.set_media_file_id
    failures = iter([True])

    async def locked_once(item_id: int, file_id: str) -> None:
        if next(failures, False):
            raise sqlite3.OperationalError("database is locked")
        await keep(item_id, file_id)

    monkeypatch.setattr(newsroom.items, "set_media_file_id", locked_once)
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)

    counts = await newsroom.outbox.counts()
    assert (counts["sent"], counts["sending"], counts["pending"]) == (3, 0, 0)
    assert sorted(int(m.chat_id) for m in of(SendPhoto, timed)) == [1, 2, 3]  # nobody got it twice
    stored = await newsroom.items.get(item)
    assert stored is not None
    assert stored.media is not None
    assert stored.media.file_id is not None  # learnt from the next upload


async def test_retracting_an_old_photo_says_the_photo_stays(
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    clock: FakeClock,
    timed: TimedSession,
    tbot: Bot,
    tmp_path: Path,
) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    for uid, code in {1: "en", 2: "ru", 3: "zh"}.items():
        await add_subscriber(store, uid, code)
    draft = NewsDraft(texts=DRAFT.texts, media=Media("photo", path=str(path)))
    item = (await newsroom.items.post(draft, actor="t")).item_id
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    await store.db.conn.execute(
        "UPDATE delivery SET sent_at = ? WHERE user_id IN (2, 3)", (clock() - 50 * HOUR,)
    )  # 2 and 3 are past Telegram's 48 hours
    await store.db.conn.commit()
    assert await newsroom.items.retract(item, actor="t", progress=(9001, 55, "en")) == 3
    timed.times.clear()
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)

    assert [m.chat_id for m in of(DeleteMessage, timed)] == [1]
    notes = {int(m.chat_id): m for m in of(EditMessageCaption, timed)}
    assert set(notes) == {2, 3}  # only their captions could change
    report = next(m for m in of(EditMessageText, timed) if m.chat_id == 9001)
    assert "3 of 3" in report.text
    assert "2 copies were older than 48 hours" in report.text
    assert "photo or file stays in the chat" in report.text
    progress = await newsroom.changes.progress(item)
    assert progress is not None
    assert progress.media_kept == 2


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [
        ("ru", 1, "1 копия"),
        ("ru", 2, "2 копии"),
        ("ru", 5, "5 копий"),
        ("ru", 21, "21 копия"),
        ("zh", 2, "其中 2 份"),
    ],
)
def test_the_kept_media_line_reads_right_in_each_language(
    i18n: PoI18n, locale: str, count: int, expected: str
) -> None:
    progress = ChangeProgress(
        item_id=4,
        done=count,
        dropped=0,
        failed=0,
        left=0,
        chat_id=1,
        message_id=2,
        locale=locale,
        retracted=True,
        media_kept=count,
    )
    text = change_result(i18n.translator(locale), progress)
    assert expected in text.splitlines()[-1]
    assert language_of(text.splitlines()[-1]) == locale


async def test_an_edited_title_reaches_the_copies_of_its_language(
    store: Store, newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, timed: TimedSession, tbot: Bot
) -> None:
    for uid, code in READERS.items():
        await add_subscriber(store, uid, code)
    titled = NewsDraft(texts=DRAFT.texts, titles={"ru": "Встреча", "en": "A meeting", "zh": "会面"})
    item = (await newsroom.items.post(titled, actor="test")).item_id
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    assert await newsroom.items.edit(item, {}, titles={"en": "A second meeting"}, actor="test") == 1
    timed.times.clear()
    await make_broadcaster(newsroom, i18n, clock).drain(tbot)
    (edit,) = of(EditMessageText, timed)
    assert edit.chat_id == 2
    assert "<b>A second meeting</b>" in edit.text
    assert DRAFT.texts["en"] in edit.text
