"""Finding the handler of an update with less work: aiogram's routing, minus what our routers do not use.

aiogram walks the routers in order, and at each one wraps the (mostly absent) outer middlewares of the event
type in fresh `functools.partial` and `functools.wraps` objects and copies the update's keyword arguments
several times. With a dozen feature routers a `/start` passes through nine of them: the walk cost more than
the handler. `walk()` goes the same way with the same outcome — same order, same root filters, same handlers,
the same `event_router` — but does not wrap middlewares that do not exist, and steps over a router that has
no handler for the event type and no routers below it. A router with outer middlewares for the event type
is walked by aiogram itself.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.types import TelegramObject


async def walk_below(
    router: Router,
    observer: TelegramEventObserver | None,
    update_type: str,
    event: TelegramObject,
    kwargs: dict[str, Any],
) -> Any:
    """What `Router._propagate_event` does (this router's root filters and handlers, then its sub-routers'),
    the sub-routers walked by `walk()`."""
    if observer is not None:
        passed, data = await observer.check_root_filters(event, **kwargs)
        if not passed:
            return UNHANDLED
        kwargs.update(data)
        if observer.handlers:
            response = await observer.trigger(event, **kwargs)
            if response is REJECTED:  # pragma: no cover - only if a handler returns REJECTED
                return UNHANDLED
            if response is not UNHANDLED:
                return response
    for sub_router in router.sub_routers:
        response = await walk(sub_router, update_type, event, kwargs)
        if response is not UNHANDLED:
            return response
    return UNHANDLED


async def walk(router: Router, update_type: str, event: TelegramObject, kwargs: dict[str, Any]) -> Any:
    """What `router.propagate_event(update_type, event, **kwargs)` does."""
    observer = router.observers.get(update_type)
    if observer is not None and len(observer.outer_middleware):
        return await router.propagate_event(update_type=update_type, event=event, **kwargs)
    if (observer is None or not observer.handlers) and not router.sub_routers:
        return UNHANDLED
    return await walk_below(router, observer, update_type, event, {**kwargs, "event_router": router})
