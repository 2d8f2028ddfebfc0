"""Inline keyboards of the news feature: /news paging, and the buttons of the editor's questions (each names
its draft, and the item, language or time it is about: see `news/handlers/states.py`)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.catalog.keyboards import LOCALE_NAMES, menu_button, subscribe_button
from bot.core.callbacks import (
    DraftCancelCb,
    EditConfirmCb,
    EditLanguageCb,
    NewsPageCb,
    NoTitleCb,
    PostScheduleCb,
    PostSendCb,
    RetractCb,
    ScheduleConfirmCb,
    ScriptConfirmCb,
)
from bot.core.i18n import LOCALES, Translator


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


def post_confirm_keyboard(t: Translator, draft: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("✅ Send now"), callback_data=PostSendCb(draft=draft))
    builder.button(text=t._("🕒 Schedule"), callback_data=PostScheduleCb(draft=draft))
    builder.button(text=t._("✖️ Cancel"), callback_data=DraftCancelCb(draft=draft))
    builder.adjust(2, 1)
    return builder.as_markup()


def schedule_confirm_keyboard(t: Translator, draft: str, at: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("✅ Schedule"), callback_data=ScheduleConfirmCb(draft=draft, at=at))
    builder.button(text=t._("✖️ Cancel"), callback_data=DraftCancelCb(draft=draft))
    return builder.as_markup()


def no_title_keyboard(t: Translator, draft: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("No title"), callback_data=NoTitleCb(draft=draft))
    return builder.as_markup()


def keep_text_keyboard(t: Translator, draft: str) -> InlineKeyboardMarkup:
    """Under “This text does not look like Russian”: keep it as it is, or stop."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("✅ Yes, keep it"), callback_data=ScriptConfirmCb(draft=draft))
    builder.button(text=t._("✖️ Cancel"), callback_data=DraftCancelCb(draft=draft))
    return builder.as_markup()


def edit_languages_keyboard(t: Translator, draft: str, item: int, titled: bool) -> InlineKeyboardMarkup:
    """/edit N: the text in each language, and the title in each language when the item has one."""
    builder = InlineKeyboardBuilder()
    for locale in LOCALES:
        builder.button(
            text=LOCALE_NAMES[locale], callback_data=EditLanguageCb(draft=draft, item=item, locale=locale)
        )
    if titled:
        for locale in LOCALES:
            builder.button(
                text=t._("Title: {language}").format(language=LOCALE_NAMES[locale]),
                callback_data=EditLanguageCb(draft=draft, item=item, locale=locale, title=True),
            )
    builder.button(text=t._("✖️ Cancel"), callback_data=DraftCancelCb(draft=draft))
    builder.adjust(3, 3, 1) if titled else builder.adjust(3, 1)
    return builder.as_markup()


def edit_confirm_keyboard(t: Translator, draft: str, item: int, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("✅ Correct"), callback_data=EditConfirmCb(draft=draft, item=item, locale=locale))
    builder.button(text=t._("✖️ Cancel"), callback_data=DraftCancelCb(draft=draft))
    return builder.as_markup()


def retract_keyboard(t: Translator, draft: str, item: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("🗑 Retract"), callback_data=RetractCb(draft=draft, item=item))
    builder.button(text=t._("✖️ Cancel"), callback_data=DraftCancelCb(draft=draft))
    return builder.as_markup()
