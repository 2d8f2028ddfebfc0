"""/start answers in the user's language, through the real Dispatcher."""

from __future__ import annotations

import pytest
from aiogram.methods import SendMessage

from bot.core.telegram_rules import html_problems
from tests import updates
from tests.conftest import Driver, language_of


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [("ru", "ru"), ("en", "en"), ("zh-hans", "zh"), ("zh-CN", "zh"), ("de", "en"), (None, "en"), ("", "en")],
)
async def test_start_answers_in_user_language(
    driver: Driver, language_code: str | None, expected: str
) -> None:
    sent = await driver.feed(updates.message("/start", user_id=77, language_code=language_code))
    messages = [m for m in sent if isinstance(m, SendMessage)]
    assert len(messages) >= 1
    first = messages[0]
    assert first.chat_id == 77
    assert language_of(first.text) == expected
    assert html_problems(first.text) == []
