"""The audit log: who posted, edited, retracted, scheduled or cancelled what, and when; shown to admins by
/audit (in their language, times in TIMEZONE) and by `python -m bot news log`."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram import Dispatcher
from aiogram.methods import SendMessage

from bot.catalog.library import Catalog
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.repository import Newsroom
from bot.runtime.app import create_dispatcher
from bot.store import Store
from tests import updates
from tests.conftest import ADMIN_ID, Cli, Driver, language_of
from tests.news_support import DRAFT


async def test_actions_are_recorded_newest_first(newsroom: Newsroom) -> None:
    first = await newsroom.items.post(DRAFT, actor="telegram:1")
    second = await newsroom.items.post(DRAFT, actor="shell:bob")
    await newsroom.items.record(first.item_id, "edited", "telegram:2", "en")
    entries = await newsroom.items.audit_log()
    assert [(e.item_id, e.action, e.actor, e.detail) for e in entries] == [
        (first.item_id, "edited", "telegram:2", "en"),
        (second.item_id, "posted", "shell:bob", None),
        (first.item_id, "posted", "telegram:1", None),
    ]
    assert len(await newsroom.items.audit_log(limit=2)) == 2


@pytest.mark.parametrize(
    ("code", "locale", "word"), [("ru", "ru", "опубликована"), ("en", "en", "posted"), ("zh", "zh", "发布")]
)
async def test_audit_shows_the_last_twenty_in_the_admins_language(
    driver: Driver, newsroom: Newsroom, code: str, locale: str, word: str
) -> None:
    for n in range(22):
        await newsroom.items.post(DRAFT, actor=f"telegram:{n}")
    replies = await driver.texts(updates.message("/audit", user_id=ADMIN_ID, language_code=code))
    assert len(replies) == 1
    text = replies[0]
    assert language_of(text) == locale
    assert "20" in text
    assert text.count(word) == 20
    assert "telegram:21" in text  # the newest
    assert "telegram:1<" not in text  # the two oldest are left out
    assert "UTC" in text


async def test_audit_times_are_in_the_configured_time_zone(
    settings: Settings, store: Store, catalog: Catalog, newsroom: Newsroom, i18n: PoI18n, driver: Driver
) -> None:
    await newsroom.items.post(DRAFT, actor="telegram:1")
    await store.db.conn.execute("UPDATE news_audit SET at = '2026-12-01T06:30:00Z'")
    await store.db.conn.commit()
    moscow = settings.model_copy(update={"timezone": "Europe/Moscow"})
    dp: Dispatcher = create_dispatcher(moscow, store, catalog, newsroom, i18n)
    text = (
        await Driver(dp, driver.bot, driver.session).texts(
            updates.message("/audit", user_id=ADMIN_ID, language_code="en")
        )
    )[0]
    assert "Europe/Moscow" in text
    assert "9:30" in text


async def test_an_empty_audit_log_says_so(driver: Driver) -> None:
    replies = await driver.texts(updates.message("/audit", user_id=ADMIN_ID))
    assert "empty" in replies[0]


async def test_audit_is_for_admins_only(driver: Driver, newsroom: Newsroom) -> None:
    await newsroom.items.post(DRAFT, actor="telegram:1")
    sent = await driver.feed(updates.message("/audit", user_id=4242))
    texts = [r.text for r in sent if isinstance(r, SendMessage)]
    assert len(texts) == 1
    assert "administrators" in texts[0]


def test_news_log_cli(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "data" / "bot.sqlite3"
    env = {"DATABASE_PATH": str(db), "TIMEZONE": "Asia/Shanghai"}
    result = cli("news", "log", env=env)
    assert result.returncode == 0
    assert "empty" in result.stdout
    item = tmp_path / "item.toml"
    item.write_text('ru = "а"\nen = "b"\nzh = "中"\n', encoding="utf-8")
    assert cli("news", "post", str(item), env=env).returncode == 0
    result = cli("news", "log", env=env)
    assert result.returncode == 0
    line = result.stdout.strip()
    assert "Asia/Shanghai  #1  posted  shell" in line
