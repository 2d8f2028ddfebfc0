"""Inline keyboards of the news feature: /news paging and the admin's post confirmation."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import NewsPageCb, PostCb

POST_SEND = "send"
POST_CANCEL = "cancel"


def news_page_keyboard(page: int, total: int) -> InlineKeyboardMarkup | None:
    """◀ newer · position · older ▶ (page 0 is the newest item)."""
    if total <= 1:
        return None
    builder = InlineKeyboardBuilder()
    if page > 0:
        builder.button(text="◀", callback_data=NewsPageCb(page=page - 1))
    builder.button(text=f"{page + 1} / {total}", callback_data=NewsPageCb(page=page))
    if page < total - 1:
        builder.button(text="▶", callback_data=NewsPageCb(page=page + 1))
    return builder.as_markup()


def post_confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Send"), callback_data=PostCb(action=POST_SEND))
    builder.button(text=_("✖️ Cancel"), callback_data=PostCb(action=POST_CANCEL))
    return builder.as_markup()
