"""The admin router (`ADMIN_IDS`, in a private chat): /post, /edit, /retract, /scheduled, /stats, /audit,
/cancel and the admin's /help, every step of their drafts, and every button of their questions; then the
refusal router, which answers everyone else's admin commands and buttons politely and does nothing.

How a button's meaning is decided: its callback data class says what kind of button it is, its fields say
which draft, item, language or time it is about, and `OpenQuestion` lets it act only when that is the
question the admin's draft waits on now. Any other press of those buttons (an old question, a second tap)
gets a short alert, and the message it was on loses its buttons."""

from __future__ import annotations

from aiogram import Bot, F, Router, flags
from aiogram.enums import ChatType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.callbacks import (
    EDITOR_CALLBACKS,
    QUESTION_CALLBACKS,
    CancelScheduledCb,
    DraftCancelCb,
    EditConfirmCb,
    EditLanguageCb,
    NoTitleCb,
    PostScheduleCb,
    PostSendCb,
    RetractCb,
    ScheduleConfirmCb,
    ScriptConfirmCb,
)
from bot.core.html import q
from bot.core.i18n import Translator
from bot.news.handlers import confirm, editor, menus, post, publish, reports, schedule
from bot.news.handlers.drafts import command_name, end_draft, strip_keyboard
from bot.news.handlers.states import (
    EDIT_STATES,
    ITEM,
    TEXT_STEPS,
    TITLE_STEPS,
    EditFlow,
    IsAdmin,
    OpenQuestion,
    PostFlow,
)

REFUSAL_COMMANDS = ("post", "stats", "audit", "edit", "retract", "scheduled")
ALL_STEPS = [*(s for group in (PostFlow, EditFlow) for s in group.__all_states__)]


async def cancel(message: Message, state: FSMContext, bot: Bot, t: Translator) -> None:
    current = await state.get_state()
    if current is None:
        await message.answer(t._("There is nothing to cancel."))
        return
    await end_draft(state, bot, message.chat.id)
    if current in EDIT_STATES:
        await message.answer(t._("Cancelled. Nothing was changed."))
    else:
        await message.answer(t._("Cancelled. Nothing was posted."))


