"""For admins (`ADMIN_IDS`): /post, a guided three-language flow with previews and a confirmation, and
/stats. The filter sits on the router; everyone else reaches the refusal router and nothing happens.

A draft never captures what was meant for something else: any other command or button ends it (with a
short note, and the command then does what it always does), and so do 30 minutes of silence. The time comes
from `clock` (seconds; a keyword argument of the Dispatcher where a test sets one, else the wall clock)."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject, User
from babel.dates import format_datetime

from bot.catalog.library import Catalog
from bot.catalog.misses import missed_searches_text
from bot.catalog.profile import sync_chat_commands
from bot.core.callbacks import PostCb
from bot.core.config import Settings
from bot.core.html import q
from bot.core.i18n import LOCALES, PoI18n, Translator
from bot.core.telegram_rules import TextProblem
from bot.news.broadcaster import Broadcaster
from bot.news.items import (
    audit_detail,
    news_moment,
    parse_moment,
    render_item,
    schedule_problem,
    subscriber_locale,
    text_issues,
)
from bot.news.keyboards import (
    POST_CANCEL,
    POST_NO_TITLE,
    POST_SCHEDULE,
    POST_SCHEDULED,
    POST_SEND,
    no_title_keyboard,
    post_confirm_keyboard,
    schedule_confirm_keyboard,
)
from bot.news.progress import progress_text
from bot.news.repository import AuditEntry, Media, NewsDraft, Newsroom, PostResult
from bot.store import Store

log = logging.getLogger(__name__)


class PostFlow(StatesGroup):
    ru = State()
    en = State()
    zh = State()
    title_ru = State()
    title_en = State()
    title_zh = State()
    confirm = State()
    when = State()  # the date and time of a scheduled post
    confirm_schedule = State()


STEP_LOCALE = {PostFlow.ru.state: "ru", PostFlow.en.state: "en", PostFlow.zh.state: "zh"}
NEXT_STATE = {"ru": PostFlow.en, "en": PostFlow.zh, "zh": PostFlow.title_ru}
NEXT_LOCALE = {"ru": "en", "en": "zh"}
TITLE_STEP_LOCALE = {
    PostFlow.title_ru.state: "ru",
    PostFlow.title_en.state: "en",
    PostFlow.title_zh.state: "zh",
}
NEXT_TITLE_STATE = {"ru": PostFlow.title_en, "en": PostFlow.title_zh, "zh": PostFlow.confirm}
TITLE_KEY = "title_"  # FSM data: title_ru, title_en, title_zh (plain text)
NO_TITLE_QUESTION = "no_title_question"  # FSM data: the message with the “No title” button
MEDIA_KIND, MEDIA_FILE = "media_kind", "media_file_id"  # FSM data: the photo or document of the draft


class EditFlow(StatesGroup):
    """/edit N: pick a language, send its new text, confirm. /retract N: confirm."""

    language = State()
    text = State()
    confirm = State()
    retract = State()


FLOW_STATES = frozenset(state.state for group in (PostFlow, EditFlow) for state in group.__all_states__)
EDIT_STATES = frozenset(state.state for state in EditFlow.__all_states__)
FLOW_COMMANDS = frozenset({"cancel"})  # the commands a draft answers itself
DRAFT_TTL = 30 * 60  # seconds of silence after which a draft is discarded
TOUCHED = "touched"  # the FSM data key: when the admin last worked on the draft (clock seconds)

Clock = Callable[[], float]


def command_name(text: str | None) -> str | None:
    """`/Post@bot args` → "post"; None when the text is not a command."""
    if not text or not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


class DraftGuard(BaseMiddleware):
    """Outer middleware of the Dispatcher (messages and buttons): a draft that has been silent too long,
    or an update meant for something else, ends the draft before any handler sees it. The update then goes
    on as if there had been no draft: `/start` shows the menu, plain text is a search. A command the bot does
    not know (a typo) leaves the draft alone: it is answered as unknown, and the draft goes on."""

    def __init__(self, router: Router | None = None) -> None:
        self.router = router  # whose handlers' commands count as "something else" (None: every command)
        self._known: frozenset[str] | None = None

    def known_commands(self) -> frozenset[str] | None:
        """Every command a handler of the router (or its sub-routers) answers; read once, on first use."""
        if self.router is None:
            return None
        if self._known is None:
            names: set[str] = set()
            for router in self.router.chain_tail:
                for handler in router.message.handlers:
                    for flt in handler.filters or ():
                        if isinstance(flt.callback, Command):
                            names.update(c.lower() for c in flt.callback.commands if isinstance(c, str))
            self._known = frozenset(names)
        return self._known

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        if state is None or data.get("raw_state") not in FLOW_STATES:
            return await handler(event, data)
        clock: Clock = data.get("clock") or time.time
        t: Translator = data["t"]
        now = clock()
        touched = (await state.get_data()).get(TOUCHED)
        editing = data.get("raw_state") in EDIT_STATES
        if not isinstance(touched, int | float) or now - touched > DRAFT_TTL:
            if editing:
                note = t._(
                    "Your correction was discarded after 30 minutes without a reply. Nothing was changed."
                )
            else:
                note = t._(
                    "Your news draft was discarded after 30 minutes without a reply. "
                    "Send /post to start again."
                )
        elif self.leaves_flow(event, self.known_commands()):
            if editing:
                note = t._("Your correction was discarded. Nothing was changed.")
            elif command_name(getattr(event, "text", None)) == "post":
                note = t._("Your news draft was discarded; here is a new one.")
            else:
                note = t._("Your news draft was discarded. Send /post to start again.")
        else:
            await state.update_data({TOUCHED: now})
            return await handler(event, data)
        await state.clear()
        data["raw_state"] = None  # the handlers below see no draft any more
        await self.tell(event, data["bot"], note)
        return await handler(event, data)

    @staticmethod
    def leaves_flow(event: TelegramObject, known: frozenset[str] | None = None) -> bool:
        if isinstance(event, Message):
            name = command_name(event.text)
            if name is None or name in FLOW_COMMANDS:
                return False
            return known is None or name in known
        if isinstance(event, CallbackQuery):
            return not (event.data or "").startswith(f"{PostCb.__prefix__}{PostCb.__separator__}")
        return False

    @staticmethod
    async def tell(event: TelegramObject, bot: Bot, note: str) -> None:
        if isinstance(event, Message):
            await event.answer(note)
        elif isinstance(event, CallbackQuery):
            chat_id = event.message.chat.id if event.message is not None else event.from_user.id
            await bot.send_message(chat_id, note)


def setup_draft_guard(router: Router) -> None:
    """On the Dispatcher, after the locale middleware: every router (news, start, …) comes after it."""
    guard = DraftGuard(router)
    router.message.outer_middleware(guard)
    router.callback_query.outer_middleware(guard)


class IsAdmin(Filter):
    async def __call__(
        self, event: TelegramObject, settings: Settings, event_from_user: User | None = None
    ) -> bool:
        return event_from_user is not None and event_from_user.id in settings.admin_ids


def today() -> dt.datetime:
    """Now: previews are dated as subscribers will see them, on this day in `TIMEZONE`."""
    return dt.datetime.now(dt.UTC)


def explain(t: Translator, problem: TextProblem) -> str:
    """A problem with the admin's text, in the admin's language (the shell keeps `problem.detail`)."""
    if problem.kind == "too_long":
        return t.ngettext(
            "too long: with the heading and the footer it comes to {length} character, and Telegram takes "
            "at most {limit}; please shorten it by {over}",
            "too long: with the heading and the footer it comes to {length} characters, and Telegram takes "
            "at most {limit}; please shorten it by {over}",
            problem.length,
        ).format(length=problem.length, limit=problem.limit, over=problem.length - problem.limit)
    if problem.kind == "empty":
        return t._("the text is empty")
    if problem.kind == "title_empty":
        return t._("the title is empty")
    if problem.kind == "title_too_long":
        return t.ngettext(
            "the title is longer than {limit} character",
            "the title is longer than {limit} characters",
            problem.limit,
        ).format(limit=problem.limit)
    return t._("the formatting is not valid Telegram HTML")


async def refuse_text(message: Message, t: Translator, problems: list[TextProblem]) -> None:
    """Why Telegram would refuse the admin's text, each reason once, in the admin's language."""
    explained = list(dict.fromkeys(explain(t, problem) for problem in problems))
    await message.answer(
        t._("Telegram would refuse this text ({problems}). Please send it again.").format(
            problems=q("; ".join(explained))
        )
    )


def ask_for(t: Translator, next_locale: str) -> str:
    """What the admin is asked after the preview of the previous language."""
    if next_locale == "en":
        return t._(
            "☝️ This is how subscribers who read Russian will see it.\n\n"
            "Now send the text in <b>English</b>. /cancel stops."
        )
    return t._(
        "☝️ This is how subscribers who read English will see it.\n\n"
        "Now send the text in <b>Chinese</b>. /cancel stops."
    )


async def start_post(message: Message, state: FSMContext, t: Translator, clock: Clock | None = None) -> None:
    await state.clear()
    await state.set_state(PostFlow.ru)
    await state.set_data({"key": uuid.uuid4().hex, TOUCHED: (clock or time.time)()})
    await message.answer(
        t._(
            "📝 A news item for the subscribers. I will ask for the text in Russian, English and Chinese "
            "and show each exactly as subscribers will see it.\n\n"
            "Send the text in <b>Russian</b> (formatting is kept). To send a photo or a file (a PDF, for "
            "instance) with the item, send it here with the Russian text as its caption. /cancel stops at "
            "any step."
        )
    )


def attached_media(message: Message) -> Media | None:
    """The photo (its largest size) or document of the admin's message, by Telegram's `file_id`."""
    if message.photo:
        return Media(kind="photo", file_id=message.photo[-1].file_id)
    if message.document is not None:
        return Media(kind="document", file_id=message.document.file_id)
    return None


async def send_preview(message: Message, reader: Translator, draft: NewsDraft) -> None:
    """The item exactly as a subscriber reading `reader`'s language gets it (a photo or file with it)."""
    text = render_item(reader, draft, today())
    media = draft.media
    if media is None or media.file_id is None:
        await message.answer(text)
    elif media.kind == "photo":
        await message.answer_photo(media.file_id, caption=text)
    else:
        await message.answer_document(media.file_id, caption=text)


