"""Edits and retractions of delivered copies, the pure part: what to do with one copy, what a Telegram answer
means for it, the "withdrawn" note a reader sees, and the admin's result message; `reviser.py` runs them.

A copy younger than 48 hours (less a margin) is deleted; an older one, or one Telegram refuses to delete, is
edited into the note (a photo's or a document's caption: the file itself stays, and the admin's result
says how many copies kept theirs). An edit that changes nothing ("message is not modified") is done; a copy
the reader deleted ("message to edit/delete not found") is dropped; a reader who blocked the bot is dropped
and unsubscribed, as in a broadcast.
"""

from __future__ import annotations

import enum

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.core.html import hitalic
from bot.core.i18n import Translator
from bot.news.changes import DELETE_MARGIN, DELETE_WINDOW, ChangeProgress, DueChange
from bot.news.outcomes import NOT_MODIFIED, Action, Outcome, classify

GONE = ("message to edit not found", "message to delete not found", "message_id_invalid")
CANNOT_DELETE = ("message can't be deleted", "message can not be deleted")


class Step(enum.Enum):
    EDIT = "edit"  # editMessageText / editMessageCaption with the item's current text
    DELETE = "delete"  # deleteMessage
    WITHDRAW = "withdraw"  # edit into the "withdrawn" note
    WAIT = "wait"  # the copy is still in flight: come back later
    NOTHING = "nothing"  # no copy to change (never delivered, or delivered before ids were kept)


def step_for(change: DueChange, now: float) -> Step:
    """What to do with one copy at wall time `now`."""
    if change.copy_state == "sending":
        return Step.WAIT
    if change.copy_state != "sent" or change.message_id is None:
        return Step.NOTHING
    if change.action == "edit":
        return Step.EDIT
    sent_at = change.sent_at if change.sent_at is not None else 0.0
    return Step.DELETE if now - sent_at < DELETE_WINDOW - DELETE_MARGIN else Step.WITHDRAW


def change_outcome(exc: TelegramAPIError | OSError | TimeoutError) -> Outcome:
    """What a refused edit or delete comes to: done, dropped, withdraw instead (`Action.RETRY` is not
    used for that: see `cannot_delete`), or whatever a broadcast's send would."""
    if isinstance(exc, TelegramBadRequest):
        message = exc.message.lower()
        if NOT_MODIFIED in message:
            return Outcome(Action.SENT)
        if any(marker in message for marker in GONE):
            return Outcome(Action.DROP, exc.message)
    return classify(exc)


def cannot_delete(exc: BaseException) -> bool:
    """Telegram keeps the message (too old, after all): edit it into the note instead."""
    return isinstance(exc, TelegramBadRequest) and any(m in exc.message.lower() for m in CANNOT_DELETE)


def withdrawn_note(t: Translator) -> str:
    """What a retracted copy older than 48 hours becomes, in the reader's language."""
    return hitalic(t._("🗑 This news item has been withdrawn."))


def change_result(t: Translator, progress: ChangeProgress) -> str:
    """The admin's message once every copy of the latest edit or retraction has been dealt with."""
    total = progress.done + progress.dropped + progress.failed
    if progress.retracted:
        text = t.ngettext(
            "🗑 News item #{item} is retracted: {done} of {total} delivered copy deleted or marked withdrawn. "
            "/news no longer lists it.",
            "🗑 News item #{item} is retracted: {done} of {total} delivered copies deleted or marked "
            "withdrawn. /news no longer lists it.",
            total,
        )
    else:
        text = t.ngettext(
            "✏️ News item #{item} is corrected: {done} of {total} delivered copy edited. /news shows the new "
            "text.",
            "✏️ News item #{item} is corrected: {done} of {total} delivered copies edited. /news shows the "
            "new text.",
            total,
        )
    text = text.format(item=progress.item_id, done=progress.done, total=total)
    if progress.dropped:
        text += "\n" + t.ngettext(
            "{count} copy was no longer there (the reader deleted it or blocked the bot).",
            "{count} copies were no longer there (the readers deleted them or blocked the bot).",
            progress.dropped,
        ).format(count=progress.dropped)
    if progress.media_kept:
        text += "\n" + t.ngettext(
            "{count} copy was older than 48 hours: Telegram does not let a bot delete it, so its photo or "
            "file stays in the chat; only its caption now says the item is withdrawn.",
            "{count} copies were older than 48 hours: Telegram does not let a bot delete them, so their "
            "photo or file stays in the chat; only their caption now says the item is withdrawn.",
            progress.media_kept,
        ).format(count=progress.media_kept)
    if progress.failed:
        text += "\n" + t.ngettext(
            "Telegram refused to change {count} copy.",
            "Telegram refused to change {count} copies.",
            progress.failed,
        ).format(count=progress.failed)
    return text
