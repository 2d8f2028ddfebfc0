"""What the editor's flows are made of: their states, the admin filter, the FSM data keys, and how a button is
matched to the question it was asked under.

A draft is a /post, /edit or /retract in progress: an aiogram `StatesGroup` state of the admin's chat, and FSM
data with a fresh `KEY` (so a repeated confirmation posts once) and the message id of the question now open.
Every button of a question carries `tag(data)`, the start of that key, and what it is about (the item, the
language, the time); `OpenQuestion` lets it act only while all of that is what the draft waits for."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, TelegramObject, User

from bot.core.config import Settings


class PostFlow(StatesGroup):
    """/post: the text in each language (a photo or file with the Russian one), an optional title in each
    language, then send now, or schedule (a time, then its confirmation)."""

    ru = State()
    en = State()
    zh = State()
    title_ru = State()
    title_en = State()
    title_zh = State()
    confirm = State()
    when = State()  # the date and time of a scheduled post
    confirm_schedule = State()


TEXT_STEPS = (PostFlow.ru, PostFlow.en, PostFlow.zh)
TITLE_STEPS = (PostFlow.title_ru, PostFlow.title_en, PostFlow.title_zh)
TITLE_STATES = frozenset(s.state for s in TITLE_STEPS)


class EditFlow(StatesGroup):
    """/edit N: pick a language (its text or title), send the new one, confirm. /retract N: confirm."""

    language = State()
    text = State()
    confirm = State()
    retract = State()


FLOW_STATES = frozenset(state.state for group in (PostFlow, EditFlow) for state in group.__all_states__)
EDIT_STATES = frozenset(state.state for state in EditFlow.__all_states__)

# FSM data keys
KEY = "key"  # the draft's idempotency key (a uuid4 hex); buttons carry its first TAG_LENGTH characters
TOUCHED = "touched"  # when the admin last worked on the draft (clock seconds)
QUESTION = "question"  # the message id of the open question with buttons
ITEM, LOCALE, TEXT, TITLE = "item", "locale", "text", "title"  # /edit: which item, language, new text, part
SEND_AT = "send_at"  # the scheduled moment (UTC seconds)
PENDING = "pending"  # a text waiting for “Yes, keep it” (its script did not look like the language asked)
TITLE_KEY = "title_"  # title_ru, title_en, title_zh (plain text)
MEDIA_KIND, MEDIA_FILE = "media_kind", "media_file_id"  # the photo or document of the draft
TAG_LENGTH = 8

Clock = Callable[[], float]


def now(clock: Clock | None) -> float:
    """The flow's time: `clock` (a Dispatcher keyword argument where a test sets one), else the wall clock."""
    return (clock or time.time)()


def new_draft(clock: Clock | None, **data: Any) -> dict[str, Any]:
    return {KEY: uuid.uuid4().hex, TOUCHED: now(clock), **data}


def tag(data: dict[str, Any]) -> str:
    """What a button of this draft's questions carries to name it."""
    return str(data.get(KEY, ""))[:TAG_LENGTH]


def step_locale(state: str | None) -> str:
    """`PostFlow:title_en` → "en"."""
    return str(state).rsplit("_", 1)[-1].rsplit(":", 1)[-1]


def next_step(state: str | None) -> State | None:
    """The state after `state` in /post's order of steps (ru, en, zh, then the titles, then confirm)."""
    names = [s.state for s in PostFlow.__states__]
    index = names.index(str(state)) if state in names else -1
    return PostFlow.__states__[index + 1] if 0 <= index < len(names) - 1 else None


class IsAdmin(Filter):
    async def __call__(
        self, event: TelegramObject, settings: Settings, event_from_user: User | None = None
    ) -> bool:
        return event_from_user is not None and event_from_user.id in settings.admin_ids


# A button's field, and the FSM data key it must equal for the button to act.
MATCHED_FIELDS = {"item": ITEM, "locale": LOCALE, "at": SEND_AT}


class OpenQuestion(Filter):
    """The pressed button belongs to the question the admin's draft is waiting on: the draft is in one of
    `states`, the button names this draft and is on its open question, and its item, language or time are
    the draft's."""

    def __init__(self, *states: State) -> None:
        self.states = frozenset(s.state for s in states)

    async def __call__(
        self, event: TelegramObject, callback_data: CallbackData, state: FSMContext, raw_state: str | None
    ) -> bool:
        if raw_state not in self.states:
            return False
        data = await state.get_data()
        if getattr(callback_data, "draft", None) != tag(data):
            return False
        pressed = event.message.message_id if isinstance(event, CallbackQuery) and event.message else None
        if pressed is None or pressed != data.get(QUESTION):
            return False  # a question of this draft that a later one superseded
        for field, key in MATCHED_FIELDS.items():
            value = getattr(callback_data, field, None)
            if value is not None and key in data and value != type(value)(data[key]):
                return False
        return True
