"""The reviser: runs the change outbox (`changes.py`) — edits and deletes delivered copies as its rows say,
through the broadcaster's lane (its pace, its window and each chat's gap) — and turns the admin's
"Correcting…"/"Retracting…" message into the result once every copy of a change is dealt with. What to do
with one copy and what Telegram's answer means for it are in `revisions.py`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.core.i18n import PoI18n, Translator
from bot.core.pacing import PER_CHAT_INTERVAL
from bot.news.changes import DueChange
from bot.news.models import NewsDraft, NewsItem
from bot.news.outcomes import Action, Outcome, retry_delay
from bot.news.repository import Newsroom
from bot.news.revisions import Step, cannot_delete, change_outcome, change_result, step_for, withdrawn_note

log = logging.getLogger(__name__)

Claim = Callable[[], Awaitable[bool]]
Job = Callable[[], Awaitable[None]]


class Lane(Protocol):
    """What the broadcaster lends the reviser: its pace, its slots and its per-chat gap."""

    @property
    def stopping(self) -> bool: ...

    async def launch(self, chat: int, claim: Claim, job: Job) -> bool:
        """Run `job` for `chat` when its turn comes (after `claim` succeeds); False: not now."""
        ...

    def pause_all(self, retry_after: float) -> float:
        """A 429: pause every send; returns the wall time sending resumes."""
        ...

    def refused_token(self, reason: str) -> None:
        """A 401: the token was revoked; stop with everything pending."""
        ...


class Reviser:
    """Edits and deletes delivered copies as `delivery_change` rows say, through the broadcaster's lane, and
    turns the admin's message into the result once every copy of a change is dealt with."""

    def __init__(
        self,
        newsroom: Newsroom,
        i18n: PoI18n,
        *,
        default_locale: str,
        wall: Callable[[], float],
        render: Callable[[Translator, NewsDraft, dt.date], str],
        max_attempts: int = 5,
        backoff: float = 5.0,
        max_backoff: float = 300.0,
        wait_in_flight: float = 5.0,
        batch_size: int = 200,
    ) -> None:
        self.newsroom = newsroom
        self.i18n = i18n
        self.default_locale = default_locale
        self.wall = wall
        self.render = render
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.wait_in_flight = wait_in_flight
        self.batch_size = batch_size
        self._items: dict[int, NewsItem] = {}

    async def recover(self) -> int:
        return await self.newsroom.changes.recover()

    async def next_due_at(self) -> float | None:
        return await self.newsroom.changes.next_due_at()

    async def run_due(self, bot: Bot, lane: Lane) -> int:
        """Start every change due now (one pass); returns how many were started or settled."""
        self._items.clear()  # an item's text is read afresh each pass: an edit may have changed it
        changes = self.newsroom.changes
        handled = 0
        for change in await changes.due(self.wall(), self.batch_size):
            if lane.stopping:
                break
            step = step_for(change, self.wall())
            if step is Step.WAIT:
                await changes.retry_later(
                    change,
                    "the copy is still being sent",
                    self.wall() + self.wait_in_flight,
                    count_attempt=False,
                    claimed=False,
                )
                continue
            item = await self._item(change.item_id) if step is not Step.NOTHING else None
            if item is None:  # no copy to change, or no item any more: settled without a call
                if await changes.mark_sending(change):
                    await changes.finish(change, "dropped", "no delivered copy to change")
                handled += 1
                continue
            started = await lane.launch(
                change.user_id,
                partial(changes.mark_sending, change),
                partial(self._run, bot, lane, change, step, item),
            )
            if started:
                handled += 1
            elif not lane.stopping:
                # The chat's one-second gap (or a reply) holds it: look again then, not in a busy loop.
                await changes.retry_later(
                    change,
                    "waiting for the chat's turn",
                    self.wall() + PER_CHAT_INTERVAL,
                    count_attempt=False,
                    claimed=False,
                )
        return handled

    async def _item(self, item_id: int) -> NewsItem | None:
        if item_id not in self._items:
            item = await self.newsroom.items.get(item_id)
            if item is None:
                return None
            self._items[item_id] = item
        return self._items[item_id]

    async def _run(self, bot: Bot, lane: Lane, change: DueChange, step: Step, item: NewsItem) -> None:
        try:
            outcome, media_kept = await self._call(bot, change, step, item)
            await self._settle(lane, change, outcome, media_kept=media_kept)
        except Exception:
            # The row stays `sending` and runs again after a restart (an edit or a delete twice is harmless).
            log.exception(
                "reviser: cannot record the change of news #%d for %d", change.item_id, change.user_id
            )

    async def _call(self, bot: Bot, change: DueChange, step: Step, item: NewsItem) -> tuple[Outcome, bool]:
        """What the call came to, and whether a withdrawn copy keeps its photo or file (only its caption can
        be edited into the note: Telegram deletes a bot's message only in its first 48 hours)."""
        chat, message_id = change.user_id, int(change.message_id or 0)
        t = self.i18n.translator(change.locale or self.default_locale)
        try:
            if step is Step.DELETE:
                try:
                    await bot.delete_message(chat, message_id)
                    return Outcome(Action.SENT), False
                except TelegramBadRequest as exc:
                    if not cannot_delete(exc):
                        raise
                step = Step.WITHDRAW  # Telegram keeps it after all: replace it with the note
            text = withdrawn_note(t) if step is Step.WITHDRAW else self.render(t, item.draft, item.created_at)
            if item.media is not None:
                await bot.edit_message_caption(chat_id=chat, message_id=message_id, caption=text)
            else:
                await bot.edit_message_text(text, chat_id=chat, message_id=message_id)
        except (TelegramAPIError, OSError, TimeoutError) as exc:
            return change_outcome(exc), False
        return Outcome(Action.SENT), step is Step.WITHDRAW and item.media is not None

    async def _settle(
        self, lane: Lane, change: DueChange, outcome: Outcome, *, media_kept: bool = False
    ) -> None:
        changes = self.newsroom.changes
        error = outcome.error or ""
        if outcome.action is Action.SENT:
            await changes.finish(change, "done", media_kept=media_kept)
        elif outcome.action is Action.DROP:
            await changes.finish(change, "dropped", error)
        elif outcome.action is Action.UNSUBSCRIBE:
            await changes.finish(change, "dropped", error, unsubscribe=True)  # blocked the bot since
        elif outcome.action is Action.FAIL:
            await changes.finish(change, "failed", error)
            log.warning("reviser: news #%d for %d refused: %s", change.item_id, change.user_id, error)
        elif outcome.action is Action.PAUSE_ALL:
            await changes.retry_later(change, error, lane.pause_all(outcome.retry_after), count_attempt=False)
        elif outcome.action is Action.STOP:
            await changes.retry_later(change, error, self.wall(), count_attempt=False)
            lane.refused_token(error)
        else:
            delay = retry_delay(change.attempts + 1, self.max_attempts, self.backoff, self.max_backoff)
            if delay is None:
                await changes.finish(change, "failed", error)
            else:
                await changes.retry_later(change, error, self.wall() + delay)

    async def report(self, bot: Bot) -> None:
        """Turn each admin's "Correcting…"/"Retracting…" message into the result once nothing is left."""
        changes = self.newsroom.changes
        for item_id in await changes.unreported():
            progress = await changes.progress(item_id)
            if progress is None or progress.left or progress.in_flight:
                continue  # a copy still going out from an older text may need this change too
            if progress.chat_id is not None and progress.message_id is not None:
                t = self.i18n.translator(progress.locale or self.default_locale)
                try:
                    await bot.edit_message_text(
                        change_result(t, progress), chat_id=progress.chat_id, message_id=progress.message_id
                    )
                except TelegramAPIError as exc:
                    log.warning("reviser: cannot report on news #%d: %s", item_id, exc)
            await changes.mark_reported(item_id)
            log.info(
                "news #%d %s: %d done, %d gone, %d failed",
                item_id,
                "retracted" if progress.retracted else "edited",
                progress.done,
                progress.dropped,
                progress.failed,
            )
