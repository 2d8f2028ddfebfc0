"""The editor's tools in the store, on a real SQLite file: scheduled items released once (also across a
reopen), cancelled ones never; edits and retractions queue one change per delivered copy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.news.repository import NewsDraft, Newsroom
from bot.store import Store
from tests.news_support import DRAFT, add_subscriber

T0 = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)


async def test_a_scheduled_item_waits_then_goes_out_once_even_across_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    newsroom = Newsroom(store.db)
    await add_subscriber(store, 1)
    result = await newsroom.items.post(DRAFT, actor="telegram:9", send_at=T0)
    assert result.recipients == 0
    assert await newsroom.items.count() == 0  # /news does not list it yet
    assert [item.id for item in await newsroom.items.scheduled()] == [result.item_id]
    assert await newsroom.outbox.unfinished() == []  # nothing to report on before it is released
    assert await newsroom.items.release_due(T0 - dt.timedelta(seconds=1)) == []
    await add_subscriber(store, 2)  # subscribed after it was scheduled: gets it too
    await store.close()

    store = await Store.open(path)  # the bot was down past the time
    newsroom = Newsroom(store.db)
    try:
        released = await newsroom.items.release_due(T0 + dt.timedelta(hours=3))
        assert [(r.item_id, r.recipients) for r in released] == [(result.item_id, 2)]
        assert await newsroom.items.release_due(T0 + dt.timedelta(hours=4)) == []  # once
        assert await newsroom.items.scheduled() == []
        assert await newsroom.items.count() == 1
        assert (await newsroom.outbox.counts())["pending"] == 2
        progress = await newsroom.outbox.unfinished()
        assert [p.item_id for p in progress] == [result.item_id]
        actions = [action for action, _ in await newsroom.items.audit(result.item_id)]
        assert actions == ["scheduled", "released"]
    finally:
        await store.close()


async def test_a_cancelled_item_never_goes_out(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    newsroom = Newsroom(store.db)
    try:
        await add_subscriber(store, 1)
        item = (await newsroom.items.post(DRAFT, actor="telegram:9", send_at=T0)).item_id
        assert await newsroom.items.cancel(item, actor="telegram:9")
        assert not await newsroom.items.cancel(item, actor="telegram:9")  # already cancelled
        assert await newsroom.items.release_due(T0 + dt.timedelta(days=1)) == []
        assert (await newsroom.outbox.counts())["pending"] == 0
        assert await newsroom.items.count() == 0
        # an item that already went out cannot be cancelled
        sent = (await newsroom.items.post(DRAFT, actor="telegram:9")).item_id
        assert not await newsroom.items.cancel(sent, actor="telegram:9")
    finally:
        await store.close()


async def _delivered(store: Store, item: int, user: int, locale: str, message_id: int) -> None:
    await store.db.conn.execute(
        "UPDATE delivery SET state = 'sent', message_id = ?, locale = ?, sent_at = 1 "
        "WHERE item_id = ? AND user_id = ?",
        (message_id, locale, item, user),
    )
    await store.db.conn.commit()


async def test_an_edit_queues_the_copies_in_its_language_and_a_newer_one_replaces_it(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    newsroom = Newsroom(store.db)
    try:
        for uid in (1, 2, 3, 4):
            await add_subscriber(store, uid)
        item = (await newsroom.items.post(DRAFT, actor="telegram:9")).item_id
        await _delivered(store, item, 1, "ru", 11)
        await _delivered(store, item, 2, "en", 12)
        await store.db.conn.execute("UPDATE delivery SET state = 'sending' WHERE user_id = 3")
        await store.db.conn.commit()  # 3 is in flight: its language is not known yet; 4 is pending
        queued = await newsroom.items.edit(item, {"en": "Corrected <b>text</b>."}, actor="telegram:9")
        assert queued == 2  # the English copy and the one in flight
        stored = await newsroom.items.get(item)
        assert stored is not None
        assert stored.texts["en"] == "Corrected <b>text</b>."
        assert stored.texts["ru"] == DRAFT.texts["ru"]
        assert stored.edited_at is not None
        due = await newsroom.changes.due(now=10.0, limit=10)
        assert [(c.user_id, c.action, c.generation) for c in due] == [(2, "edit", 1), (3, "edit", 1)]
        # the change of user 2 is in flight when a newer edit arrives: the old claim cannot finish it
        assert await newsroom.changes.mark_sending(due[0])
        assert await newsroom.items.edit(item, {"en": "Again."}, actor="telegram:9") == 2
        await newsroom.changes.finish(due[0], "done")
        again = await newsroom.changes.due(now=10.0, limit=10)
        assert [(c.user_id, c.generation) for c in again] == [(2, 2), (3, 2)]
        assert not await newsroom.changes.mark_sending(due[1])  # generation 1 is gone
    finally:
        await store.close()


async def test_a_retraction_hides_the_item_drops_what_was_not_sent_and_queues_every_copy(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    newsroom = Newsroom(store.db)
    try:
        for uid in (1, 2, 3):
            await add_subscriber(store, uid)
        item = (await newsroom.items.post(DRAFT, actor="telegram:9")).item_id
        await _delivered(store, item, 1, "ru", 11)
        await _delivered(store, item, 2, "zh", 12)
        await newsroom.items.edit(item, {"ru": "Исправлено."}, actor="telegram:9")
        assert await newsroom.items.count() == 1
        assert await newsroom.items.retract(item, actor="telegram:9") == 2
        assert await newsroom.items.retract(item, actor="telegram:9") is None  # once
        assert await newsroom.items.edit(item, {"ru": "Нет."}, actor="telegram:9") is None
        assert await newsroom.items.count() == 0
        assert await newsroom.items.latest() is None
        due = await newsroom.changes.due(now=10.0, limit=10)
        assert [(c.user_id, c.action) for c in due] == [(1, "retract"), (2, "retract")]
        assert (due[0].message_id, due[0].locale) == (11, "ru")
        row = await newsroom.outbox.get(item, 3)
        assert row is not None
        assert row["state"] == "dropped"
        actions = [action for action, _ in await newsroom.items.audit(item)]
        assert actions == ["posted", "edited", "retracted"]
    finally:
        await store.close()


async def test_an_item_with_a_document_keeps_it_and_learns_its_file_id_once(tmp_path: Path) -> None:
    from bot.news.repository import Media

    store = await Store.open(tmp_path / "s.sqlite3")
    newsroom = Newsroom(store.db)
    try:
        draft = NewsDraft(texts=DRAFT.texts, media=Media(kind="document", path="/srv/initiative.pdf"))
        item = (await newsroom.items.post(draft, actor="shell:editor")).item_id
        await newsroom.items.set_media_file_id(item, "BQACAgIAAxk-first")
        await newsroom.items.set_media_file_id(item, "BQACAgIAAxk-second")
        stored = await newsroom.items.get(item)
        assert stored is not None
        assert stored.media is not None
        assert (stored.media.kind, stored.media.file_id, stored.media.path) == (
            "document",
            "BQACAgIAAxk-first",
            "/srv/initiative.pdf",
        )
    finally:
        await store.close()


async def test_an_edit_of_titles_changes_only_those_and_queues_their_copies(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite3")
    newsroom = Newsroom(store.db)
    try:
        for uid in (1, 2):
            await add_subscriber(store, uid)
        titled = NewsDraft(texts=DRAFT.texts, titles={"ru": "Встреча", "en": "A meeting", "zh": "会面"})
        item = (await newsroom.items.post(titled, actor="telegram:9")).item_id
        await _delivered(store, item, 1, "ru", 11)
        await _delivered(store, item, 2, "en", 12)
        queued = await newsroom.items.edit(item, {}, titles={"en": "The meeting"}, actor="telegram:9")
        assert queued == 1  # only the English copy shows that title
        stored = await newsroom.items.get(item)
        assert stored is not None
        assert stored.titles == {"ru": "Встреча", "en": "The meeting", "zh": "会面"}
        assert stored.texts == DRAFT.texts
        due = await newsroom.changes.due(now=10.0, limit=10)
        assert [(c.user_id, c.action) for c in due] == [(2, "edit")]
        # a text in one language and a title in another: both languages' copies
        assert await newsroom.items.edit(item, {"ru": "Новое."}, titles={"en": "Again"}, actor="t") == 2
        # an item posted without a title takes one only in all three languages
        bare = (await newsroom.items.post(DRAFT, actor="telegram:9")).item_id
        try:
            await newsroom.items.edit(bare, {}, titles={"en": "Only English"}, actor="t")
        except ValueError:
            pass
        else:
            raise AssertionError("a partial title was stored on an untitled item")
        assert (await newsroom.items.get(bare)).titles is None  # type: ignore[union-attr]
        full = {"ru": "Заголовок", "en": "Title", "zh": "标题"}
        assert await newsroom.items.edit(bare, {}, titles=full, actor="t") == 0
        assert (await newsroom.items.get(bare)).titles == full  # type: ignore[union-attr]
    finally:
        await store.close()
