"""Helpers for the news tests: a fake clock the broadcaster paces by, a session that notes when each request
was made, and shortcuts to subscribe users and post items."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.console.session import LocalSession
from bot.core.i18n import PoI18n
from bot.news.broadcaster import Broadcaster
from bot.news.repository import NewsDraft, Newsroom
from bot.store import Store

DRAFT = NewsDraft(
    texts={
        "ru": "Подписанты инициативы встретились <b>снова</b>.",
        "en": "The signatories of the initiative met <b>again</b>.",
        "zh": "倡议签署方<b>再次</b>会面。",
    }
)


class FakeClock:
    """Seconds that only move when the code under test sleeps."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


class TimedSession(LocalSession):
    """LocalSession that notes the (fake) time of every request, failed ones included."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.times: list[tuple[float, TelegramMethod[Any]]] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.times.append((self.clock(), method))
        return await super().make_request(bot, method, timeout)

    def sends(self) -> list[tuple[float, int]]:
        return [(t, int(m.chat_id)) for t, m in self.times if isinstance(m, SendMessage)]


def make_broadcaster(newsroom: Newsroom, i18n: PoI18n, clock: FakeClock, **kwargs: Any) -> Broadcaster:
    kwargs.setdefault("wall", clock)
    return Broadcaster(newsroom, i18n, clock=clock, sleep=clock.sleep, **kwargs)


async def add_subscriber(
    store: Store, user_id: int, language_code: str | None = "en", locale: str | None = None
) -> None:
    await store.users.touch(user_id, language_code)
    if locale is not None:
        await store.users.set_locale(user_id, locale)
    await store.subscriptions.subscribe(user_id)


def sent_to(session: LocalSession) -> list[int]:
    return [int(m.chat_id) for m in session.requests_of(SendMessage)]
