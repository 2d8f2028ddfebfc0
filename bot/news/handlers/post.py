"""/post: the text in Russian, English and Chinese (a photo or file with the Russian one), an optional title
in each, each previewed exactly as subscribers will see it, then ✅ Send now (`publish.py`) or 🕒 Schedule
(`schedule.py`).

Each step is a `PostFlow` state; its handler takes the step's language from the state and moves to the next
state in the group. A text that does not look written in the step's language is questioned before it is
taken (“Yes, keep it”, or send the right one)."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.core.callbacks import NoTitleCb
from bot.core.i18n import LOCALES, PoI18n, Translator
from bot.news.handlers.drafts import ask, begin_draft
from bot.news.handlers.previews import (
    attached_media,
    day_of,
    refuse_text,
    script_fits,
    send_preview,
    wrong_script_question,
)
from bot.news.handlers.states import (
    MEDIA_FILE,
    MEDIA_KIND,
    PENDING,
    TITLE_KEY,
    TITLE_STATES,
    Clock,
    PostFlow,
    next_step,
    now,
    step_locale,
    tag,
)
from bot.news.items import text_issues
from bot.news.keyboards import keep_text_keyboard, no_title_keyboard, post_confirm_keyboard
from bot.news.repository import Media, NewsDraft
from bot.store import Store

log = logging.getLogger(__name__)


async def start_post(
    message: Message, state: FSMContext, bot: Bot, t: Translator, clock: Clock | None = None
) -> None:
    await begin_draft(state, bot, message.chat.id, PostFlow.ru, clock)
    await ask(
        message,
        state,
        t._(
            "📝 A news item for the subscribers. I will ask for the text in Russian, English and Chinese "
            "and show each exactly as subscribers will see it.\n\n"
            "Send the text in <b>Russian</b> (formatting is kept). To send a photo or a file (a PDF, for "
            "instance) with the item, send it here with the Russian text as its caption. /cancel stops at "
            "any step."
        ),
    )


def draft_of(data: dict[str, Any]) -> NewsDraft:
    """The draft in the FSM data: texts, and the titles once all three are there."""
    titles = {loc: data.get(TITLE_KEY + loc, "") for loc in LOCALES}
    media = Media(kind=data[MEDIA_KIND], file_id=data.get(MEDIA_FILE)) if data.get(MEDIA_KIND) else None
    return NewsDraft(
        texts={loc: data.get(loc, "") for loc in LOCALES},
        titles=titles if all(titles.values()) else None,
        media=media,
    )


async def usable(message: Message, t: Translator, raw_state: str | None) -> bool:
    """A text step's message, before it is checked: False when it cannot be this step's text at all."""
    locale = step_locale(raw_state)
    media = attached_media(message)
    if raw_state in TITLE_STATES:
        if message.text is None:
            await message.answer(t._("Please send the title as a text message."))
            return False
        return True
    if media is not None and locale != "ru":
        await message.answer(
            t._("The photo or file comes with the Russian text. Now please send the text as a message.")
        )
        return False
    if media is not None and not message.html_text.strip():
        await message.answer(t._("Please send the photo or file again with the Russian text as its caption."))
        return False
    return True


async def step_message(
    message: Message,
    state: FSMContext,
    store: Store,
    i18n: PoI18n,
    t: Translator,
    raw_state: str | None,
    clock: Clock | None = None,
) -> None:
    """The text (or title) of the step the draft is at."""
    if not await usable(message, t, raw_state):
        return
    media = attached_media(message)
    titled = raw_state in TITLE_STATES
    offered = (message.text or "").strip() if titled else message.html_text
    await consider(message, state, store, i18n, t, raw_state, offered, media, clock, checked=False)


async def keep_text(
    query: CallbackQuery,
    state: FSMContext,
    store: Store,
    i18n: PoI18n,
    t: Translator,
    raw_state: str | None,
    clock: Clock | None = None,
) -> None:
    """“Yes, keep it” under the wrong-script question: the text waiting for it is taken as it is."""
    if not isinstance(query.message, Message):
        return
    pending = dict((await state.get_data()).get(PENDING) or {})
    media = Media(kind=pending["kind"], file_id=pending.get("file")) if pending.get("kind") else None
    await state.update_data({PENDING: None})
    await consider(
        query.message,
        state,
        store,
        i18n,
        t,
        raw_state,
        str(pending.get("text", "")),
        media,
        clock,
        checked=True,
    )


async def consider(
    message: Message,
    state: FSMContext,
    store: Store,
    i18n: PoI18n,
    t: Translator,
    raw_state: str | None,
    offered: str,
    media: Media | None,
    clock: Clock | None,
    *,
    checked: bool,
) -> None:
    """Check the step's text (Telegram's limits, then its script unless `checked`), preview it, store it in
    the draft and ask for the next step."""
    locale = step_locale(raw_state)
    titled = raw_state in TITLE_STATES
    data: dict[str, Any] = await state.get_data()
    draft = draft_of(data)
    if titled:
        draft = NewsDraft(
            texts=draft.texts, titles={**dict.fromkeys(LOCALES, ""), locale: offered}, media=draft.media
        )
    else:
        media = media or draft.media
        draft = NewsDraft(texts={**draft.texts, locale: offered}, media=media)
    reader = i18n.translator(locale)  # the subscribers who read this language
    day = day_of(now(clock))
    problems = text_issues(reader, draft, day)
    if problems:
        log.info("admin %s text refused: %s", locale, "; ".join(p.detail for p in problems))
        await refuse_text(message, t, problems)
        return
    if not checked and not script_fits(locale, offered):
        kind, file_id = (media.kind, media.file_id) if media is not None and not titled else (None, None)
        await state.update_data({PENDING: {"text": offered, "kind": kind, "file": file_id}})
        await ask(message, state, wrong_script_question(t, locale), keep_text_keyboard(t, tag(data)))
        return
    await send_preview(message, reader, draft, day)
    update: dict[str, Any] = {(TITLE_KEY + locale) if titled else locale: offered}
    if media is not None and not titled and locale == "ru":
        update |= {MEDIA_KIND: media.kind, MEDIA_FILE: media.file_id}
    await state.update_data(update)
    following = next_step(raw_state)
    if following is not None:
        await state.set_state(following)
    await ask_next(message, state, store, t, following, tag(data))


async def ask_next(
    message: Message, state: FSMContext, store: Store, t: Translator, step: Any, draft: str
) -> None:
    """The question of `step`, the step the draft has just moved to."""
    if step == PostFlow.en:
        text = t._(
            "☝️ This is how subscribers who read Russian will see it.\n\n"
            "Now send the text in <b>English</b>. /cancel stops."
        )
    elif step == PostFlow.zh:
        text = t._(
            "☝️ This is how subscribers who read English will see it.\n\n"
            "Now send the text in <b>Chinese</b>. /cancel stops."
        )
    elif step == PostFlow.title_ru:
        text = t._(
            "☝️ This is how subscribers who read Chinese will see it.\n\n"
            "Add a title? Send it in <b>Russian</b> (plain text; then I will ask for English and Chinese), "
            "or press “No title”."
        )
        await ask(message, state, text, no_title_keyboard(t, draft))
        return
    elif step == PostFlow.title_en:
        text = t._(
            "☝️ This is how subscribers who read Russian will see it.\n\n"
            "Now send the title in <b>English</b> (plain text). /cancel stops."
        )
    elif step == PostFlow.title_zh:
        text = t._(
            "☝️ This is how subscribers who read English will see it.\n\n"
            "Now send the title in <b>Chinese</b> (plain text). /cancel stops."
        )
    else:
        question = await confirm_question(t, store, after_preview=True)
        await ask(message, state, question, post_confirm_keyboard(t, draft))
        return
    await ask(message, state, text)


async def no_title(
    query: CallbackQuery, callback_data: NoTitleCb, state: FSMContext, store: Store, t: Translator
) -> None:
    await state.set_state(PostFlow.confirm)
    if isinstance(query.message, Message):
        question = await confirm_question(t, store, after_preview=False)
        await ask(query.message, state, question, post_confirm_keyboard(t, callback_data.draft))


async def confirm_question(t: Translator, store: Store, *, after_preview: bool) -> str:
    """Send it to how many? (`after_preview`: it follows the Chinese preview and says so.)"""
    count = await store.subscriptions.count()
    if after_preview:
        if count == 0:
            return t._(
                "☝️ This is how subscribers who read Chinese will see it.\n\n"
                "Nobody is subscribed yet: the item will only be shown in /news. Post it?"
            )
        return t.ngettext(
            "☝️ This is how subscribers who read Chinese will see it.\n\n"
            "Send this news item to {count} subscriber now?",
            "☝️ This is how subscribers who read Chinese will see it.\n\n"
            "Send this news item to {count} subscribers now?",
            count,
        ).format(count=count)
    if count == 0:
        return t._("No title. Nobody is subscribed yet: the item will only be shown in /news. Post it?")
    return t.ngettext(
        "No title. Send this news item to {count} subscriber now?",
        "No title. Send this news item to {count} subscribers now?",
        count,
    ).format(count=count)
