"""What one subscriber is sent: the item rendered in their language from one revision of its text, with its
photo or document, and the one call to Telegram that sends it.

An item is rendered once per (item, language, revision): an edit or a retraction is a new revision, so a copy
claimed after it is never taken from an older render (no timed cache: one kept a corrected item's old text
for seconds of sending).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import FSInputFile, Message

from bot.core.i18n import PoI18n, Translator
from bot.news.items import subscriber_locale
from bot.news.models import Media, NewsDraft
from bot.news.outbox import DueDelivery
from bot.news.repository import NewsRepository

# How a subscriber's message is made from an item: `news.items.render_item` unless a test counts the calls.
Render = Callable[[Translator, NewsDraft, dt.date], str]
KEPT = 64  # rendered copies kept; past this they are rendered afresh


@dataclass(frozen=True)
class Copy:
    item_id: int
    locale: str
    text: str
    media: Media | None
    retracted: bool
    revision: int  # the item's revision it was rendered from

    @property
    def needs_upload(self) -> bool:
        return self.media is not None and self.media.file_id is None


class Copies:
    def __init__(self, items: NewsRepository, i18n: PoI18n, render: Render, default_locale: str) -> None:
        self.items = items
        self.i18n = i18n
        self.render = render
        self.default_locale = default_locale
        self._rendered: dict[tuple[int, str, int], Copy] = {}

    async def get(self, delivery: DueDelivery, revision: int | None = None) -> Copy | None:
        """The delivery's copy from the revision it was claimed at (or `revision`); an item found newer than
        that is rendered as it is now. None: the item is gone."""
        locale = subscriber_locale(delivery.locale, delivery.language_code, self.default_locale)
        wanted = revision or delivery.revision
        copy = self._rendered.get((delivery.item_id, locale, wanted)) if wanted is not None else None
        if copy is not None:
            return copy
        item = await self.items.get(delivery.item_id)
        if item is None:
            return None
        if len(self._rendered) >= KEPT:
            self._rendered.clear()
        copy = Copy(
            item_id=item.id,
            locale=locale,
            text=self.render(self.i18n.translator(locale), item.draft, item.created_at),
            media=item.media,
            retracted=item.retracted_at is not None,
            revision=item.revision,
        )
        self._rendered[item.id, locale, item.revision] = copy
        if wanted is not None:
            self._rendered[item.id, locale, wanted] = copy  # newer than claimed: better still
        return copy

    def forget(self, item_id: int) -> None:
        """The item's copies are rendered again (its file_id is known now)."""
        for key in [key for key in self._rendered if key[0] == item_id]:
            del self._rendered[key]


async def send_copy(bot: Bot, chat: int, copy: Copy, *, paid: bool) -> Message:
    """The one call to Telegram a delivery makes: a message, or the item's photo or document with the text as
    its caption (Telegram's `file_id` once known, else the file, uploaded once)."""
    media, allow_paid = copy.media, True if paid else None
    if media is None:
        return await bot.send_message(chat, copy.text, allow_paid_broadcast=allow_paid)
    file = media.file_id or FSInputFile(media.path or "")
    if media.kind == "photo":
        return await bot.send_photo(chat, file, caption=copy.text, allow_paid_broadcast=allow_paid)
    return await bot.send_document(chat, file, caption=copy.text, allow_paid_broadcast=allow_paid)
