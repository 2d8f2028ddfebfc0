"""Settings from the environment or `.env`, validated once, with errors a person can act on."""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.locales import LOCALES

TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
FREE_BROADCAST_RATE = 30  # messages a second Telegram allows a broadcast for free
PAID_BROADCAST_RATE = (
    1000  # with `allow_paid_broadcast`: 0.1 Telegram Stars a message, from the bot's balance
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_path: Path = Path("data/bot.sqlite3")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: str = "en"
    content_dir: Path = PROJECT_ROOT / "content"
    locales_dir: Path = PROJECT_ROOT / "locales"
    broadcast_paid: bool = False  # news go with allow_paid_broadcast: up to 1,000 a second, billed in Stars
    # Paces paid broadcasts (a free one takes what replies leave of send_rate); ≤ 30 unless paid.
    broadcast_rate: float = Field(default=25.0, gt=0, le=PAID_BROADCAST_RATE)
    send_rate: float = Field(default=28.0, gt=0, le=30)  # every message the bot sends, replies included
    webhook_url: str | None = None
    webhook_host: str = "0.0.0.0"  # noqa: S104 - a container listens on all interfaces
    webhook_port: int = 8080
    webhook_secret: SecretStr | None = None
    timezone: str = "UTC"
    log_level: str = "INFO"
    # The Mini App (bot/webapp): on when WEBAPP_URL is set; in polling mode its own server listens on
    # WEBAPP_HOST:WEBAPP_PORT, in webhook mode the webhook's server serves it; at the path of WEBAPP_URL.
    webapp_url: str | None = None
    webapp_host: str = "0.0.0.0"  # noqa: S104 - a container listens on all interfaces
    webapp_port: int = 8080
    # -- operating it (README: Operating it) --
    health_host: str = "127.0.0.1"  # polling mode: where /healthz and /metrics listen (webhook: its server)
    health_port: int | None = None  # unset: none in polling mode (the container image sets 8081)
    log_format: Literal["text", "json"] = "text"  # json: one object a line, for log shippers
    content_check_interval: float = Field(default=10.0, gt=0)  # seconds between looks at content_meta

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not TOKEN_RE.match(value.strip()):
            # Never echo the value: it may be a real token with a typo.
            raise ValueError("must look like 123456789:AA… (the token @BotFather gives)")
        return value.strip()

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(re.fullmatch(r"\d{1,20}", p) for p in parts):
                raise ValueError("must be comma-separated numeric Telegram user ids, e.g. 12345,67890")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("database_path")
    @classmethod
    def _db_path(cls, value: Path) -> Path:
        if str(value).strip() == "" or value.is_dir():
            raise ValueError("must be a file path such as data/bot.sqlite3")
        return value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.match(r"^https://[^\s/]+(/\S*)?$", value.strip()):
            raise ValueError(
                "must be the public https URL Telegram posts updates to, e.g. https://bot.example.org/tg"
            )
        return value.strip()

    @field_validator("webapp_url", mode="before")
    @classmethod
    def _webapp_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.match(r"^https://[^\s/?#]+(/[^\s?#]*)?$", value.strip()):
            raise ValueError(
                "must be the public https URL of the Mini App, e.g. https://bot.example.org/app/"
            )
        url = value.strip()
        return url if url.endswith("/") else url + "/"  # the API lives under it: <path>api/…

    @field_validator("health_port", mode="before")
    @classmethod
    def _health_port(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return cls._webhook_port(value)

    @field_validator("webhook_port", "webapp_port", mode="before")
    @classmethod
    def _webhook_port(cls, value: Any) -> Any:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            raise ValueError("must be a port number from 1 to 65535")
        return int(text)

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, value: Any) -> Any:
        name = value.strip() if isinstance(value, str) else ""
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                "must be an IANA time zone name such as UTC, Europe/Moscow or Asia/Shanghai"
            ) from None
        return name

    @field_validator("broadcast_rate")
    @classmethod
    def _broadcast_rate(cls, value: float, info: ValidationInfo) -> float:
        # `broadcast_paid` is declared first, so it is already read here.
        if value > FREE_BROADCAST_RATE and not info.data.get("broadcast_paid", False):
            raise ValueError(
                f"{value:g} a second is more than Telegram allows a free broadcast ({FREE_BROADCAST_RATE}); "
                f"lower it, or set BROADCAST_PAID=true to pay for up to {PAID_BROADCAST_RATE} a second "
                "(0.1 Telegram Stars a message, from the bot's balance)"
            )
        return value

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value):
            return None
        if not isinstance(value, str) or not SECRET_RE.match(value):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> Any:
        text = str(value).strip().lower()
        if text not in {"text", "json"}:
            raise ValueError("must be text or json")
        return text

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    def prepare_database_dir(self) -> None:
        """Create the database folder; a path that cannot hold a database is a `SettingsError`."""
        try:
            self.database_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                f"DATABASE_PATH: cannot create folder {self.database_path.parent}: {exc.strerror}"
            ) from None


class SettingsError(Exception):
    """A configuration problem, said in one line that names the variable."""


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