async def cancel_pressed(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    """✖️ Cancel under the open question: the question becomes the note."""
    editing = await state.get_state() in EDIT_STATES
    await state.clear()
    if isinstance(query.message, Message):
        text = t._("Cancelled. Nothing was changed.") if editing else t._("Cancelled. Nothing was posted.")
        await query.message.edit_text(text)


async def stray_command(message: Message, state: FSMContext, t: Translator) -> None:
    """A command nobody knows (a typo) while a draft is open: say so, and name the draft that waits."""
    name = q(f"/{command_name(message.text) or ''}")
    data = await state.get_data()
    if await state.get_state() in EDIT_STATES:
        text = t._(
            "There is no command {command}. Your correction of news item #{item} is still open: answer the "
            "question above, or send /cancel to drop it."
        ).format(command=name, item=data.get(ITEM, "?"))
    else:
        text = t._(
            "There is no command {command}. Your news draft is still open: answer the question above, or "
            "send /cancel to drop it."
        ).format(command=name)
    await message.answer(text)


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def stale_question(
    query: CallbackQuery, callback_answer: CallbackAnswer, bot: Bot, t: Translator
) -> None:
    """A button of a question that is no longer open (superseded, answered, discarded)."""
    callback_answer.text = t._("This question is no longer open.")
    callback_answer.show_alert = True
    if query.message is not None:
        await strip_keyboard(bot, query.message.chat.id, query.message.message_id)


async def not_text(message: Message, t: Translator) -> None:
    await message.answer(t._("Please send the news item as a text message."))


async def not_title(message: Message, t: Translator) -> None:
    await message.answer(t._("Please send the title as a text message."))


async def waiting_for_button(message: Message, t: Translator) -> None:
    await message.answer(t._("Press a button under the question above, or send /cancel."))


def refusal_text(t: Translator) -> str:
    return t._("Sorry, only the bot's administrators can do this, in a private chat with the bot.")


async def refuse(message: Message, t: Translator) -> None:
    await message.answer(refusal_text(t))


async def nothing_to_cancel(message: Message, t: Translator) -> None:
    """Everyone may send /cancel (it is in the admin's prompts); only admins have anything to cancel."""
    await message.answer(t._("There is nothing to cancel."))


@flags.callback_answer(pre=False)  # answered after it, with what it says
async def refuse_callback(query: CallbackQuery, callback_answer: CallbackAnswer, t: Translator) -> None:
    callback_answer.text = refusal_text(t)
    callback_answer.show_alert = True


def commands(admin: Router) -> None:
    on = admin.message.register
    on(post.start_post, Command("post", ignore_case=True))
    on(editor.start_edit, Command("edit", ignore_case=True))
    on(editor.start_retract, Command("retract", ignore_case=True))
    on(schedule.scheduled, Command("scheduled", ignore_case=True))
    on(reports.stats, Command("stats", ignore_case=True))
    on(reports.audit, Command("audit", ignore_case=True))
    on(cancel, Command("cancel", ignore_case=True))
    on(menus.admin_help, Command("help", ignore_case=True))


def steps(admin: Router) -> None:
    """What the admin sends while a draft waits for it."""
    on = admin.message.register
    texts, titles = StateFilter(*TEXT_STEPS), StateFilter(*TITLE_STEPS)
    not_command = ~F.text.startswith("/")
    on(post.step_message, texts, F.text, not_command)
    on(post.step_message, texts, F.photo | F.document)
    on(not_text, texts, ~F.text)
    on(post.step_message, titles, F.text, not_command)
    on(not_title, titles, ~F.text)
    # A time typed again while its confirmation waits replaces it.
    on(schedule.take_time, StateFilter(PostFlow.when, PostFlow.confirm_schedule), F.text, not_command)
    on(editor.new_text, StateFilter(EditFlow.text), F.text, not_command)
    on(editor.not_new_text, StateFilter(EditFlow.text), ~F.text)
    on(stray_command, StateFilter(*ALL_STEPS), F.text.startswith("/"))
    waiting = (PostFlow.confirm, PostFlow.when, EditFlow.language, EditFlow.confirm, EditFlow.retract)
    on(waiting_for_button, StateFilter(*waiting))


def buttons(admin: Router) -> None:
    """Each kind of button acts on the open question it names; any other press of it is stale."""
    on = admin.callback_query.register
    on(post.no_title, NoTitleCb.filter(), OpenQuestion(PostFlow.title_ru))
    on(schedule.start_scheduling, PostScheduleCb.filter(), OpenQuestion(PostFlow.confirm))
    on(publish.send_now, PostSendCb.filter(), OpenQuestion(PostFlow.confirm))
    on(schedule.schedule_confirmed, ScheduleConfirmCb.filter(), OpenQuestion(PostFlow.confirm_schedule))
    on(post.keep_text, ScriptConfirmCb.filter(), OpenQuestion(*TEXT_STEPS, *TITLE_STEPS))
    on(editor.keep_new_text, ScriptConfirmCb.filter(), OpenQuestion(EditFlow.text))
    on(cancel_pressed, DraftCancelCb.filter(), OpenQuestion(*ALL_STEPS))
    on(editor.language_chosen, EditLanguageCb.filter(), OpenQuestion(EditFlow.language))
    on(confirm.edit_confirmed, EditConfirmCb.filter(), OpenQuestion(EditFlow.confirm))
    on(confirm.retract_confirmed, RetractCb.filter(), OpenQuestion(EditFlow.retract))
    on(schedule.cancel_scheduled, CancelScheduledCb.filter())
    for kind in QUESTION_CALLBACKS:
        on(stale_question, kind.filter())


def create_router() -> Router:
    admin = Router(name="admin")
    admin.message.filter(IsAdmin(), F.chat.type == ChatType.PRIVATE)
    admin.callback_query.filter(IsAdmin())
    commands(admin)
    steps(admin)
    buttons(admin)

    # Everyone the admin filter turned away: a polite refusal, nothing else.
    refusal = Router(name="admin-refusal")
    refusal.message.register(refuse, Command(*REFUSAL_COMMANDS, ignore_case=True))
    refusal.message.register(nothing_to_cancel, Command("cancel", ignore_case=True))
    for kind in EDITOR_CALLBACKS:
        refusal.callback_query.register(refuse_callback, kind.filter())

    router = Router(name="admin-and-refusal")
    router.include_routers(admin, refusal)
    return router
