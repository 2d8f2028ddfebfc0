"""The Dispatcher's own walk over the routers ends where aiogram's does: the same handler, with the same
router, root filters and outer middlewares honoured, nested routers included."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command
from aiogram.types import Message, TelegramObject, Update

from bot.console.session import LocalSession
from bot.runtime.inflight import TrackingDispatcher
from tests import updates
from tests.conftest import TOKEN


def build(dp: Dispatcher, seen: list[str]) -> None:
    def note(label: str) -> Callable[..., Awaitable[None]]:
        async def handler(event: TelegramObject, event_router: Router, **_: Any) -> None:
            seen.append(f"{label} in {event_router.name}")

        return handler

    async def outer(
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        seen.append("outer middleware")
        data["marked"] = True
        return await handler(event, data)

    async def marked(message: Message, marked: bool = False, **_: Any) -> None:
        seen.append(f"marked={marked}")

    empty = Router(name="empty")
    inline_only = Router(name="inline only")
    inline_only.inline_query.register(note("inline"))
    private = Router(name="private")
    private.message.filter(F.chat.type == "private")
    nested = Router(name="nested")
    nested.message.register(note("help"), Command("help"))
    private.include_router(nested)
    guarded = Router(name="guarded")
    guarded.message.outer_middleware(outer)
    guarded.message.register(marked, Command("mark"))
    last = Router(name="last")
    last.message.register(note("any text"), F.text)
    last.callback_query.register(note("button"))
    dp.include_routers(empty, inline_only, private, guarded, last)


@pytest.mark.parametrize(
    "update",
    [
        updates.message("/help"),
        updates.message("/help", chat_type="group", chat_id=-5),
        updates.message("/mark"),
        updates.message("hello"),
        updates.callback("x:y"),
        updates.inline_query("abc"),
    ],
    ids=["nested command", "filtered out by a root filter", "outer middleware", "last", "button", "inline"],
)
async def test_same_handler_as_aiogram(update: dict[str, Any]) -> None:
    outcomes = []
    for dp in (Dispatcher(), TrackingDispatcher()):
        seen: list[str] = []
        build(dp, seen)
        bot = Bot(TOKEN, session=LocalSession())
        await dp.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]
    assert outcomes[0]  # every update above reaches some handler
