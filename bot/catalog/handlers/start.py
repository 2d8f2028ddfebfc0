"""/start: the greeting with the main menu, deep links, the Menu button and the Subscribe/Unsubscribe
toggle."""

from __future__ import annotations

from aiogram import Bot, F, Router, flags
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, MaybeInaccessibleMessageUnion, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link

from bot.catalog import screen_cache as screens
from bot.catalog.handlers.common import is_not_modified, show, webapp_url
from bot.catalog.keyboards import SUBSCRIBE_PAYLOAD, subscribe_button
from bot.catalog.library import Catalog
from bot.core.callbacks import MenuAction, MenuCb, SubscribeCb
from bot.core.config import Settings
from bot.core.i18n import Translator
from bot.store import Store

SPEAKER_LINK_PREFIX = "speaker-"


async def is_subscribed(store: Store, user_id: int | None) -> bool:
    return user_id is not None and await store.subscriptions.is_subscribed(user_id)


async def greeting(
    t: Translator,
    catalog: Catalog,
    store: Store,
    bot: Bot,
    user_id: int | None,
    private: bool,
    webapp: str | None = None,
) -> screens.Screen:
    """The greeting with the menu; in a group, the same for everyone (🔔 is the deep link to subscribe)."""
    if private:
        subscribed = await is_subscribed(store, user_id)
        return screens.greeting(t, catalog.content, subscribed, private=True, webapp=webapp)
    link = await create_start_link(bot, SUBSCRIBE_PAYLOAD)
    return screens.greeting(t, catalog.content, False, private=False, subscribe_link=link)


async def start(
    message: Message,
    command: CommandObject,
    store: Store,
    catalog: Catalog,
    settings: Settings,
    bot: Bot,
    t: Translator,
) -> None:
    """`/start`, `/start speaker-<slug>`, `/start initiative`, `/start about`, `/start speakers`; any other
    payload gets the greeting."""
    content = catalog.content
    payload = (command.args or "").strip()
    user_id = message.from_user.id if message.from_user else None
    screen: screens.Screen | None = None
    webapp = webapp_url(settings, message.chat)
    if payload.startswith(SPEAKER_LINK_PREFIX):
        person = content.person(payload.removeprefix(SPEAKER_LINK_PREFIX))
        if person is not None:
            screen = screens.person(t, content, person, webapp=webapp)
    elif payload == "initiative":
        screen = screens.initiative(t, content, await is_subscribed(store, user_id))
    elif payload == "about":
        screen = screens.about(t, content)
    elif payload == "speakers":
        screen = screens.first_speakers_page(t, content)
    if screen is None:
        screen = await greeting(t, catalog, store, bot, user_id, message.chat.type == "private", webapp)
    await message.answer(screen.text, reply_markup=screen.markup)


async def menu(
    callback: CallbackQuery, store: Store, catalog: Catalog, settings: Settings, bot: Bot, t: Translator
) -> None:
    message = callback.message
    private = message is None or message.chat.type == "private"
    webapp = webapp_url(settings, message.chat if message else None)
    await show(callback, bot, await greeting(t, catalog, store, bot, callback.from_user.id, private, webapp))


def _with_subscription_state(
    t: Translator, message: MaybeInaccessibleMessageUnion | None, subscribed: bool
) -> InlineKeyboardMarkup | None:
    """The message's own keyboard with its Subscribe button showing `subscribed`; None if it has none."""
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return None
    found = False
    rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for button in row:
            if button.callback_data and button.callback_data.startswith(f"{SubscribeCb.__prefix__}:"):
                new_row.append(subscribe_button(t, subscribed))
                found = True
            else:
                new_row.append(button)
        rows.append(new_row)
    return InlineKeyboardMarkup(inline_keyboard=rows) if found else None


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def toggle_subscription(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: SubscribeCb,
    store: Store,
    catalog: Catalog,
    bot: Bot,
    t: Translator,
) -> None:
    """Subscribe or unsubscribe (idempotent), then show the new state on the button that was pressed. In a
    group (a menu sent before its 🔔 became a link) Subscribe opens the private chat that subscribes, and the
    shared message is left as it is."""
    user_id = callback.from_user.id
    shared = callback.message is not None and callback.message.chat.type != "private"
    if shared and callback_data.on:
        callback_answer.url = await create_start_link(bot, SUBSCRIBE_PAYLOAD)
        return
    if callback_data.on:
        await store.subscriptions.subscribe(user_id)
        note = t._("🔔 You will get news about the initiative.")
    else:
        await store.subscriptions.unsubscribe(user_id)
        note = t._("🔕 You will no longer get news about the initiative.")
    markup = None if shared else _with_subscription_state(t, callback.message, callback_data.on)
    if markup is not None and isinstance(callback.message, Message):
        try:
            await callback.message.edit_reply_markup(reply_markup=markup)
        except TelegramBadRequest as exc:
            if not is_not_modified(exc):
                raise
    elif not shared:
        await show(callback, bot, screens.greeting(t, catalog.content, callback_data.on, private=True))
    callback_answer.text = note


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart(ignore_case=True))
    router.callback_query.register(menu, MenuCb.filter(F.action == MenuAction.MENU))
    router.callback_query.register(toggle_subscription, SubscribeCb.filter())
    return router
