"""Every setting's problem is one line naming the variable: WEBHOOK_URL's scheme, WEBHOOK_PORT's type,
TIMEZONE, and Telegram refusing the webhook."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import Settings, SettingsError, load_settings
from bot.runtime.webhook import run_webhook
from tests.bot_api_server import FakeBotAPI
from tests.conftest import TOKEN


def settings_with(tmp_path: Path, **values: Any) -> Settings:
    return load_settings(_env_file=None, database_path=tmp_path / "bot.sqlite3", **values)


def one_line_error(tmp_path: Path, **values: Any) -> str:
    with pytest.raises(SettingsError) as error:
        settings_with(tmp_path, **values)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_a_plain_http_webhook_url_is_refused(tmp_path: Path) -> None:
    message = one_line_error(tmp_path, webhook_url="http://bot.example.org/tg")
    assert message.startswith("WEBHOOK_URL:")
    assert "https://" in message


@pytest.mark.parametrize("port", ["abc", "8080.5", "", "0", "70000"])
def test_a_webhook_port_that_is_no_port_number_is_said_in_house_style(tmp_path: Path, port: str) -> None:
    message = one_line_error(tmp_path, webhook_port=port)
    assert message == "WEBHOOK_PORT: must be a port number from 1 to 65535"


def test_timezone_defaults_to_utc_and_takes_iana_names(tmp_path: Path) -> None:
    assert settings_with(tmp_path).timezone == "UTC"
    moscow = settings_with(tmp_path, timezone="Europe/Moscow")
    assert moscow.timezone == "Europe/Moscow"
    assert moscow.tz.key == "Europe/Moscow"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "UTC+3"])
def test_a_wrong_timezone_is_one_line(tmp_path: Path, name: str) -> None:
    message = one_line_error(tmp_path, timezone=name)
    assert message.startswith("TIMEZONE: must be an IANA time zone name")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_telegram_refusing_the_webhook_is_one_line_naming_webhook_url(tmp_path: Path) -> None:
    api = FakeBotAPI()
    url = await api.start()
    api.fail_next("setWebhook", 400, description="Bad Request: bad webhook: IP address is not allowed")
    settings = settings_with(
        tmp_path,
        bot_token=TOKEN,
        telegram_api_url=url,
        webhook_url="https://bot.example.org/tg",
        webhook_secret="s3cret",
        webhook_host="127.0.0.1",
        webhook_port=free_port(),
    )
    try:
        with pytest.raises(SettingsError) as error:
            await run_webhook(settings)
    finally:
        await api.stop()
    assert str(error.value) == (
        "WEBHOOK_URL: Telegram refused https://bot.example.org/tg: "
        "Bad Request: bad webhook: IP address is not allowed"
    )
