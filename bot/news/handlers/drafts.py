"""The draft guard, and the questions of a draft: a draft never captures what was meant for something else,
and an old question's buttons never act on a newer one.

`DraftGuard` is an outer middleware of the Dispatcher (messages and buttons). A draft silent for 30 minutes,
or an update meant for something else (another known command, another feature's button), ends the draft
before any handler sees it, with a short note; the update then goes on as if there had been no draft. A
command the bot does not know (a typo) leaves the draft alone: the admin router answers it, naming the draft.

`ask()` sends a question with buttons and remembers it; the question it supersedes, and the question of a
draft that ends, lose their buttons (best-effort: the buttons would be refused anyway)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

from bot.core.callbacks import EDITOR_CALLBACKS
from bot.core.i18n import Translator
from bot.news.handlers.states import (
    EDIT_STATES,
    FLOW_STATES,
    QUESTION,
    TOUCHED,
    Clock,
    new_draft,
    now,
)

log = logging.getLogger(__name__)

FLOW_COMMANDS = frozenset({"cancel"})  # the commands a draft answers itself
DRAFT_TTL = 30 * 60  # seconds of silence after which a draft is discarded
FLOW_PREFIXES = frozenset(cb.__prefix__ for cb in EDITOR_CALLBACKS)


def command_name(text: str | None) -> str | None:
    """`/Post@bot args` → "post"; None when the text is not a command."""
    if not text or not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


async def strip_keyboard(bot: Bot, chat_id: int, message_id: Any) -> None:
    """The buttons off a question nobody may answer any more; a failure changes nothing that matters."""
    if not isinstance(message_id, int):
        return
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
    except TelegramAPIError as exc:
        log.info("could not take the buttons off question %d in chat %d: %s", message_id, chat_id, exc)


async def best_effort(call: Awaitable[Any], what: str) -> None:
    """A cosmetic request (a report, a note) after the work is done: a failure is logged, never raised."""
    try:
        await call
    except TelegramAPIError as exc:
        log.warning("could not send the %s: %s", what, exc)


async def end_draft(state: FSMContext, bot: Bot, chat_id: int) -> None:
    """The draft is over (cancelled, replaced, done): its open question loses its buttons."""
    question = (await state.get_data()).get(QUESTION)
    await state.clear()
    await strip_keyboard(bot, chat_id, question)


async def begin_draft(
    state: FSMContext, bot: Bot, chat_id: int, first: State, clock: Clock | None, **data: Any
) -> dict[str, Any]:
    """A new draft in state `first` (an older one ends); returns its FSM data."""
    await end_draft(state, bot, chat_id)
    fresh = new_draft(clock, **data)
    await state.set_state(first)
    await state.set_data(fresh)
    return fresh


async def ask(
    message: Message, state: FSMContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message:
    """Send the draft's next question below `message`; the question it supersedes loses its buttons."""
    previous = (await state.get_data()).get(QUESTION)
    question = await message.answer(text, reply_markup=markup)
    await state.update_data({QUESTION: question.message_id if markup is not None else None})
    if previous != question.message_id and message.bot is not None:
        await strip_keyboard(message.bot, message.chat.id, previous)
    return question


class DraftGuard(BaseMiddleware):
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
        t: Translator = data["t"]
        moment = now(data.get("clock"))
        touched = (await state.get_data()).get(TOUCHED)
        editing = data.get("raw_state") in EDIT_STATES
        if not isinstance(touched, int | float) or moment - touched > DRAFT_TTL:
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
            await state.update_data({TOUCHED: moment})
            return await handler(event, data)
        bot: Bot = data["bot"]
        chat_id = self.chat_of(event)
        await end_draft(state, bot, chat_id)
        data["raw_state"] = None  # the handlers below see no draft any more
        await bot.send_message(chat_id, note)
        return await handler(event, data)

    @staticmethod
    def leaves_flow(event: TelegramObject, known: frozenset[str] | None = None) -> bool:
        if isinstance(event, Message):
            name = command_name(event.text)
            if name is None or name in FLOW_COMMANDS:
                return False
            return known is None or name in known
        if isinstance(event, CallbackQuery):
            return (event.data or "").split(":", 1)[0] not in FLOW_PREFIXES
        return False

    @staticmethod
    def chat_of(event: TelegramObject) -> int:
        if isinstance(event, Message):
            return event.chat.id
        if isinstance(event, CallbackQuery):
            return event.message.chat.id if event.message is not None else event.from_user.id
        return 0  # the guard is set on messages and buttons only


def setup_draft_guard(router: Router) -> None:
    """On the Dispatcher, after the locale middleware: every router (news, start, …) comes after it."""
    guard = DraftGuard(router)
    router.message.outer_middleware(guard)
    router.callback_query.outer_middleware(guard)
