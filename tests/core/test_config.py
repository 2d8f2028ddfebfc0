"""Configuration errors are one line naming the variable, exit code 2, and never show the token."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core.config import Settings, SettingsError, load_settings
from tests.conftest import TOKEN, Cli


def test_missing_token_explains_how_to_get_one_and_try_without(cli: Cli, tmp_path: Path) -> None:
    result = cli(env={"DATABASE_PATH": str(tmp_path / "db.sqlite3")})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "BOT_TOKEN" in result.stderr
    assert "@BotFather" in result.stderr
    assert "python -m bot console" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BOT_TOKEN": "123456:short"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": TOKEN, "DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE"),
        ({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"),
        ({"BOT_TOKEN": TOKEN, "DATABASE_PATH": "/proc/forbidden/bot.sqlite3"}, "DATABASE_PATH"),
    ],
)
def test_bad_settings_give_one_line_naming_the_variable(
    cli: Cli, tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    env.setdefault("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    result = cli(env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {variable}:")
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_token_is_never_echoed(cli: Cli, tmp_path: Path) -> None:
    secret = "987654321:this-is-a-secret-with-a-bad-char!"
    result = cli(env={"BOT_TOKEN": secret, "DATABASE_PATH": str(tmp_path / "d.sqlite3")})
    assert result.returncode == 2
    assert "this-is-a-secret" not in result.stderr + result.stdout


def test_token_is_hidden_in_repr_and_errors() -> None:
    settings = Settings(_env_file=None, bot_token=TOKEN)  # type: ignore[call-arg]
    assert TOKEN.split(":")[1] not in repr(settings)
    assert TOKEN.split(":")[1] not in str(settings.model_dump())
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None, bot_token=TOKEN + "!")
    assert TOKEN.split(":")[1] not in str(info.value)


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", " 1, 22 ,333")
    monkeypatch.setenv("DEFAULT_LOCALE", "ZH")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_ids == frozenset({1, 22, 333})
    assert settings.default_locale == "zh"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.bot_token is None


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nADMIN_IDS=5\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == TOKEN
    assert settings.admin_ids == frozenset({5})


def test_cli_leaves_logging_as_it_found_it(cli: Cli, tmp_path: Path) -> None:
    """The CLI tests call `main()` in-process: its logging set-up must end with the command."""
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    assert cli("console", env={"DATABASE_PATH": str(tmp_path / "c.sqlite3")}, stdin="/quit\n").returncode == 0
    assert (root.level, list(root.handlers)) == before


@pytest.mark.parametrize(
    ("paid", "rate", "accepted"),
    [
        (None, "30", True),
        (None, "31", False),  # above the free limit without BROADCAST_PAID: refused, not silently capped
        ("false", "1000", False),
        ("true", "31", True),
        ("true", "1000", True),
        ("true", "1001", False),  # Telegram allows no more, paid or not
    ],
)
def test_broadcast_rate_above_30_needs_broadcast_paid(
    monkeypatch: pytest.MonkeyPatch, paid: str | None, rate: str, accepted: bool
) -> None:
    if paid is not None:
        monkeypatch.setenv("BROADCAST_PAID", paid)
    monkeypatch.setenv("BROADCAST_RATE", rate)
    if accepted:
        settings = load_settings(_env_file=None)
        assert settings.broadcast_rate == float(rate)
        assert settings.broadcast_paid is (paid == "true")
        return
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert str(info.value).startswith("BROADCAST_RATE:")
    if float(rate) <= 1000:
        assert "BROADCAST_PAID=true" in str(info.value)


def test_a_free_rate_above_30_stops_the_bot_with_one_line(cli: Cli, tmp_path: Path) -> None:
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "db.sqlite3"), "BROADCAST_RATE": "100"}
    result = cli(env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: BROADCAST_RATE:")
    assert "BROADCAST_PAID" in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
