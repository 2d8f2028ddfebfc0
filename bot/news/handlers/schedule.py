"""Scheduling: 🕒 Schedule under a /post draft asks for a time, the typed time is confirmed (✅ Schedule names
that time: a time typed again asks again, and the older question's button no longer acts), and /scheduled
lists what is waiting, each with a cancel button."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from aiogram import flags
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.callbacks import CancelScheduledCb, ScheduleConfirmCb
from bot.core.config import Settings
from bot.core.html import q
from bot.core.i18n import Translator
from bot.core.telegram_rules import visible_text
from bot.news.broadcaster import Broadcaster
from bot.news.handlers.drafts import ask, best_effort
from bot.news.handlers.publish import publish
from bot.news.handlers.states import SEND_AT, Clock, PostFlow, now, tag
from bot.news.items import news_moment, parse_moment, schedule_problem
from bot.news.keyboards import schedule_confirm_keyboard
from bot.news.repository import NewsItem, Newsroom
from bot.store import Store

log = logging.getLogger(__name__)

SCHEDULED_SHOWN = 20
SUMMARY_LENGTH = 60


def time_example(settings: Settings, clock: Clock | None) -> str:
    """Tomorrow at 09:00 in TIMEZONE, as the admin would type it."""
    moment = dt.datetime.fromtimestamp(now(clock), settings.tz)
    return (moment + dt.timedelta(days=1)).strftime("%Y-%m-%d 09:00")


def ask_for_time(t: Translator, settings: Settings, clock: Clock | None) -> str:
    return t._(
        "🕒 When should it go out? Send the date and time in the bot's time zone ({timezone}), for example "
        "<code>{example}</code>. /cancel stops."
    ).format(timezone=q(settings.timezone), example=time_example(settings, clock))


async def start_scheduling(
    query: CallbackQuery, state: FSMContext, settings: Settings, t: Translator, clock: Clock | None = None
) -> None:
    """🕒 Schedule: ask for the time, below the question whose buttons go."""
    await state.set_state(PostFlow.when)
    if isinstance(query.message, Message):
        await ask(query.message, state, ask_for_time(t, settings, clock))


async def take_time(
    message: Message,
    state: FSMContext,
    store: Store,
    settings: Settings,
    t: Translator,
    clock: Clock | None = None,
) -> None:
    """The typed time; typed again while its confirmation waits, it replaces it (a typo is fixed so)."""
    moment = parse_moment(message.text or "", settings.tz)
    example = time_example(settings, clock)
    problem = schedule_problem(moment, now(clock))
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
    at = int(moment.timestamp())
    await state.update_data({SEND_AT: at})
    await state.set_state(PostFlow.confirm_schedule)
    count = await store.subscriptions.count()
    question = t.ngettext(
        "Schedule this news item for {when} ({timezone})? {count} person is subscribed now; it will go to "
        "everyone subscribed at that time.",
        "Schedule this news item for {when} ({timezone})? {count} people are subscribed now; it will go to "
        "everyone subscribed at that time.",
        count,
    ).format(when=q(news_moment(t, moment)), timezone=q(settings.timezone), count=count)
    data: dict[str, Any] = await state.get_data()
    await ask(message, state, question, schedule_confirm_keyboard(t, tag(data), at))


async def schedule_confirmed(
    query: CallbackQuery,
    callback_data: ScheduleConfirmCb,
    state: FSMContext,
    newsroom: Newsroom,
    broadcaster: Broadcaster,
    settings: Settings,
    t: Translator,
    clock: Clock | None = None,
) -> None:
    """✅ Schedule at the time the button names (`OpenQuestion` checked it is the draft's)."""
    if callback_data.at <= now(clock):
        if isinstance(query.message, Message):
            await query.message.edit_text(t._("That moment passed while you were deciding."))
        await start_scheduling(query, state, settings, t, clock)
        return
    send_at = dt.datetime.fromtimestamp(callback_data.at, dt.UTC)
    await publish(query, state, newsroom, broadcaster, settings, t, send_at=send_at)


# -- /scheduled ----------------------------------------------------------------------------------------------
def summary(t: Translator, item: NewsItem) -> str:
    """A line's worth of an item in the admin's language: its title, else the start of its text."""
    text = item.titles[t.locale] if item.titles else " ".join(visible_text(item.texts[t.locale]).split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rstrip() + "…"


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
        number = t._("#{item}").format(item=item.id)  # «№3» in Russian, as in the messages
        lines.append(f"{number} · {q(when)} · {q(summary(t, item))}")
        builder.button(
            text=t._("✖️ Cancel #{item}").format(item=item.id), callback_data=CancelScheduledCb(item=item.id)
        )
    if len(items) > SCHEDULED_SHOWN:
        lines.append(t._("… and {count} more.").format(count=len(items) - SCHEDULED_SHOWN))
    builder.adjust(2)
    return "\n".join(lines), builder.as_markup()


async def scheduled(message: Message, newsroom: Newsroom, settings: Settings, t: Translator) -> None:
    text, markup = await scheduled_page(t, newsroom, settings)
    await message.answer(text, reply_markup=markup)


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def cancel_scheduled(
    query: CallbackQuery,
    callback_data: CancelScheduledCb,
    callback_answer: CallbackAnswer,
    newsroom: Newsroom,
    settings: Settings,
    t: Translator,
) -> None:
    item_id = callback_data.item
    if not await newsroom.items.cancel(item_id, actor=f"telegram:{query.from_user.id}"):
        callback_answer.text = t._(
            "News item #{item} is no longer waiting: it has gone out or was cancelled."
        ).format(item=item_id)
        callback_answer.show_alert = True
        return
    log.info("scheduled news #%d cancelled by %d", item_id, query.from_user.id)
    callback_answer.text = t._("News item #{item} is cancelled: it will not be sent.").format(item=item_id)
    if isinstance(query.message, Message):
        text, markup = await scheduled_page(t, newsroom, settings)
        await best_effort(query.message.edit_text(text, reply_markup=markup), "list of scheduled items")