async def take_text(message: Message, state: FSMContext, store: Store, i18n: PoI18n, t: Translator) -> None:
    locale = STEP_LOCALE[str(await state.get_state())]
    data: dict[str, Any] = await state.get_data()
    media = attached_media(message)
    if media is not None and locale != "ru":
        await message.answer(
            t._("The photo or file comes with the Russian text. Now please send the text as a message.")
        )
        return
    if media is None and data.get(MEDIA_KIND):
        media = Media(kind=data[MEDIA_KIND], file_id=data.get(MEDIA_FILE))
    texts = {loc: data.get(loc, "") for loc in LOCALES}
    texts[locale] = message.html_text
    if media is not None and not message.html_text.strip():
        await message.answer(t._("Please send the photo or file again with the Russian text as its caption."))
        return
    draft = NewsDraft(texts=texts, media=media)
    reader = i18n.translator(locale)  # the subscribers who read this language
    problems = text_issues(reader, draft, today())
    if problems:
        log.info("admin %s text refused: %s", locale, "; ".join(p.detail for p in problems))
        await refuse_text(message, t, problems)
        return
    await send_preview(message, reader, draft)
    update: dict[str, Any] = {locale: message.html_text}
    if media is not None and locale == "ru":
        update |= {MEDIA_KIND: media.kind, MEDIA_FILE: media.file_id}
    await state.update_data(update)
    await state.set_state(NEXT_STATE[locale])
    if locale in NEXT_LOCALE:
        await message.answer(ask_for(t, NEXT_LOCALE[locale]))
        return
    question = await message.answer(
        t._(
            "☝️ This is how subscribers who read Chinese will see it.\n\n"
            "Add a title? Send it in <b>Russian</b> (plain text; then I will ask for English and Chinese), "
            "or press “No title”."
        ),
        reply_markup=no_title_keyboard(t),
    )
    await state.update_data({NO_TITLE_QUESTION: question.message_id})


