"""Update JSON as Telegram sends it: the users, chats, messages, button presses and inline queries the console
feeds to the `Dispatcher`. The tests build their updates on the same functions (`tests/updates.py`), so there
is one definition of what an update looks like.

Each function returns the object for one field of an Update; `update()` wraps one in an Update.
"""

from __future__ import annotations

import time
from typing import Any


def update(update_id: int, **kind: dict[str, Any]) -> dict[str, Any]:
    """An Update: `update(7, message=message(...))`."""
    [(name, body)] = kind.items()
    return {"update_id": update_id, name: body}


def user(
    user_id: int,
    first_name: str,
    *,
    username: str | None = None,
    language_code: str | None = None,
    is_bot: bool = False,
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if username is not None:
        data["username"] = username
    if language_code is not None:
        data["language_code"] = language_code
    return data


def private_chat(chat_id: int, first_name: str, *, username: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
    if username is not None:
        data["username"] = username
    return data


def group_chat(chat_id: int, title: str, chat_type: str = "supergroup") -> dict[str, Any]:
    return {"id": chat_id, "type": chat_type, "title": title}


def message(
    message_id: int,
    chat: dict[str, Any],
    sender: dict[str, Any],
    text: str,
    *,
    reply_markup: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A text message; a leading `/command` gets its `bot_command` entity, as Telegram's clients add it."""
    data: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": chat,
        "from": sender,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        data["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
    if reply_markup is not None:
        data["reply_markup"] = reply_markup
    return data


def callback_query(
    query_id: str,
    sender: dict[str, Any],
    data: str,
    *,
    chat_instance: str,
    message: dict[str, Any] | None = None,
    inline_message_id: str | None = None,
) -> dict[str, Any]:
    """A button press on `message` (a message the bot sent) or on a message posted through inline mode."""
    query: dict[str, Any] = {"id": query_id, "from": sender, "chat_instance": chat_instance, "data": data}
    if inline_message_id is not None:
        query["inline_message_id"] = inline_message_id
    if message is not None:
        query["message"] = message
    return query


def inline_query(
    query_id: str, sender: dict[str, Any], query: str, *, offset: str = "", chat_type: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": query_id, "from": sender, "query": query, "offset": offset}
    if chat_type is not None:
        data["chat_type"] = chat_type
    return data


def chosen_inline_result(
    result_id: str, sender: dict[str, Any], query: str, *, inline_message_id: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"result_id": result_id, "from": sender, "query": query}
    if inline_message_id is not None:
        data["inline_message_id"] = inline_message_id
    return data


def utf16_len(text: str) -> int:
    """A length as Telegram counts entity offsets and lengths: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2
