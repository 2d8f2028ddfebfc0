"""An admin's own menus: the command menu Telegram shows them (set at start-up, kept by /language) and the
admin part of /help. Nobody else sees an admin command."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.catalog import screen_cache as screens
from bot.catalog.profile import sync_chat_commands
from bot.core.config import Settings
from bot.core.html import q
from bot.core.i18n import PoI18n, Translator
from bot.news.items import subscriber_locale
from bot.news.repository import Newsroom

log = logging.getLogger(__name__)


def admin_commands(t: Translator) -> list[tuple[str, str]]:
    """The commands an admin's own menu adds to the public ones."""
    return [
        ("post", t._("Post a news item to the subscribers")),
        ("edit", t._("Correct a news item already sent")),
        ("retract", t._("Withdraw a news item already sent")),
        ("scheduled", t._("Scheduled news items")),
        ("stats", t._("Users, subscribers and deliveries")),
        ("audit", t._("Who posted what, and when")),
        ("cancel", t._("Stop the news item being written")),
    ]


def extra_commands_for(settings: Settings) -> Callable[[Translator, int], list[tuple[str, str]]]:
    """For /language (which knows nothing of news): an admin's extra commands, nobody else's."""

    def extra(t: Translator, user_id: int) -> list[tuple[str, str]]:
        return admin_commands(t) if user_id in settings.admin_ids else []

    return extra


def admin_menus_on_startup(
    settings: Settings, newsroom: Newsroom, i18n: PoI18n
) -> Callable[[Bot], Awaitable[None]]:
    """A `dp.startup` handler: each admin's chat gets the public commands and theirs, in their language (their
    choice, else their Telegram app's, else the default), where Telegram's copy differs. A chat Telegram
    refuses (an admin who never opened it) is logged and skipped."""

    async def set_admin_menus(bot: Bot) -> None:
        for admin_id in sorted(settings.admin_ids):
            stored, code = await newsroom.outbox.user_language(admin_id)
            t = i18n.translator(subscriber_locale(stored, code, settings.default_locale))
            try:
                if await sync_chat_commands(bot, t, admin_id, admin_commands(t)):
                    log.info("command menu of admin %d updated", admin_id)
            except TelegramAPIError as exc:
                log.warning("could not set the command menu of admin %d: %s", admin_id, exc)

    return set_admin_menus


async def admin_help(message: Message, bot: Bot, t: Translator) -> None:
    """/help for an admin: everyone's help, then the admin's own commands."""
    screen = screens.help_screen(t, (await bot.me()).username)
    separator = t.name_separator()
    header = t._("For administrators")
    lines = ["", f"<b>{q(header)}</b>"]
    lines += [f"/{command}{separator}{q(description)}" for command, description in admin_commands(t)]
    await message.answer(screen.text + "\n" + "\n".join(lines), reply_markup=screen.markup)
