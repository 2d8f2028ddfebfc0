"""Every feature's router, assembled in one place (order matters: errors first, free text last).

Each module builds its router in `create_router()`, so every Dispatcher (tests, console, webhook) gets
fresh ones: an aiogram Router can be attached to one parent only.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers import errors, inline, start


def get_routers() -> list[Router]:
    # Inline queries concern only the inline router: placed early, they skip walking the chat routers.
    return [errors.create_router(), inline.create_router(), start.create_router()]
