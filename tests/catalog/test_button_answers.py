"""A pressed button is answered before its screen is drawn: the answer sends no message, so the button stops
spinning at once even when the edit has to wait for a sending slot behind a burst of replies."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText

from bot.core.callbacks import LanguageCb, MenuAction, MenuCb
from tests import updates
from tests.conftest import Driver


@pytest.mark.parametrize(
    "data",
    [MenuCb(action=action).pack() for action in MenuAction] + [LanguageCb(locale="zh").pack()],
)
async def test_the_button_is_answered_first(driver: Driver, data: str) -> None:
    sent = await driver.feed(updates.callback(data))
    kinds = [type(request) for request in sent if isinstance(request, AnswerCallbackQuery | EditMessageText)]
    assert kinds[0] is AnswerCallbackQuery
    assert EditMessageText in kinds
    assert kinds.count(AnswerCallbackQuery) == 1
