"""Real Update JSON, as Telegram sends it, for feeding the Dispatcher: the console's update builders
(`bot/console/updates.py`) with a test user, Alice, and fresh update ids."""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot.console import updates as build
from bot.console.session import BOT_USER

_ids = itertools.count(1)
_message_ids = itertools.count(1)


def user(
    user_id: int = 1001, language_code: str | None = "en", username: str | None = "alice"
) -> dict[str, Any]:
    return build.user(user_id, "Alice", username=username, language_code=language_code)


def chat(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
    if chat_type == "private":
        return build.private_chat(chat_id, "Alice")
    return build.group_chat(chat_id, "Green group", chat_type)


def message(
    text: str,
    user_id: int = 1001,
    language_code: str | None = "en",
    chat_type: str = "private",
    chat_id: int | None = None,
    username: str | None = "alice",
) -> dict[str, Any]:
    msg = build.message(
        next(_message_ids),
        chat(chat_id if chat_id is not None else user_id, chat_type),
        user(user_id, language_code, username),
        text,
    )
    return build.update(next(_ids), message=msg)


def callback(
    data: str,
    user_id: int = 1001,
    language_code: str | None = "en",
    message_id: int = 500,
    message_text: str = "…",
    chat_type: str = "private",
) -> dict[str, Any]:
    me = build.user(BOT_USER.id, BOT_USER.first_name, username=BOT_USER.username, is_bot=True)
    pressed = build.message(message_id, chat(user_id, chat_type), me, message_text)
    query = build.callback_query(
        f"cq{next(_ids)}", user(user_id, language_code), data, chat_instance="ci-1", message=pressed
    )
    return build.update(next(_ids), callback_query=query)


def inline_query(
    query: str, user_id: int = 1001, language_code: str | None = "en", offset: str = ""
) -> dict[str, Any]:
    inline = build.inline_query(f"iq{next(_ids)}", user(user_id, language_code), query, offset=offset)
    return build.update(next(_ids), inline_query=inline)


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
        data: dict[str, Any] = {"user": BOT_USER.model_dump(exclude_none=True), "status": status}
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
