"""Keyboards under messages posted from inline mode: one button that opens the bot on the same card."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.deep_linking import create_deep_link
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder


def open_in_bot(username: str, payload: str) -> InlineKeyboardMarkup:
    """`https://t.me/<username>?start=<payload>`; the payload must be `[A-Za-z0-9_-]{1,64}`."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Open in the bot"), url=create_deep_link(username, "start", payload))
    return builder.as_markup()
