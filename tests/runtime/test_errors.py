"""The error handler (`runtime/errors.py`): a failing update is logged without the token, a private chat is
told, a group is not, and a button is never answered twice (Telegram refuses the second answer, and so does
`LocalSession`)."""

from __future__ import annotations

import logging

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, EditMessageText, GetMe, SendMessage

from bot.console.session import LocalSession
from bot.core.callbacks import MenuAction, MenuCb, SubscribeCb
from bot.core.pacing import SendTimedOut
from tests import updates
from tests.conftest import TOKEN, Driver

FAILED = "Something went wrong. Please try again or send /help."


async def test_the_local_session_refuses_a_second_answer_to_one_button(
    bot: Bot, session: LocalSession
) -> None:
    await bot.answer_callback_query("cq-once")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("cq-once", text="again", show_alert=True)
    await bot.answer_callback_query("cq-other")  # another button is answered as usual


@pytest.mark.parametrize("data", [MenuCb(action=MenuAction.ABOUT).pack(), SubscribeCb(on=True).pack()])
async def test_a_button_whose_handler_fails_is_answered_once_and_the_chat_is_told(
    driver: Driver, session: LocalSession, data: str
) -> None:
    """Both kinds of handler: answered before it runs (the About screen) and after it (Subscribe, which
    says what it did)."""
    session.add_error_for(EditMessageText, 400, "Bad Request: something unexpected")
    sent = await driver.feed(updates.callback(data), expect_failure=True)
    assert len([r for r in sent if isinstance(r, AnswerCallbackQuery)]) == 1
    assert not session.refused, session.refused
    assert [r.text for r in sent if isinstance(r, SendMessage)] == [FAILED]
    assert len(driver.errors.records) == 1


async def test_a_failing_message_is_logged_without_the_token_and_the_private_chat_is_told(
    driver: Driver, session: LocalSession, caplog: pytest.LogCaptureFixture
) -> None:
    session.add_error_for(SendMessage, 400, f"Bad Request: chat of bot{TOKEN} is odd")
    with caplog.at_level(logging.ERROR, logger="bot.runtime.errors"):
        sent = await driver.feed(updates.message("/about"), expect_failure=True)
    assert [r.text for r in sent if isinstance(r, SendMessage)][-1] == FAILED
    assert "<token>" in caplog.text
    assert TOKEN not in caplog.text


async def test_a_failing_update_in_a_group_is_only_logged(driver: Driver, session: LocalSession) -> None:
    session.add_error_for(SendMessage, 400, "Bad Request: something unexpected")
    sent = await driver.feed(
        updates.message("/about", chat_type="supergroup", chat_id=-100), expect_failure=True
    )
    assert len(sent) == 1  # the failed reply; nothing else goes to the group
    assert len(driver.errors.records) == 1


async def test_a_reply_that_timed_out_waiting_for_a_slot_is_not_reported_again(
    driver: Driver, session: LocalSession
) -> None:
    session.add_result_for(
        SendMessage, SendTimedOut(method=SendMessage(chat_id=1001, text="x"), message="late")
    )
    sent = await driver.feed(updates.message("/about"), expect_failure=True)
    assert len(sent) == 1
    assert not driver.errors.records


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (400, "TelegramBadRequest"),
        (401, "TelegramUnauthorizedError"),
        (403, "TelegramForbiddenError"),
        (404, "TelegramNotFound"),
        (409, "TelegramConflictError"),
        (413, "TelegramEntityTooLarge"),
        (502, "TelegramServerError"),
    ],
)
async def test_the_local_session_raises_what_aiogram_raises_for_each_answer(
    bot: Bot, session: LocalSession, code: int, kind: str
) -> None:
    session.add_error_for(GetMe, code, "Telegram says no")
    with pytest.raises(TelegramAPIError) as raised:
        await session.make_request(bot, GetMe())  # past the retry middleware: one answer, one exception
    assert type(raised.value).__name__ == kind


async def test_a_retry_after_answer_carries_its_wait(bot: Bot, session: LocalSession) -> None:
    session.add_error_for(GetMe, 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as raised:
        await session.make_request(bot, GetMe())
    assert raised.value.retry_after == 7
