"""The admin's progress message: its text, and the reporter that edits it while a broadcast runs.

The message is edited at most every `interval` seconds and only when the figures changed; the edit takes a
sending slot like any message of the broadcast, and a finished item is reported once and marked finished.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from babel.dates import format_timedelta

from bot.core.i18n import PoI18n, Translator
from bot.core.pacing import Clock
from bot.news.outbox import ItemProgress, OutboxRepository
from bot.news.outcomes import NOT_MODIFIED

log = logging.getLogger(__name__)


def eta_text(t: Translator, seconds: float) -> str:
    delta = dt.timedelta(seconds=max(seconds, 1))
    return format_timedelta(delta, granularity="second", threshold=1.1, locale=t.babel_locale)


def progress_text(t: Translator, progress: ItemProgress, eta_seconds: float) -> str:
    """The admin's progress message for one item."""
    if progress.done:
        return t._(
            "✅ <b>News #{item}</b> has been sent.\nDelivered: {sent} · dropped: {dropped} · failed: {failed}"
        ).format(item=progress.item_id, sent=progress.sent, dropped=progress.dropped, failed=progress.failed)
    return t._(
        "📤 <b>News #{item}</b> is being sent.\n"
        "Delivered: {sent} · dropped: {dropped} · failed: {failed} · left: {left}\n"
        "Time left: about {eta}"
    ).format(
        item=progress.item_id,
        sent=progress.sent,
        dropped=progress.dropped,
        failed=progress.failed,
        left=progress.left,
        eta=eta_text(t, eta_seconds),
    )


def _figures(progress: ItemProgress) -> tuple[int, int, int, int]:
    return (progress.sent, progress.dropped, progress.failed, progress.left)


class ProgressReporter:
    """Keeps each unfinished item's progress message (and the log) up to date with the outbox.

    `wait_turn` waits for a sending slot, `eta` says how long an item has left, `pause_all` takes a 429:
    the broadcaster's, so that edits and messages share one budget.
    """

    def __init__(
        self,
        outbox: OutboxRepository,
        i18n: PoI18n,
        *,
        default_locale: str,
        clock: Clock,
        interval: float,
        wait_turn: Callable[[], Awaitable[None]],
        eta: Callable[[int], Awaitable[float]],
        pause_all: Callable[[float], object],
    ) -> None:
        self.outbox = outbox
        self.i18n = i18n
        self.default_locale = default_locale
        self.clock = clock
        self.interval = interval
        self.wait_turn = wait_turn
        self.eta = eta
        self.pause_all = pause_all
        self._next = 0.0
        self._last: dict[int, tuple[int, int, int, int]] = {}

    async def maybe_report(self, bot: Bot, *, force: bool = False) -> None:
        """Report every unfinished item whose figures changed, if `interval` has passed (or `force`)."""
        now = self.clock()
        if not force and now < self._next:
            return
        self._next = now + self.interval
        for progress in await self.outbox.unfinished():
            if self._last.get(progress.item_id) == _figures(progress):
                continue
            await self._report(bot, progress)

    async def _report(self, bot: Bot, progress: ItemProgress) -> None:
        has_message = progress.progress_chat_id is not None and progress.progress_message_id is not None
        if has_message:
            # An edit counts against the same budget as the broadcast. Deliveries in flight finish while we
            # wait, so the figures are read after the wait: an edit never shows fewer than are delivered.
            await self.wait_turn()
            fresh = await self.outbox.progress(progress.item_id)
            if fresh is None:
                return
            progress = fresh
        figures = _figures(progress)
        if self._last.get(progress.item_id) == figures:
            return
        self._last[progress.item_id] = figures
        if progress.done:
            await self.outbox.mark_finished(progress.item_id)
            self._last.pop(progress.item_id, None)
            log.info(
                "news #%d delivered: %d sent, %d dropped, %d failed",
                progress.item_id,
                progress.sent,
                progress.dropped,
                progress.failed,
            )
        else:
            log.info(
                "news #%d: %d sent, %d dropped, %d failed, %d left",
                progress.item_id,
                progress.sent,
                progress.dropped,
                progress.failed,
                progress.left,
            )
        if has_message:
            await self._edit(bot, progress)

    async def _edit(self, bot: Bot, progress: ItemProgress) -> None:
        """Edit the admin's progress message with figures read after `wait_turn` (see `_report`)."""
        if progress.progress_chat_id is None or progress.progress_message_id is None:
            return
        t = self.i18n.translator(progress.progress_locale or self.default_locale)
        text = progress_text(t, progress, await self.eta(progress.item_id))
        try:
            await bot.edit_message_text(
                text=text, chat_id=progress.progress_chat_id, message_id=progress.progress_message_id
            )
        except TelegramRetryAfter as exc:
            self.pause_all(exc.retry_after)
        except TelegramAPIError as exc:
            if NOT_MODIFIED not in exc.message:
                log.warning("broadcaster: cannot update the progress of news #%d: %s", progress.item_id, exc)
