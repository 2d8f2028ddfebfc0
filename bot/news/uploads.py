"""An item's photo or document is uploaded once: the first copy sends the file, the others wait for it and
reuse Telegram's `file_id`, which is kept with the item (best effort: a failure to keep it costs one more
upload, never a copy recorded twice)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiogram.types import Message

from bot.news.copies import Copy
from bot.news.repository import NewsRepository

log = logging.getLogger(__name__)


class Uploads:
    def __init__(self, items: NewsRepository) -> None:
        self.items = items
        self._uploading: dict[int, asyncio.Event] = {}  # items whose file is on its way

    def under_way(self, copy: Copy) -> asyncio.Event | None:
        """Set when the upload of `copy`'s file by another copy ends (None: no upload is under way)."""
        return self._uploading.get(copy.item_id) if copy.needs_upload else None

    @staticmethod
    async def file_missing(copy: Copy) -> bool:
        """The file to upload was moved or deleted since the item was posted."""
        path = copy.media.path if copy.media is not None else None
        return copy.needs_upload and not await asyncio.to_thread(Path(path or "").is_file)

    def begin(self, copy: Copy) -> None:
        """`copy` uploads its item's file: the item's other copies wait for it."""
        if copy.needs_upload:
            self._uploading[copy.item_id] = asyncio.Event()

    def end(self, copy: Copy) -> None:
        """The upload of `copy`'s file is over (done or failed): the deliveries waiting for it go on."""
        if copy.needs_upload:
            event = self._uploading.pop(copy.item_id, None)
            if event is not None:
                event.set()

    async def learn(self, copy: Copy, message: Message) -> bool:
        """After the first upload: keep Telegram's `file_id`, so no other copy uploads the file again; True
        when one was kept (the item's copies are then rendered afresh)."""
        if not copy.needs_upload:
            return False
        if message.photo:
            file_id = message.photo[-1].file_id
        elif message.document is not None:
            file_id = message.document.file_id
        else:
            return False
        try:
            await self.items.set_media_file_id(copy.item_id, file_id)
        except Exception:
            log.exception(
                "broadcaster: news #%d: cannot keep its file_id; the next copy uploads it", copy.item_id
            )
            return False
        return True
