"""Fixtures: a real SQLite store in a temp folder, the real Dispatcher, and a LocalSession that records
every Bot API call."""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendMessage, TelegramMethod

from bot.catalog.library import Catalog
from bot.cli import main
from bot.console.session import LocalSession
from bot.core.config import Settings
from bot.core.i18n import PoI18n, create_i18n
from bot.core.pacing import SendPacer
from bot.core.retry import RetryMiddleware
from bot.news.repository import Newsroom
from bot.runtime.app import create_bot, create_dispatcher
from bot.store import Store
from tests.news_support import FakeClock

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
ADMIN_ID = 9001

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
HAN = re.compile(r"[\u4e00-\u9fff]")


def language_of(text: str) -> str:
    """Which of our languages a bot text is in (by script: names in Latin appear in all three)."""
    if HAN.search(text):
        return "zh"
    if CYRILLIC.search(text):
        return "ru"
    return "en"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        database_path=tmp_path / "data" / "bot.sqlite3",
        admin_ids=frozenset({ADMIN_ID}),
        telegram_api_url="http://127.0.0.1:9",
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    yield store
    await store.close()


@pytest.fixture
async def catalog(settings: Settings, store: Store) -> Catalog:
    catalog = Catalog(store.db)
    await catalog.ensure_content(settings.content_dir)
    return catalog


@pytest.fixture
def newsroom(store: Store) -> Newsroom:
    return Newsroom(store.db)


@pytest.fixture(scope="session")
def i18n() -> PoI18n:
    return create_i18n(ROOT / "locales", "en")


@pytest.fixture
def session() -> LocalSession:
    return LocalSession()


@pytest.fixture
def retry_sleeps() -> list[float]:
    """What the reply-retry middleware would have slept (tests never sleep for it)."""
    return []


@pytest.fixture
def pacer_clock() -> FakeClock:
    """The send pacer's time: it moves only when the pacer waits (tests never sleep for it)."""
    return FakeClock()


@pytest.fixture
def bot(settings: Settings, session: LocalSession, retry_sleeps: list[float], pacer_clock: FakeClock) -> Bot:
    async def sleep(seconds: float) -> None:
        retry_sleeps.append(seconds)

    pacer = SendPacer(clock=pacer_clock, sleep=pacer_clock.sleep)
    return create_bot(settings, session=session, retry=RetryMiddleware(sleep=sleep), pacer=pacer)


@pytest.fixture
def dp(settings: Settings, store: Store, catalog: Catalog, newsroom: Newsroom, i18n: PoI18n) -> Dispatcher:
    return create_dispatcher(settings, store, catalog, newsroom, i18n)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Driver:
    """Feeds Update JSON through the real Dispatcher and exposes what the bot sent.

    Fails the test when a handler raised (the error handler logged it) or when the bot sent something
    Telegram would refuse, unless `expect_failure=True`.
    """

    def __init__(self, dp: Dispatcher, bot: Bot, session: LocalSession) -> None:
        self.dp = dp
        self.bot = bot
        self.session = session
        self.errors = _Collect()
        logging.getLogger("bot.runtime.errors").addHandler(self.errors)

    async def feed(
        self, update: dict[str, Any], *, expect_failure: bool = False
    ) -> list[TelegramMethod[Any]]:
        before = len(self.session.requests)
        self.errors.records.clear()
        self.session.refused.clear()
        await self.dp.feed_raw_update(self.bot, update)
        if not expect_failure:
            assert not self.session.refused, f"Telegram would refuse: {self.session.refused}"
            assert not self.errors.records, f"handler failed: {self.errors.records[0].getMessage()}"
        return self.session.requests[before:]

    async def texts(self, update: dict[str, Any]) -> list[str]:
        return [r.text for r in await self.feed(update) if isinstance(r, SendMessage)]


@pytest.fixture
def driver(dp: Dispatcher, bot: Bot, session: LocalSession) -> Iterator[Driver]:
    driver = Driver(dp, bot, session)
    yield driver
    logging.getLogger("bot.runtime.errors").removeHandler(driver.errors)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


class Cli:
    """`python -m bot …` in-process: `bot.cli.main(argv)` with its own environment, working folder and
    standard streams (no interpreter start, no aiogram import per call)."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cwd: Path
    ) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.cwd = cwd

    def __call__(self, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> CliResult:
        for name in Settings.model_fields:  # only what the test gives, as a fresh process would see it
            self.monkeypatch.delenv(name.upper(), raising=False)
        for name, value in (env or {}).items():
            self.monkeypatch.setenv(name, value)
        self.monkeypatch.chdir(self.cwd)  # no stray .env from the checkout
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refusing the arguments
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = self.capsys.readouterr()
        return CliResult(code, out, err)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Cli:
    return Cli(monkeypatch, capsys, tmp_path)
