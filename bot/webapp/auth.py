"""Who is asking: the `Authorization: tma <initData>` header, checked with aiogram against the bot token.

Missing, forged (bad hash) or stale (`auth_date` more than `MAX_AGE` ago) is `None`: the caller answers
401 and does nothing else. The init data is never logged: it is a bearer credential for an hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from urllib.parse import urlencode

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data

MAX_AGE = dt.timedelta(hours=1)
SCHEME = "tma "


def viewer(token: str, header: str | None, *, now: Callable[[], float] = time.time) -> WebAppInitData | None:
    """The init data of a request whose signature holds and which is at most an hour old, else None."""
    if not header or not header.startswith(SCHEME):
        return None
    try:
        data = safe_parse_webapp_init_data(token, header.removeprefix(SCHEME).strip())
    except ValueError:
        return None
    if data.user is None:
        return None
    age = now() - data.auth_date.timestamp()
    if not -60 <= age <= MAX_AGE.total_seconds():  # a minute of clock skew the other way
        return None
    return data


def sign_init_data(
    token: str, user: dict[str, object], *, auth_date: int | None = None, extra: dict[str, str] | None = None
) -> str:
    """Init data as Telegram builds it for a Mini App opened by `user` (the console's local URL, tests)."""
    fields = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "query_id": "local",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        **(extra or {}),
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
