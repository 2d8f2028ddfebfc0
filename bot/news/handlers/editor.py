"""For admins: what happens to news after /post — /edit N (the new text, or title, in one language, previewed,
then every delivered copy in that language is edited in place) and /retract N (every delivered copy deleted,
or past Telegram's 48 hours replaced with a "withdrawn" note; /news stops listing it). The broadcaster does
the edits and deletions, paced like deliveries, and turns the admin's message into the result when done.

Every button names the item (and language) it is about, and the draft it was asked in: "🗑 Retract #1?"
pressed after /retract 2 is refused, never applied to #2 (`states.OpenQuestion`)."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, flags
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.callbacks import EditLanguageCb
from bot.core.html import q
from bot.core.i18n import PoI18n, Translator
from bot.news.handlers.drafts import ask, begin_draft
from bot.news.handlers.previews import refuse_text, script_fits, send_preview, wrong_script_question
from bot.news.handlers.schedule import summary
from bot.news.handlers.states import ITEM, LOCALE, PENDING, TEXT, TITLE, Clock, EditFlow, tag
from bot.news.items import text_issues
from bot.news.keyboards import (
    edit_confirm_keyboard,
    edit_languages_keyboard,
    keep_text_keyboard,
    retract_keyboard,
)
from bot.news.repository import NewsDraft, NewsItem, Newsroom

log = logging.getLogger(__name__)


def language_name(t: Translator, locale: str) -> str:
    """The language inside a sentence (“delivered {language}”; Russian needs its prepositional case)."""
    return {"ru": t._("in Russian"), "en": t._("in English"), "zh": t._("in Chinese")}[locale]


def item_number(command: CommandObject) -> int | None:
    args = (command.args or "").strip().lstrip("#")
    return int(args) if args.isdigit() and len(args) < 10 else None


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
    bot: Bot,
    newsroom: Newsroom,
    t: Translator,
    clock: Clock | None = None,
) -> None:
    item = await editable_item(message, command, newsroom, t, "edit")
    if item is None:
        return
    data = await begin_draft(state, bot, message.chat.id, EditFlow.language, clock, **{ITEM: item.id})
    question = t._("✏️ News item #{item}: {summary}\n\nWhich language do you want to correct?").format(
        item=item.id, summary=q(summary(t, item))
    )
    await ask(message, state, question, edit_languages_keyboard(t, tag(data), item.id, bool(item.titles)))


async def start_retract(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    bot: Bot,
    newsroom: Newsroom,
    t: Translator,
    clock: Clock | None = None,
) -> None:
    item = await editable_item(message, command, newsroom, t, "retract")
    if item is None:
        return
    data = await begin_draft(state, bot, message.chat.id, EditFlow.retract, clock, **{ITEM: item.id})
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
    await ask(message, state, question, retract_keyboard(t, tag(data), item.id))


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def language_chosen(
    query: CallbackQuery,
    callback_data: EditLanguageCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    newsroom: Newsroom,
    i18n: PoI18n,
    t: Translator,
) -> None:
    """A language (its text, or its title) to correct: the item as it is now, and the question for the new
    one."""
    item = await newsroom.items.get(callback_data.item)
    if item is None or item.retracted_at is not None or (callback_data.title and not item.titles):
        callback_answer.text = t._("This news item can no longer be changed.")
        callback_answer.show_alert = True
        return
    locale = callback_data.locale
    await state.update_data({LOCALE: locale, TITLE: callback_data.title})
    await state.set_state(EditFlow.text)
    if not isinstance(query.message, Message):
        return
    await send_preview(query.message, i18n.translator(locale), item.draft, item.created_at)
    if callback_data.title:
        text = t._(
            "☝️ This is the title {language} now. Send the corrected title (plain text), or /cancel to stop."
        )
    else:
        text = t._(
            "☝️ This is the text {language} now. Send the corrected text (formatting is kept), or "
            "/cancel to stop."
        )
    await ask(query.message, state, text.format(language=language_name(t, locale)))


async def new_text(
    message: Message, state: FSMContext, newsroom: Newsroom, i18n: PoI18n, t: Translator
) -> None:
    data: dict[str, Any] = await state.get_data()
    offered = (message.text or "").strip() if data.get(TITLE) else message.html_text
    await consider_text(message, state, newsroom, i18n, t, offered, checked=False)


async def keep_new_text(
    query: CallbackQuery, state: FSMContext, newsroom: Newsroom, i18n: PoI18n, t: Translator
) -> None:
    """“Yes, keep it” under the wrong-script question of a correction."""
    pending = dict((await state.get_data()).get(PENDING) or {})
    await state.update_data({PENDING: None})
    if isinstance(query.message, Message):
        await consider_text(
            query.message, state, newsroom, i18n, t, str(pending.get("text", "")), checked=True
        )


async def consider_text(
    message: Message,
    state: FSMContext,
    newsroom: Newsroom,
    i18n: PoI18n,
    t: Translator,
    offered: str,
    *,
    checked: bool,
) -> None:
    data: dict[str, Any] = await state.get_data()
    item = await newsroom.items.get(int(data.get(ITEM, 0)))
    locale = str(data.get(LOCALE, ""))
    titled = bool(data.get(TITLE))
    if item is None or item.retracted_at is not None or locale not in item.texts:
        await state.clear()
        await message.answer(t._("This news item can no longer be changed."))
        return
    if titled and item.titles:
        draft = NewsDraft(texts=item.texts, titles={**item.titles, locale: offered}, media=item.media)
    else:
        draft = NewsDraft(texts={**item.texts, locale: offered}, titles=item.titles, media=item.media)
    reader = i18n.translator(locale)
    problems = text_issues(reader, draft, item.created_at)
    if problems:
        await refuse_text(message, t, problems)
        return
    if not checked and not script_fits(locale, offered):
        await state.update_data({PENDING: {"text": offered}})
        await ask(message, state, wrong_script_question(t, locale), keep_text_keyboard(t, tag(data)))
        return
    await send_preview(message, reader, draft, item.created_at)
    await state.update_data({TEXT: offered})
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
    await ask(message, state, question, edit_confirm_keyboard(t, tag(data), item.id, locale))


async def not_new_text(message: Message, t: Translator) -> None:
    await message.answer(t._("Please send the corrected text as a text message, or /cancel."))
