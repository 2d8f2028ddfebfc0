"""For admins: what happens to news after /post — /scheduled (list, cancel), /edit N (new text in one
language, previewed, then every delivered copy in that language is edited in place) and /retract N (every
delivered copy deleted, or past Telegram's 48 hours replaced with a "withdrawn" note; /news stops listing
it). The broadcaster does the edits and deletions, paced like deliveries, and turns the admin's message into
the result when it is done.

This router sits before the admin router: its buttons are `PostCb` actions of its own, and the admin router's
refusal answers everyone else's /edit, /retract and /scheduled."""

from __future__ import annotations

import logging
import time
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.catalog.keyboards import LOCALE_NAMES
from bot.core.callbacks import PostCb
from bot.core.config import Settings
from bot.core.html import q
from bot.core.i18n import LOCALES, PoI18n, Translator
from bot.core.telegram_rules import visible_text
from bot.news.broadcaster import Broadcaster
from bot.news.handlers.admin import TOUCHED, Clock, EditFlow, IsAdmin, refuse_text, send_preview
from bot.news.items import news_moment, text_issues
from bot.news.repository import NewsDraft, NewsItem, Newsroom

log = logging.getLogger(__name__)

CANCEL_SCHEDULED = "x"  # + item id
EDIT_LANGUAGE = "e"  # + locale
EDIT_CONFIRM = "edit"
RETRACT_CONFIRM = "retract"
STOP = "stop"
SCHEDULED_SHOWN = 20
SUMMARY_LENGTH = 60


def language_name(t: Translator, locale: str) -> str:
    """The language inside a sentence (“delivered {language}”; Russian needs its prepositional case)."""
    return {"ru": t._("in Russian"), "en": t._("in English"), "zh": t._("in Chinese")}[locale]


