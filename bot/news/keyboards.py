"""Inline keyboards of the news feature: /news paging and the admin's post confirmation."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.catalog.keyboards import menu_button, subscribe_button
from bot.core.callbacks import NewsPageCb, PostCb
from bot.core.i18n import Translator

POST_SEND = "send"
POST_CANCEL = "cancel"
POST_NO_TITLE = "notitle"
POST_SCHEDULE = "schedule"  # ask for a time
POST_SCHEDULED = "scheduled"  # confirm the time


def news_page_keyboard(t: Translator, page: int, total: int, subscribed: bool) -> InlineKeyboardMarkup:
    """◀ newer · position · older ▶ (page 0 is the newest item) when there are several items, Subscribe or
    Unsubscribe when there are none yet, and always the way back to the menu."""
    builder = InlineKeyboardBuilder()
    if total > 1:
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton(text="◀", callback_data=NewsPageCb(page=page - 1).pack()))
        nav.append(
            InlineKeyboardButton(text=f"{page + 1} / {total}", callback_data=NewsPageCb(page=page).pack())
        )
        if page < total - 1:
            nav.append(InlineKeyboardButton(text="▶", callback_data=NewsPageCb(page=page + 1).pack()))
        builder.row(*nav)
    elif total == 0:
        builder.row(subscribe_button(t, subscribed))
    builder.row(menu_button(t))
    return builder.as_markup()


def post_confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("✅ Send now"), callback_data=PostCb(action=POST_SEND))
    builder.button(text=t._("🕒 Schedule"), callback_data=PostCb(action=POST_SCHEDULE))
    builder.button(text=t._("✖️ Cancel"), callback_data=PostCb(action=POST_CANCEL))
    builder.adjust(2, 1)
    return builder.as_markup()


def schedule_confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("✅ Schedule"), callback_data=PostCb(action=POST_SCHEDULED))
    builder.button(text=t._("✖️ Cancel"), callback_data=PostCb(action=POST_CANCEL))
    return builder.as_markup()


def no_title_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("No title"), callback_data=PostCb(action=POST_NO_TITLE))
    return builder.as_markup()
