"""Retries for the bot's own replies: a passing server/network fault should not cost a user their answer,
and no retry may cost them a duplicate.

Decided per call. A call that cannot create anything (edits, answers to callback and inline queries, get*,
set*, delete*) is repeated after a 5xx or a network fault. A call that creates a message (send*, forward*,
copy*) is repeated only when the failure proves nothing was delivered: a connection that was never made.
After a 5xx (a proxy's 502 may follow a delivered message) or a timeout it is not repeated: the user may miss
that answer, never get it twice.

429 is not handled here: `core.pacing.SendPacer`, installed inside this middleware, owns it (it pauses every
message and sends the refused one again). Long polling has its own backoff and the news broadcaster its own
outage handling, so both are left alone: `getUpdates` is never retried here, and code inside `no_retry()`
gets the error at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientConnectorError

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)
_disabled: ContextVar[bool] = ContextVar("retry_disabled", default=False)


@contextmanager
def no_retry() -> Iterator[None]:
    token = _disabled.set(True)
    try:
        yield
    finally:
        _disabled.reset(token)


def creates(method: TelegramMethod[Any]) -> bool:
    """Whether repeating `method` may create a second message."""
    return type(method).__name__.startswith(("Send", "Forward", "Copy"))


def never_sent(exc: TelegramNetworkError) -> bool:
    """The request never left: the connection (TCP, TLS) could not be made. aiogram's aiohttp session keeps
    aiohttp's error as the cause."""
    return isinstance(exc.__cause__, ClientConnectorError)


def may_repeat(method: TelegramMethod[Any], exc: TelegramServerError | TelegramNetworkError) -> bool:
    if not creates(method):
        return True
    return isinstance(exc, TelegramNetworkError) and never_sent(exc)


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if _disabled.get() or isinstance(method, GetUpdates):
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt == self.attempts or not may_repeat(method, exc):
                    raise
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning("%s failed (%s), retrying in %.1fs", type(method).__name__, exc.message, delay)
            await self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
