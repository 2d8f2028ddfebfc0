"""The log's two shapes: text lines for people, or `LOG_FORMAT=json` (one JSON object a line) for log
shippers. Either way the bot's token and webhook secret never reach it: they are replaced after the
record is formatted (message, arguments and traceback alike), and so is anything shaped like a token in a
Bot API URL (`/bot123456:AA…/`), whoever logged it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A token in a Bot API URL or alone: digits, a colon, 30+ of Telegram's token alphabet.
_TOKEN_SHAPE = re.compile(r"\b\d{5,20}:[A-Za-z0-9_-]{30,100}\b")
HIDDEN = "<hidden>"


class _Redacting(logging.Formatter):
    def __init__(self, fmt: str | None, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        # Longest first: a secret that contains another is replaced whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return _TOKEN_SHAPE.sub(HIDDEN, text)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class TextFormatter(_Redacting):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(TEXT_FORMAT, secrets)


class JsonFormatter(_Redacting):
    """{"time", "level", "logger", "message"[, "exception"]}: UTC time, the message with its arguments."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(None, secrets)

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = self.redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)


def formatter(log_format: str, secrets: Iterable[str]) -> logging.Formatter:
    return JsonFormatter(secrets) if log_format == "json" else TextFormatter(secrets)