def ask_for_title(t: Translator, next_locale: str) -> str:
    """What the admin is asked after the preview of the previous language's title."""
    if next_locale == "en":
        return t._(
            "☝️ This is how subscribers who read Russian will see it.\n\n"
            "Now send the title in <b>English</b> (plain text). /cancel stops."
        )
    return t._(
        "☝️ This is how subscribers who read English will see it.\n\n"
        "Now send the title in <b>Chinese</b> (plain text). /cancel stops."
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


async def take_title(message: Message, state: FSMContext, store: Store, i18n: PoI18n, t: Translator) -> None:
    locale = TITLE_STEP_LOCALE[str(await state.get_state())]
    data: dict[str, Any] = await state.get_data()
    title = (message.text or "").strip()
    if locale == "ru" and data.get(NO_TITLE_QUESTION):
        # A title is on its way: the “No title” button no longer applies.
        await state.update_data({NO_TITLE_QUESTION: None})
        with suppress(TelegramAPIError):
            await message.bot.edit_message_reply_markup(  # type: ignore[union-attr]
                chat_id=message.chat.id, message_id=int(data[NO_TITLE_QUESTION]), reply_markup=None
            )
    draft = draft_of(data)
    draft = NewsDraft(
        texts=draft.texts, titles={**dict.fromkeys(LOCALES, ""), locale: title}, media=draft.media
    )
    reader = i18n.translator(locale)
    problems = text_issues(reader, draft, today())
    if problems:
        await refuse_text(message, t, problems)
        return
    await send_preview(message, reader, draft)
    await state.update_data({TITLE_KEY + locale: title})
    await state.set_state(NEXT_TITLE_STATE[locale])
    if locale in NEXT_LOCALE:
        await message.answer(ask_for_title(t, NEXT_LOCALE[locale]))
        return
    await message.answer(
        await confirm_question(t, store, after_preview=True), reply_markup=post_confirm_keyboard(t)
    )


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


SEND_AT = "send_at"  # FSM data: the scheduled moment (UTC seconds)


def time_example(settings: Settings, clock: Clock | None) -> str:
    """Tomorrow at 09:00 in TIMEZONE, as the admin would type it."""
    now = dt.datetime.fromtimestamp((clock or time.time)(), settings.tz)
    return (now + dt.timedelta(days=1)).strftime("%Y-%m-%d 09:00")


def ask_for_time(t: Translator, settings: Settings, clock: Clock | None) -> str:
    return t._(
        "🕒 When should it go out? Send the date and time in the bot's time zone ({timezone}), for example "
        "<code>{example}</code>. /cancel stops."
    ).format(timezone=q(settings.timezone), example=time_example(settings, clock))


def scheduled_text(t: Translator, item_id: int, send_at: dt.datetime, timezone: str) -> str:
    return t._(
        "🕒 Scheduled: news item #{item} goes out on {when} ({timezone}) to everyone subscribed then. "
        "/scheduled lists it and can cancel it."
    ).format(item=item_id, when=q(news_moment(t, send_at)), timezone=q(timezone))


async def take_time(
    message: Message,
    state: FSMContext,
    store: Store,
    settings: Settings,
    t: Translator,
    clock: Clock | None = None,
) -> None:
    moment = parse_moment(message.text or "", settings.tz)
    example = time_example(settings, clock)
    problem = schedule_problem(moment, (clock or time.time)())
    if problem is not None or moment is None:
        refusals = {
            "unreadable": t._("I could not read that time. Please send it like <code>{example}</code>."),
            "passed": t._(
                "That moment has already passed. Please send a later one, like <code>{example}</code>."
            ),
            "too_far": t._("A news item can be scheduled at most a year ahead. Please send an earlier time."),
        }
        await message.answer(refusals[problem or "unreadable"].format(example=example))
        return
    await state.update_data({SEND_AT: moment.timestamp()})
    await state.set_state(PostFlow.confirm_schedule)
    count = await store.subscriptions.count()
    question = t.ngettext(
        "Schedule this news item for {when} ({timezone})? {count} person is subscribed now; it will go to "
        "everyone subscribed at that time.",
        "Schedule this news item for {when} ({timezone})? {count} people are subscribed now; it will go to "
        "everyone subscribed at that time.",
        count,
    ).format(when=q(news_moment(t, moment)), timezone=q(settings.timezone), count=count)
    await message.answer(question, reply_markup=schedule_confirm_keyboard(t))


async def not_text(message: Message, t: Translator) -> None:
    await message.answer(t._("Please send the news item as a text message."))


async def not_title(message: Message, t: Translator) -> None:
    await message.answer(t._("Please send the title as a text message."))


async def waiting_for_button(message: Message, t: Translator) -> None:
    await message.answer(t._("Press a button under the question above, or send /cancel."))


async def cancel(message: Message, state: FSMContext, t: Translator) -> None:
    current = await state.get_state()
    if current is None:
        await message.answer(t._("There is nothing to cancel."))
        return
    await state.clear()
    if current in EDIT_STATES:
        await message.answer(t._("Cancelled. Nothing was changed."))
    else:
        await message.answer(t._("Cancelled. Nothing was posted."))


async def start_scheduling(
    query: CallbackQuery,
    message: Message | None,
    state: FSMContext,
    settings: Settings,
    t: Translator,
    clock: Clock | None,
) -> None:
    """Ask for the time (below `message`, the question whose buttons the caller has dealt with)."""
    await state.set_state(PostFlow.when)
    if message is not None:
        await message.answer(ask_for_time(t, settings, clock))
    await query.answer()


async def post_pressed(
    query: CallbackQuery,
    callback_data: PostCb,
    state: FSMContext,
    store: Store,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    settings: Settings,
    t: Translator,
    clock: Clock | None = None,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    current = await state.get_state()
    if callback_data.action == POST_NO_TITLE and current == PostFlow.title_ru.state:
        await state.set_state(PostFlow.confirm)
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
            await message.answer(
                await confirm_question(t, store, after_preview=False), reply_markup=post_confirm_keyboard(t)
            )
        await query.answer()
        return
    if callback_data.action == POST_SCHEDULE and current == PostFlow.confirm.state:
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
        await start_scheduling(query, message, state, settings, t, clock)
        return
    scheduling = callback_data.action == POST_SCHEDULED and current == PostFlow.confirm_schedule.state
    cancelling = callback_data.action == POST_CANCEL and current == PostFlow.confirm_schedule.state
    if current != PostFlow.confirm.state and not scheduling and not cancelling:
        await query.answer(t._("This draft is no longer waiting to be sent."), show_alert=True)
        return
    if callback_data.action == POST_CANCEL:
        await state.clear()
        if message is not None:
            await message.edit_text(t._("Cancelled. Nothing was posted."))
        await query.answer()
        return
    if callback_data.action != POST_SEND and not scheduling:
        await query.answer(t._("This draft is no longer waiting to be sent."), show_alert=True)
        return
    data: dict[str, Any] = await state.get_data()
    draft = draft_of(data)
    send_at = None
    if scheduling:
        send_at = dt.datetime.fromtimestamp(float(data[SEND_AT]), dt.UTC)
        if send_at.timestamp() <= (clock or time.time)():
            if message is not None:
                await message.edit_text(t._("That moment passed while you were deciding."))
            await start_scheduling(query, message, state, settings, t, clock)
            return
    progress = (message.chat.id, message.message_id, t.locale) if message is not None else None
    result = await newsroom.items.post(
        draft,
        actor=f"telegram:{query.from_user.id}",
        author_id=query.from_user.id,
        key=data.get("key"),
        progress=progress,
        send_at=send_at,
    )
    await state.clear()
    if not result.created:
        await query.answer(t._("This news item has already been posted."), show_alert=True)
        return
    await report_posted(query, message, result, send_at, newsroom, broadcaster, settings, t)


async def report_posted(
    query: CallbackQuery,
    message: Message | None,
    result: PostResult,
    send_at: dt.datetime | None,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    settings: Settings,
    t: Translator,
) -> None:
    """The confirmation message becomes the schedule note or the broadcast's progress report."""
    if send_at is not None:
        log.info("news #%d scheduled by %d for %s", result.item_id, query.from_user.id, send_at.isoformat())
        if message is not None:
            await message.edit_text(scheduled_text(t, result.item_id, send_at, settings.timezone))
        broadcaster.wake()  # it looks again when the time comes
        await query.answer()
        return
    log.info(
        "news #%d posted by %d, queued for %d subscribers",
        result.item_id,
        query.from_user.id,
        result.recipients,
    )
    if result.recipients == 0:
        await newsroom.outbox.mark_finished(result.item_id)  # nothing to report on
        if message is not None:
            await message.edit_text(
                t._("Posted to /news. Nobody is subscribed, so it was not sent to anyone.")
            )
        await query.answer()
        return
    figures = await newsroom.outbox.progress(result.item_id)
    if message is not None and figures is not None:
        await message.edit_text(progress_text(t, figures, await broadcaster.eta(result.item_id)))
    broadcaster.wake()  # after our edit, so the broadcaster's later ones win
    await query.answer(t._("Queued. Sending…"))


async def stats(
    message: Message, store: Store, newsroom: Newsroom, settings: Settings, t: Translator, catalog: Catalog
) -> None:
    per_locale = dict.fromkeys(LOCALES, 0)
    for group in await newsroom.outbox.subscriber_languages():
        per_locale[subscriber_locale(group.locale, group.language_code, settings.default_locale)] += (
            group.count
        )
    deliveries = await newsroom.outbox.counts()
    failed = await newsroom.outbox.failed_per_item()
    text = t._(
        "📊 <b>Statistics</b>\n"
        "Users: {users}\n"
        "Subscribers: {subscribers} (ru: {ru} · en: {en} · zh: {zh})\n"
        "News items: {items}\n"
        "Deliveries pending: {pending}\n"
        "Delivered: {sent} · dropped: {dropped} · failed: {failed}"
    ).format(
        users=await store.users.count(),
        subscribers=sum(per_locale.values()),
        ru=per_locale["ru"],
        en=per_locale["en"],
        zh=per_locale["zh"],
        items=await newsroom.items.count(),
        pending=deliveries["pending"] + deliveries["sending"],
        sent=deliveries["sent"],
        dropped=deliveries["dropped"],
        failed=deliveries["failed"],
    )
    if failed:
        per_item = t.comma().join(f"#{item}: {count}" for item, count in failed.items())
        text += "\n" + t._(
            "Failed by item: {items}. To send them again: python -m bot news retry-failed"
        ).format(items=per_item)
    text += "\n\n" + await missed_searches_text(t, catalog.misses, catalog.search)
    await message.answer(text)


def action_label(t: Translator, action: str) -> str:
    labels = {
        "posted": t._("posted"),
        "edited": t._("edited"),
        "retracted": t._("retracted"),
        "scheduled": t._("scheduled"),
        "released": t._("sent at its scheduled time"),
        "cancelled": t._("cancelled"),
        "seeded": t._("added from the archive"),
        "retry-failed": t._("failed deliveries queued again"),
    }
    return labels.get(action, action)


AUDIT_LIMIT = 20


def audit_text(t: Translator, entries: list[AuditEntry], tz: dt.tzinfo, tz_name: str) -> str:
    """The latest audit lines, newest first, times in the bot's time zone, in the admin's language."""
    if not entries:
        return t._("🗒 The audit log is empty: no news item has been posted yet.")
    lines = [
        t.ngettext(
            "🗒 <b>Audit log</b>: the last {count} action, times in {timezone}",
            "🗒 <b>Audit log</b>: the last {count} actions, times in {timezone}",
            len(entries),
        ).format(count=len(entries), timezone=q(tz_name)),
        "",
    ]
    for entry in entries:
        when = format_datetime(entry.at.astimezone(tz), format="short", locale=t.babel_locale)
        action = q(action_label(t, entry.action))
        line = f"{q(when)} · #{entry.item_id} · {action} · <code>{q(entry.actor)}</code>"
        detail = audit_detail(t, entry.action, entry.detail)
        if detail:
            line += f" · {q(detail)}"
        lines.append(line)
    return "\n".join(lines)


async def audit(message: Message, newsroom: Newsroom, settings: Settings, t: Translator) -> None:
    entries = await newsroom.items.audit_log(AUDIT_LIMIT)
    await message.answer(audit_text(t, entries, settings.tz, settings.timezone))


REFUSAL_COMMANDS = ("post", "stats", "audit", "edit", "retract", "scheduled")


def admin_commands(t: Translator) -> list[tuple[str, str]]:
    """The commands an admin's own menu adds to the public ones."""
    return [
        ("post", t._("Post a news item to the subscribers")),
        ("edit", t._("Correct a news item already sent")),
        ("retract", t._("Withdraw a news item already sent")),
        ("scheduled", t._("Scheduled news items")),
        ("stats", t._("Users, subscribers and deliveries")),
        ("audit", t._("Who posted what, and when")),
        ("cancel", t._("Stop the news item being written")),
    ]


def extra_commands_for(settings: Settings) -> Callable[[Translator, int], list[tuple[str, str]]]:
    """For /language (which knows nothing of news): an admin's extra commands, nobody else's."""

    def extra(t: Translator, user_id: int) -> list[tuple[str, str]]:
        return admin_commands(t) if user_id in settings.admin_ids else []

    return extra


def admin_menus_on_startup(
    settings: Settings, newsroom: Newsroom, i18n: PoI18n
) -> Callable[[Bot], Awaitable[None]]:
    """A `dp.startup` handler: each admin's chat gets the public commands and theirs, in their language (their
    choice, else their Telegram app's, else the default), where Telegram's copy differs. A chat Telegram
    refuses (an admin who never opened it) is logged and skipped."""

    async def set_admin_menus(bot: Bot) -> None:
        for admin_id in sorted(settings.admin_ids):
            stored, code = await newsroom.outbox.user_language(admin_id)
            t = i18n.translator(subscriber_locale(stored, code, settings.default_locale))
            try:
                if await sync_chat_commands(bot, t, admin_id, admin_commands(t)):
                    log.info("command menu of admin %d updated", admin_id)
            except TelegramAPIError as exc:
                log.warning("could not set the command menu of admin %d: %s", admin_id, exc)

    return set_admin_menus


def refusal_text(t: Translator) -> str:
    return t._("Sorry, only the bot's administrators can do this, in a private chat with the bot.")


async def refuse(message: Message, t: Translator) -> None:
    await message.answer(refusal_text(t))


async def nothing_to_cancel(message: Message, t: Translator) -> None:
    """Everyone may send /cancel (it is in the admin's prompts); only admins have anything to cancel."""
    await message.answer(t._("There is nothing to cancel."))


async def refuse_callback(query: CallbackQuery, t: Translator) -> None:
    await query.answer(refusal_text(t), show_alert=True)


def create_router() -> Router:
    admin = Router(name="admin")
    admin.message.filter(IsAdmin(), F.chat.type == ChatType.PRIVATE)
    admin.callback_query.filter(IsAdmin())
    admin.message.register(start_post, Command("post", ignore_case=True))
    admin.message.register(stats, Command("stats", ignore_case=True))
    admin.message.register(audit, Command("audit", ignore_case=True))
    admin.message.register(cancel, Command("cancel", ignore_case=True))
    in_text_steps = StateFilter(PostFlow.ru, PostFlow.en, PostFlow.zh)
    admin.message.register(take_text, in_text_steps, F.text, ~F.text.startswith("/"))
    admin.message.register(take_text, in_text_steps, F.photo | F.document)
    admin.message.register(not_text, in_text_steps, ~F.text)
    in_title_steps = StateFilter(PostFlow.title_ru, PostFlow.title_en, PostFlow.title_zh)
    admin.message.register(take_title, in_title_steps, F.text, ~F.text.startswith("/"))
    admin.message.register(not_title, in_title_steps, ~F.text)
    # A time typed again while its confirmation waits replaces it (a typo is fixed by sending the right one).
    admin.message.register(
        take_time, StateFilter(PostFlow.when, PostFlow.confirm_schedule), F.text, ~F.text.startswith("/")
    )
    admin.message.register(
        waiting_for_button,
        StateFilter(PostFlow.confirm, PostFlow.when, EditFlow.language, EditFlow.confirm, EditFlow.retract),
        ~F.text.startswith("/"),
    )
    admin.callback_query.register(post_pressed, PostCb.filter())

    # Everyone the admin filter turned away: a polite refusal, nothing else.
    refusal = Router(name="admin-refusal")
    refusal.message.register(refuse, Command(*REFUSAL_COMMANDS, ignore_case=True))
    refusal.message.register(nothing_to_cancel, Command("cancel", ignore_case=True))
    refusal.callback_query.register(refuse_callback, PostCb.filter())

    router = Router(name="admin-and-refusal")
    router.include_routers(admin, refusal)
    return router
