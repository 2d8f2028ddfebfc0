"""Real Update JSON, as Telegram sends it, for feeding the Dispatcher."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1)
_message_ids = itertools.count(1)


def user(
    user_id: int = 1001, language_code: str | None = "en", username: str | None = "alice"
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Alice"}
    if language_code is not None:
        data["language_code"] = language_code
    if username is not None:
        data["username"] = username
    return data


def chat(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
    data: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        data["first_name"] = "Alice"
    else:
        data["title"] = "Green group"
    return data


def message(
    text: str,
    user_id: int = 1001,
    language_code: str | None = "en",
    chat_type: str = "private",
    chat_id: int | None = None,
    username: str | None = "alice",
) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat(chat_id if chat_id is not None else user_id, chat_type),
        "from": user(user_id, language_code, username),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": next(_ids), "message": msg}


def callback(
    data: str,
    user_id: int = 1001,
    language_code: str | None = "en",
    message_id: int = 500,
    message_text: str = "…",
    chat_type: str = "private",
) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cq{next(_ids)}",
            "from": user(user_id, language_code),
            "chat_instance": "ci-1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat(user_id, chat_type),
                "from": {
                    "id": 424242,
                    "is_bot": True,
                    "first_name": "Roundtable",
                    "username": "roundtable_bot",
                },
                "text": message_text,
            },
        },
    }


def inline_query(
    query: str, user_id: int = 1001, language_code: str | None = "en", offset: str = ""
) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "inline_query": {
            "id": f"iq{next(_ids)}",
            "from": user(user_id, language_code),
            "query": query,
            "offset": offset,
        },
    }


BOT_USER = {"id": 424242, "is_bot": True, "first_name": "Roundtable", "username": "roundtable_bot"}


def my_chat_member(
    old_status: str,
    new_status: str,
    user_id: int = 1001,
    chat_type: str = "private",
    chat_id: int | None = None,
    language_code: str | None = "en",
) -> dict[str, Any]:
    """The bot's own membership changed: "kicked" in a private chat is a user blocking the bot; "left" or
    "kicked" in a group is the bot removed from it (by `user_id`)."""

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"user": BOT_USER, "status": status}
        if status == "kicked":
            data["until_date"] = 0
        return data

    return {
        "update_id": next(_ids),
        "my_chat_member": {
            "chat": chat(chat_id if chat_id is not None else user_id, chat_type),
            "from": user(user_id, language_code),
            "date": int(time.time()),
            "old_chat_member": member(old_status),
            "new_chat_member": member(new_status),
        },
    }
