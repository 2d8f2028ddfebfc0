"""News for everyone: /subscribe, /unsubscribe, the `/start subscribe` deep link, and /news with paging."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.deep_linking import create_start_link

from bot.catalog.keyboards import SUBSCRIBE_PAYLOAD, back_to_menu
from bot.core.callbacks import NewsPageCb
from bot.core.i18n import Translator
from bot.news.items import render_item
from bot.news.keyboards import news_page_keyboard
from bot.news.repository import Newsroom
from bot.store import Store


async def subscribe(message: Message, store: Store, bot: Bot, t: Translator) -> None:
    if message.from_user is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        # The bot can only write to people who have opened a private chat with it.
        link = await create_start_link(bot, SUBSCRIBE_PAYLOAD)
        await message.answer(
            t._('To get the news, <a href="{link}">subscribe in a private chat with me</a>.').format(
                link=html.escape(link, quote=True)
            ),
            reply_markup=back_to_menu(t),
        )
        return
    if await store.subscriptions.subscribe(message.from_user.id):
        text = t._(
            "✅ You are subscribed to news about the initiative. Each news item will come in your "
            "language.\n\nTo stop, send /unsubscribe."
        )
    else:
        text = t._("You are already subscribed to news about the initiative. To stop, send /unsubscribe.")
    await message.answer(text, reply_markup=back_to_menu(t))


async def unsubscribe(message: Message, store: Store, t: Translator) -> None:
    if message.from_user is None:
        return
    if await store.subscriptions.unsubscribe(message.from_user.id):
        text = t._("You have unsubscribed from news about the initiative. To come back, send /subscribe.")
    else:
        text = t._("You are not subscribed to news about the initiative. To subscribe, send /subscribe.")
    await message.answer(text, reply_markup=back_to_menu(t))


async def news_page(
    t: Translator, store: Store, newsroom: Newsroom, page: int, user_id: int | None
) -> tuple[str, InlineKeyboardMarkup]:
    """One item per page, newest first: every item fits a message on its own."""
    total = await newsroom.items.count()
    item = await newsroom.items.latest(min(max(page, 0), total - 1)) if total else None
    if item is None:
        subscribed = user_id is not None and await store.subscriptions.is_subscribed(user_id)
        if subscribed:
            text = t._(
                "No news yet. You are subscribed: each news item will come to you as soon as it is posted."
            )
        else:
            text = t._("No news yet. Send /subscribe to get each news item as soon as it is posted.")
        return text, news_page_keyboard(t, 0, 0, subscribed)
    page = min(max(page, 0), total - 1)
    text = render_item(t, item.draft, item.created_at, footer=False, edited=item.edited_at)
    return text, news_page_keyboard(t, page, total, subscribed=False)


async def news(message: Message, store: Store, newsroom: Newsroom, t: Translator) -> None:
    user_id = message.from_user.id if message.from_user else None
    text, markup = await news_page(t, store, newsroom, 0, user_id)
    await message.answer(text, reply_markup=markup)


async def news_page_pressed(
    query: CallbackQuery, callback_data: NewsPageCb, store: Store, newsroom: Newsroom, t: Translator
) -> None:
    text, markup = await news_page(t, store, newsroom, callback_data.page, query.from_user.id)
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:
            if "message is not modified" not in exc.message:
                raise


def create_router() -> Router:
    router = Router(name="news")
    # Before the /start router: this deep link subscribes instead of greeting.
    router.message.register(
        subscribe, CommandStart(deep_link=True, ignore_case=True, magic=F.args == SUBSCRIBE_PAYLOAD)
    )
    router.message.register(subscribe, Command("subscribe", ignore_case=True))
    router.message.register(unsubscribe, Command("unsubscribe", ignore_case=True))
    router.message.register(news, Command("news", ignore_case=True))
    router.callback_query.register(news_page_pressed, NewsPageCb.filter())
    return router
