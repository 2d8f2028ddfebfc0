"""A Bot API stand-in that enforces Telegram's flood limit on a fake clock: `limit` messages in any one
second, 429 beyond it."""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.console.session import LocalSession
from bot.core.pacing import is_message
from tests.news_support import FakeClock


class FloodSession(LocalSession):
    def __init__(self, clock: FakeClock, limit: int = 30) -> None:
        super().__init__()
        self.clock = clock
        self.limit = limit
        self.window: deque[float] = deque()
        self.too_many = 0
        self.times: list[tuple[float, TelegramMethod[Any]]] = []
        self.delivered: Counter[int] = Counter()

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        now = self.clock()
        if is_message(method):
            while self.window and now - self.window[0] >= 1.0:
                self.window.popleft()
            if len(self.window) >= self.limit:
                self.too_many += 1
                self.times.append((now, method))
                raise TelegramRetryAfter(
                    method=method, message="Too Many Requests: retry after 1", retry_after=1
                )
        self.times.append((now, method))
        result = await super().make_request(bot, method, timeout)
        if is_message(method):
            self.window.append(now)
        chat = getattr(method, "chat_id", None)
        if type(method).__name__ == "SendMessage" and isinstance(chat, int):
            self.delivered[chat] += 1
        return result

    def message_times(self) -> list[float]:
        return [t for t, m in self.times if is_message(m)]