def summary(t: Translator, item: NewsItem) -> str:
    """A line's worth of an item in the admin's language: its title, else the start of its text."""
    text = item.titles[t.locale] if item.titles else " ".join(visible_text(item.texts[t.locale]).split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rstrip() + "…"


# -- /scheduled ----------------------------------------------------------------------------------------------
async def scheduled_page(t: Translator, newsroom: Newsroom, settings: Settings) -> tuple[str, Any]:
    items = await newsroom.items.scheduled()
    if not items:
        return t._("Nothing is scheduled. To schedule a news item, send /post and press 🕒 Schedule."), None
    lines = [
        t.ngettext(
            "🕒 <b>Scheduled</b>: {count} news item (times in {timezone})",
            "🕒 <b>Scheduled</b>: {count} news items (times in {timezone})",
            len(items),
        ).format(count=len(items), timezone=q(settings.timezone)),
        "",
    ]
    builder = InlineKeyboardBuilder()
    for item in items[:SCHEDULED_SHOWN]:
        when = news_moment(t, item.send_at or item.created_at)
        lines.append(f"#{item.id} · {q(when)} · {q(summary(t, item))}")
        builder.button(
            text=t._("✖️ Cancel #{item}").format(item=item.id),
            callback_data=PostCb(action=f"{CANCEL_SCHEDULED}{item.id}"),
        )
    if len(items) > SCHEDULED_SHOWN:
        lines.append(t._("… and {count} more.").format(count=len(items) - SCHEDULED_SHOWN))
    builder.adjust(2)
    return "\n".join(lines), builder.as_markup()


async def scheduled(message: Message, newsroom: Newsroom, settings: Settings, t: Translator) -> None:
    text, markup = await scheduled_page(t, newsroom, settings)
    await message.answer(text, reply_markup=markup)


async def cancel_scheduled(
    query: CallbackQuery, callback_data: PostCb, newsroom: Newsroom, settings: Settings, t: Translator
) -> None:
    raw = callback_data.action[len(CANCEL_SCHEDULED) :]
    item_id = int(raw) if raw.isdigit() else 0
    if not await newsroom.items.cancel(item_id, actor=f"telegram:{query.from_user.id}"):
        await query.answer(
            t._("News item #{item} is no longer waiting: it has gone out or was cancelled.").format(
                item=item_id
            ),
            show_alert=True,
        )
        return
    log.info("scheduled news #%d cancelled by %d", item_id, query.from_user.id)
    if isinstance(query.message, Message):
        text, markup = await scheduled_page(t, newsroom, settings)
        await query.message.edit_text(text, reply_markup=markup)
    await query.answer(t._("News item #{item} is cancelled: it will not be sent.").format(item=item_id))


# -- /edit N and /retract N ------------------------------------------------------------------------------
def item_number(command: CommandObject) -> int | None:
    args = (command.args or "").strip().lstrip("#")
    return int(args) if args.isdigit() and len(args) < 10 else None


def stop_button(t: Translator) -> Any:
    return {"text": t._("✖️ Cancel"), "callback_data": PostCb(action=STOP)}


def languages_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for locale in LOCALES:
        builder.button(text=LOCALE_NAMES[locale], callback_data=PostCb(action=f"{EDIT_LANGUAGE}{locale}"))
    builder.button(**stop_button(t))
    builder.adjust(3, 1)
    return builder.as_markup()


def confirm_keyboard(t: Translator, label: str, action: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=label, callback_data=PostCb(action=action))
    builder.button(**stop_button(t))
    return builder.as_markup()


async def editable_item(
    message: Message, command: CommandObject, newsroom: Newsroom, t: Translator, name: str
) -> NewsItem | None:
    """The item `/edit N` or `/retract N` names, or None after telling the admin why not."""
    number = item_number(command)
    if number is None:
        await message.answer(
            t._(
                "Send /{command} with the news item's number, for example <code>/{command} 3</code>. "
                "The numbers are in /audit."
            ).format(command=name)
        )
        return None
    item = await newsroom.items.get(number)
    if item is None:
        await message.answer(t._("There is no news item #{item}.").format(item=number))
        return None
    if item.cancelled_at is not None:
        await message.answer(t._("News item #{item} was cancelled before it went out.").format(item=number))
        return None
    if item.retracted_at is not None:
        if name == "retract":
            await message.answer(t._("News item #{item} has already been retracted.").format(item=number))
        else:
            await message.answer(
                t._("News item #{item} was retracted: it cannot be changed.").format(item=number)
            )
        return None
    if item.scheduled and name == "retract":
        await message.answer(
            t._("News item #{item} has not gone out yet: cancel it in /scheduled.").format(item=number)
        )
        return None
    return item


async def start_edit(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    newsroom: Newsroom,
    t: Translator,
    clock: Clock | None = None,
) -> None:
    item = await editable_item(message, command, newsroom, t, "edit")
    if item is None:
        return
    await state.clear()
    await state.set_state(EditFlow.language)
    await state.update_data({"item": item.id, TOUCHED: (clock or time.time)()})
    await message.answer(
        t._("✏️ News item #{item}: {summary}\n\nWhich language do you want to correct?").format(
            item=item.id, summary=q(summary(t, item))
        ),
        reply_markup=languages_keyboard(t),
    )


async def start_retract(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    newsroom: Newsroom,
    t: Translator,
    clock: Clock | None = None,
) -> None:
    item = await editable_item(message, command, newsroom, t, "retract")
    if item is None:
        return
    await state.clear()
    await state.set_state(EditFlow.retract)
    await state.update_data({"item": item.id, TOUCHED: (clock or time.time)()})
    copies = await newsroom.changes.copies(item.id)
    if copies == 0:
        question = t._(
            "🗑 Retract news item #{item} ({summary})? No copy has been delivered; /news will no longer "
            "list it."
        ).format(item=item.id, summary=q(summary(t, item)))
    else:
        question = t.ngettext(
            "🗑 Retract news item #{item} ({summary})? {count} copy has been delivered: copies younger than "
            "48 hours are deleted, older ones are replaced with a short note that the item was withdrawn. "
            "/news will no longer list it.",
            "🗑 Retract news item #{item} ({summary})? {count} copies have been delivered: copies younger "
            "than 48 hours are deleted, older ones are replaced with a short note that the item was "
            "withdrawn. /news will no longer list it.",
            copies,
        ).format(item=item.id, summary=q(summary(t, item)), count=copies)
    await message.answer(question, reply_markup=confirm_keyboard(t, t._("🗑 Retract"), RETRACT_CONFIRM))


async def take_new_text(
    message: Message, state: FSMContext, newsroom: Newsroom, i18n: PoI18n, t: Translator
) -> None:
    data: dict[str, Any] = await state.get_data()
    item = await newsroom.items.get(int(data.get("item", 0)))
    locale = str(data.get("locale", ""))
    if item is None or item.retracted_at is not None or locale not in LOCALES:
        await state.clear()
        await message.answer(t._("This news item can no longer be changed."))
        return
    draft = NewsDraft(texts={**item.texts, locale: message.html_text}, titles=item.titles, media=item.media)
    reader = i18n.translator(locale)
    problems = text_issues(reader, draft, item.created_at)
    if problems:
        await refuse_text(message, t, problems)
        return
    await send_preview(message, reader, draft)
    await state.update_data({"text": message.html_text})
    await state.set_state(EditFlow.confirm)
    copies = await newsroom.changes.copies(item.id, locale)
    if item.scheduled:
        question = t._("☝️ The corrected text. Save it? The item goes out at its scheduled time with it.")
    elif copies == 0:
        question = t._(
            "☝️ The corrected text. No copy has been delivered {language}; /news will show the new "
            "text. Save it?"
        ).format(language=language_name(t, locale))
    else:
        question = t.ngettext(
            "☝️ The corrected text. Correct the {count} copy delivered {language}? /news will show the "
            "new text.",
            "☝️ The corrected text. Correct the {count} copies delivered {language}? /news will show the "
            "new text.",
            copies,
        ).format(count=copies, language=language_name(t, locale))
    await message.answer(question, reply_markup=confirm_keyboard(t, t._("✅ Correct"), EDIT_CONFIRM))


async def not_new_text(message: Message, t: Translator) -> None:
    await message.answer(t._("Please send the corrected text as a text message, or /cancel."))


async def editor_pressed(
    query: CallbackQuery,
    callback_data: PostCb,
    state: FSMContext,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    i18n: PoI18n,
    t: Translator,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    current = await state.get_state()
    data: dict[str, Any] = await state.get_data()
    action = callback_data.action
    item_id = int(data.get("item", 0))
    if action == STOP and current in {s.state for s in EditFlow.__all_states__}:
        await state.clear()
        if message is not None:
            await message.edit_text(t._("Cancelled. Nothing was changed."))
        await query.answer()
        return
    if action.startswith(EDIT_LANGUAGE) and current == EditFlow.language.state:
        locale = action[len(EDIT_LANGUAGE) :]
        item = await newsroom.items.get(item_id)
        if locale not in LOCALES or item is None:
            await query.answer(t._("This news item can no longer be changed."), show_alert=True)
            return
        await state.update_data({"locale": locale})
        await state.set_state(EditFlow.text)
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
            await send_preview(message, i18n.translator(locale), item.draft)
            await message.answer(
                t._(
                    "☝️ This is the text {language} now. Send the corrected text (formatting is kept), or "
                    "/cancel to stop."
                ).format(language=language_name(t, locale))
            )
        await query.answer()
        return
    progress = (message.chat.id, message.message_id, t.locale) if message is not None else None
    actor = f"telegram:{query.from_user.id}"
    if action == EDIT_CONFIRM and current == EditFlow.confirm.state:
        locale = str(data.get("locale"))
        before = await newsroom.items.get(item_id)
        queued = await newsroom.items.edit(
            item_id, {locale: str(data.get("text"))}, actor=actor, progress=progress
        )
        await state.clear()
        scheduled = before is not None and before.scheduled
        await finish_change(
            query, message, newsroom, broadcaster, t, item_id, queued, edited=True, scheduled=scheduled
        )
        return
    if action == RETRACT_CONFIRM and current == EditFlow.retract.state:
        queued = await newsroom.items.retract(item_id, actor=actor, progress=progress)
        await state.clear()
        await finish_change(query, message, newsroom, broadcaster, t, item_id, queued, edited=False)
        return
    await query.answer(t._("This question is no longer open."), show_alert=True)


async def finish_change(
    query: CallbackQuery,
    message: Message | None,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    t: Translator,
    item_id: int,
    queued: int | None,
    *,
    edited: bool,
    scheduled: bool = False,
) -> None:
    if queued is None:
        await query.answer(t._("This news item can no longer be changed."), show_alert=True)
        return
    log.info(
        "news #%d %s by %d: %d copies queued",
        item_id,
        "edited" if edited else "retracted",
        query.from_user.id,
        queued,
    )
    if queued == 0:
        await newsroom.changes.mark_reported(item_id)
        if scheduled:
            text = t._(
                "✏️ News item #{item} is corrected: it goes out at its scheduled time with the new text."
            ).format(item=item_id)
        elif edited:
            text = t._(
                "✏️ News item #{item} is corrected: /news shows the new text. No copy in that language "
                "had been delivered."
            ).format(item=item_id)
        else:
            text = t._(
                "🗑 News item #{item} is retracted: /news no longer lists it. No copy had been delivered."
            ).format(item=item_id)
    elif edited:
        text = t.ngettext(
            "✏️ Correcting {count} delivered copy of #{item}…",
            "✏️ Correcting {count} delivered copies of #{item}…",
            queued,
        ).format(count=queued, item=item_id)
    else:
        text = t.ngettext(
            "🗑 Retracting {count} delivered copy of #{item}…",
            "🗑 Retracting {count} delivered copies of #{item}…",
            queued,
        ).format(count=queued, item=item_id)
    if message is not None:
        await message.edit_text(text)
    broadcaster.wake()
    await query.answer()


def is_editor_action(action: str) -> bool:
    return (
        action in {EDIT_CONFIRM, RETRACT_CONFIRM, STOP}
        or (action.startswith(CANCEL_SCHEDULED) and action[1:].isdigit())
        or (action.startswith(EDIT_LANGUAGE) and action[1:] in LOCALES)
    )


def create_router() -> Router:
    router = Router(name="editor")
    router.message.filter(IsAdmin(), F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(IsAdmin())
    router.message.register(scheduled, Command("scheduled", ignore_case=True))
    router.message.register(start_edit, Command("edit", ignore_case=True))
    router.message.register(start_retract, Command("retract", ignore_case=True))
    router.message.register(take_new_text, StateFilter(EditFlow.text), F.text, ~F.text.startswith("/"))
    router.message.register(not_new_text, StateFilter(EditFlow.text), ~F.text)
    router.callback_query.register(
        cancel_scheduled, PostCb.filter(F.action.regexp(rf"^{CANCEL_SCHEDULED}\d+$"))
    )
    router.callback_query.register(editor_pressed, PostCb.filter(F.action.func(is_editor_action)))
    return router
