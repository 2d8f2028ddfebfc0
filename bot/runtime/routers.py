"""Every feature's router, assembled in one place (order matters: errors first, free text last).

Each module builds its router in `create_router()`, so every Dispatcher (tests, console, webhook) gets
fresh ones: an aiogram Router can be attached to one parent only.
"""

from __future__ import annotations

from aiogram import Router

from bot.catalog.handlers import about, fallback, initiative, inline, language, speakers, start, whoami
from bot.catalog.handlers import help as help_
from bot.news.handlers import admin, members
from bot.news.handlers import subscribers as news
from bot.runtime import errors, privacy


def get_routers() -> list[Router]:
    return [
        errors.create_router(),
        # Inline queries concern only the inline router: placed early, they skip walking the chat routers.
        inline.create_router(),
        # news before start: it owns the `/start subscribe` deep link.
        news.create_router(),
        # A user blocking the bot: unsubscribed at once (and polling asks Telegram for these updates).
        members.create_router(),
        # Every admin command, draft step and question button; then the refusal of everyone else's.
        admin.create_router(),
        start.create_router(),
        about.create_router(),
        speakers.create_router(),
        initiative.create_router(),
        language.create_router(),
        help_.create_router(),
        privacy.create_router(),
        whoami.create_router(),  # an organiser's way to learn their id for ADMIN_IDS
        # Keep last: it takes any private text and answers any button the routers above did not.
        fallback.create_router(),
    ]
