"""Publishing a /post draft (✅ Send now, or ✅ Schedule at its time): the item is stored once (the draft's
key), the draft ends, and the question becomes the report. Once the item is stored nothing fails the update:
the report's edits are best-effort (a failure is logged; a "try again" would post it twice), and the
broadcaster is woken whatever happened to them."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.core.callbacks import PostSendCb
from bot.core.config import Settings
from bot.core.html import q
from bot.core.i18n import Translator
from bot.news.broadcaster import Broadcaster
from bot.news.handlers.drafts import best_effort
from bot.news.handlers.post import draft_of
from bot.news.items import news_moment
from bot.news.progress import progress_text
from bot.news.repository import Newsroom, PostResult

log = logging.getLogger(__name__)


def scheduled_text(t: Translator, item_id: int, send_at: dt.datetime, timezone: str) -> str:
    return t._(
        "🕒 Scheduled: news item #{item} goes out on {when} ({timezone}) to everyone subscribed then. "
        "/scheduled lists it and can cancel it."
    ).format(item=item_id, when=q(news_moment(t, send_at)), timezone=q(timezone))


async def send_now(
    query: CallbackQuery,
    callback_data: PostSendCb,
    state: FSMContext,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    settings: Settings,
    t: Translator,
) -> None:
    await publish(query, state, newsroom, broadcaster, settings, t, send_at=None)


async def publish(
    query: CallbackQuery,
    state: FSMContext,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    settings: Settings,
    t: Translator,
    *,
    send_at: dt.datetime | None,
) -> None:
    """Store the draft (once: its key), end it, and turn the question into the report."""
    message = query.message if isinstance(query.message, Message) else None
    data: dict[str, Any] = await state.get_data()
    progress = (message.chat.id, message.message_id, t.locale) if message is not None else None
    result = await newsroom.items.post(
        draft_of(data),
        actor=f"telegram:{query.from_user.id}",
        author_id=query.from_user.id,
        key=data.get("key"),
        progress=progress,
        send_at=send_at,
    )
    await state.clear()
    try:
        if not result.created:
            if message is not None:
                text = t._("This news item has already been posted.")
                await best_effort(message.edit_text(text), "report")
            return
        await report_posted(query, message, result, send_at, newsroom, broadcaster, settings, t)
    finally:
        # Whatever happened to the report, the item goes out. After our edit of the question, so the
        # broadcaster's later edits of it (its progress) win.
        broadcaster.wake()


async def report_posted(
    query: CallbackQuery,
    message: Message | None,
    result: PostResult,
    send_at: dt.datetime | None,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    settings: Settings,
    t: Translator,
) -> None:
    """The confirmation message becomes the schedule note or the broadcast's progress report; each edit is
    best-effort (the item is stored: a failure here is logged, never reported as one)."""
    if send_at is not None:
        log.info("news #%d scheduled by %d for %s", result.item_id, query.from_user.id, send_at.isoformat())
        if message is not None:
            text = scheduled_text(t, result.item_id, send_at, settings.timezone)
            await best_effort(message.edit_text(text), "schedule note")
        return
    log.info(
        "news #%d posted by %d, queued for %d subscribers",
        result.item_id,
        query.from_user.id,
        result.recipients,
    )
    if result.recipients == 0:
        await newsroom.outbox.mark_finished(result.item_id)  # nothing to report on
        if message is not None:
            text = t._("Posted to /news. Nobody is subscribed, so it was not sent to anyone.")
            await best_effort(message.edit_text(text), "report")
        return
    figures = await newsroom.outbox.progress(result.item_id)
    if message is not None and figures is not None:
        text = progress_text(t, figures, await broadcaster.eta(result.item_id))
        await best_effort(message.edit_text(text), "progress report")
