"""The ✅ Correct and 🗑 Retract buttons: the change the button names is stored (its copies queued), the draft
ends, and the question becomes the report. As with a post, nothing after the store fails the update: the
report is best-effort, and the broadcaster, which edits or deletes the copies, is woken whatever happened."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.core.callbacks import EditConfirmCb, RetractCb
from bot.core.i18n import Translator
from bot.news.broadcaster import Broadcaster
from bot.news.handlers.drafts import best_effort
from bot.news.handlers.states import TEXT, TITLE
from bot.news.repository import Newsroom

log = logging.getLogger(__name__)


async def edit_confirmed(
    query: CallbackQuery,
    callback_data: EditConfirmCb,
    state: FSMContext,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    t: Translator,
) -> None:
    """✅ Correct: the item, language and draft the button names are the open question's."""
    message = query.message if isinstance(query.message, Message) else None
    data: dict[str, Any] = await state.get_data()
    progress = (message.chat.id, message.message_id, t.locale) if message is not None else None
    item_id, change = callback_data.item, {callback_data.locale: str(data[TEXT])}
    before = await newsroom.items.get(item_id)
    if data.get(TITLE):
        queued = await newsroom.items.edit(item_id, {}, titles=change, actor=actor(query), progress=progress)
    else:
        queued = await newsroom.items.edit(item_id, change, actor=actor(query), progress=progress)
    await state.clear()
    scheduled = before is not None and before.scheduled
    await finish_change(
        query, message, newsroom, broadcaster, t, item_id, queued, edited=True, scheduled=scheduled
    )


async def retract_confirmed(
    query: CallbackQuery,
    callback_data: RetractCb,
    state: FSMContext,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    t: Translator,
) -> None:
    """🗑 Retract: the item the button names is the open question's."""
    message = query.message if isinstance(query.message, Message) else None
    progress = (message.chat.id, message.message_id, t.locale) if message is not None else None
    queued = await newsroom.items.retract(callback_data.item, actor=actor(query), progress=progress)
    await state.clear()
    await finish_change(query, message, newsroom, broadcaster, t, callback_data.item, queued, edited=False)


def actor(query: CallbackQuery) -> str:
    return f"telegram:{query.from_user.id}"


async def finish_change(
    query: CallbackQuery,
    message: Message | None,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    t: Translator,
    item_id: int,
    queued: int | None,
    *,
    edited: bool,
    scheduled: bool = False,
) -> None:
    """The question becomes the result (best-effort: the change is stored), then the broadcaster goes."""
    try:
        await report_change(query, message, newsroom, t, item_id, queued, edited=edited, scheduled=scheduled)
    finally:
        broadcaster.wake()  # after our edit of the question, so the broadcaster's later ones win


async def report_change(
    query: CallbackQuery,
    message: Message | None,
    newsroom: Newsroom,
    t: Translator,
    item_id: int,
    queued: int | None,
    *,
    edited: bool,
    scheduled: bool,
) -> None:
    if queued is None:
        text = t._("This news item can no longer be changed.")
    else:
        log.info(
            "news #%d %s by %d: %d copies queued",
            item_id,
            "edited" if edited else "retracted",
            query.from_user.id,
            queued,
        )
        text = change_text(t, item_id, queued, edited=edited, scheduled=scheduled)
        if queued == 0:
            await newsroom.changes.mark_reported(item_id)
    if message is not None:
        await best_effort(message.edit_text(text), "report of the change")


def change_text(t: Translator, item_id: int, queued: int, *, edited: bool, scheduled: bool) -> str:
    if queued == 0:
        if scheduled:
            return t._(
                "✏️ News item #{item} is corrected: it goes out at its scheduled time with the new text."
            ).format(item=item_id)
        if edited:
            return t._(
                "✏️ News item #{item} is corrected: /news shows the new text. No copy in that language "
                "had been delivered."
            ).format(item=item_id)
        return t._(
            "🗑 News item #{item} is retracted: /news no longer lists it. No copy had been delivered."
        ).format(item=item_id)
    if edited:
        return t.ngettext(
            "✏️ Correcting {count} delivered copy of #{item}…",
            "✏️ Correcting {count} delivered copies of #{item}…",
            queued,
        ).format(count=queued, item=item_id)
    return t.ngettext(
        "🗑 Retracting {count} delivered copy of #{item}…",
        "🗑 Retracting {count} delivered copies of #{item}…",
        queued,
    ).format(count=queued, item=item_id)
