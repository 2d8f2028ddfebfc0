"""Signed init data for the Mini App tests, as Telegram builds it for a person opening the page."""

from __future__ import annotations

import time

from bot.webapp.auth import sign_init_data
from tests.conftest import TOKEN

USER_ID = 1001
PATH = "/app/"
WEBAPP_URL = "https://bot.example.org/app/"


def init_data(
    language_code: str | None = "en",
    *,
    user_id: int = USER_ID,
    token: str = TOKEN,
    age: float = 0,
    now: float | None = None,
) -> str:
    user: dict[str, object] = {"id": user_id, "first_name": "Alice"}
    if language_code is not None:
        user["language_code"] = language_code
    moment = (time.time() if now is None else now) - age
    return sign_init_data(token, user, auth_date=int(moment))


def auth(language_code: str | None = "en", **kwargs: object) -> dict[str, str]:
    return {"Authorization": "tma " + init_data(language_code, **kwargs)}  # type: ignore[arg-type]
