"""/whoami tells a person their own Telegram user id (for ADMIN_IDS), in their language, in a private chat."""

from __future__ import annotations

import pytest

from tests import updates
from tests.conftest import Driver, language_of


@pytest.mark.parametrize("lang", ["ru", "en", "zh-hans"])
async def test_whoami_says_the_user_id_in_their_language(driver: Driver, lang: str) -> None:
    [reply] = await driver.texts(updates.message("/whoami", user_id=123456789, language_code=lang))
    assert "<code>123456789</code>" in reply
    assert "ADMIN_IDS" in reply
    assert language_of(reply) == lang[:2]


async def test_whoami_in_a_group_says_nothing(driver: Driver) -> None:
    texts = await driver.texts(updates.message("/whoami", user_id=5, chat_type="supergroup", chat_id=-100123))
    assert texts == []
