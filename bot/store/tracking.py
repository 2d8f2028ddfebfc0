"""Recording every user the bot hears from; their stored language choice goes on to the i18n middleware."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.core.i18n import STORED_LOCALE_KEY
from bot.store.db import StoreError
from bot.store.users import UserRepository

log = logging.getLogger(__name__)


class UserTracking(BaseMiddleware):
    """An outer update middleware: records the user (written behind, in batches), puts their stored locale
    into `data`."""

    def __init__(self, users: UserRepository) -> None:
        self.users = users

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None:
            try:
                data[STORED_LOCALE_KEY] = await self.users.seen(user.id, user.language_code)
            except (sqlite3.Error, StoreError) as exc:
                # A locked or full disk must not silence the bot: it answers in the client's language.
                log.warning("cannot record user %s: %s", user.id, exc)
        return await handler(event, data)
