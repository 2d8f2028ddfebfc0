"""Keyboards under messages posted from inline mode: one button that opens the bot on the same card."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.i18n import Translator
from bot.core.telegram_rules import START_PARAM_RE


def start_link(username: str, payload: str) -> str:
    """`https://t.me/<username>?start=<payload>` (what `create_start_link` builds, without a getMe call)."""
    if not START_PARAM_RE.match(payload):
        raise ValueError(f"not a deep-link payload: {payload!r}")
    return f"https://t.me/{username}?start={payload}"


def open_in_bot(t: Translator, username: str, payload: str) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=t._("Open in the bot"), url=start_link(username, payload))
    return InlineKeyboardMarkup(inline_keyboard=[[button]])
