"""The Bot API session: aiogram's aiohttp session, encoding requests with less work per update.

aiogram turns every request into a form by dumping the whole method model to dicts, walking them, dumping
JSON and URL-encoding the result; for a reply with a keyboard (or an inline answer with a dozen cards) that
costs more than everything else done for the update. The keyboards and inline results the bot sends are
mostly the same objects again and again (`catalog.screen_cache`, the inline result cache), and aiogram's
types are frozen, so each one is encoded once, while it lives, and its encoding reused. The text of a
message is encoded once per distinct text. What goes on the wire is what aiogram would send, except that
JSON keeps non-ASCII characters as UTF-8 (shorter) and fields may come in another order.

Also: aiogram reads each answer through a generic model (`Response[Message]`, …) that pydantic creates on
first use and drops again when nothing holds it; the session holds the ones it uses, so they are built once.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject
from aiohttp import FormData
from aiohttp.payload import BytesPayload, Payload

if TYPE_CHECKING:
    from aiogram import Bot

FORM_TYPE = "application/x-www-form-urlencoded"
# Method fields holding models worth remembering: keyboards, inline results.
REMEMBERED_FIELDS = {"reply_markup", "results"}
TEXTS_KEPT = 4096  # distinct message texts whose encoding is kept; past this they start afresh

compact_json: Callable[..., str] = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def _quoted(value: Any) -> str:
    # As urlencode() does: a str as it is (a str-based enum such as ParseMode.HTML is its value, "HTML").
    return quote_plus(value if isinstance(value, str) else str(value))


class EncodedForm(FormData):
    """A form already URL-encoded: aiohttp sends these bytes as they are."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body

    def __call__(self) -> Payload:
        return BytesPayload(self.body, content_type=FORM_TYPE)


class WireSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("json_dumps", compact_json)
        super().__init__(**kwargs)
        # id(model) → (weak reference to it, id of the bot it was encoded for, its encoding); an entry leaves
        # with its model, so an id is never mistaken for another model's.
        self._models: dict[int, tuple[weakref.ref[Any], int, str]] = {}
        self._texts: dict[str, str] = {}
        self._responses: dict[type[Any], Any] = {}

    def build_form_data(self, bot: Bot, method: TelegramMethod[TelegramType]) -> FormData:
        files: dict[str, Any] = {}
        pairs: list[str] = []
        for key, value in method.model_dump(warnings=False, exclude=REMEMBERED_FIELDS).items():
            if key == "text" and isinstance(value, str) and value:
                pairs.append(f"text={self._text(value)}")
                continue
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                pairs.append(f"{quote_plus(key)}={_quoted(prepared)}")
        for key in REMEMBERED_FIELDS:
            value = getattr(method, key, None)
            if value is None:
                continue
            encoded = self._encode(value, bot)
            if encoded is None:  # a file inside: aiogram's own way
                return super().build_form_data(bot, method)
            pairs.append(f"{key}={encoded}")
        if files:
            return super().build_form_data(bot, method)
        return EncodedForm("&".join(pairs).encode())

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self._responses:
            self._responses[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return super().check_response(bot, method, status_code, content)

    def _text(self, text: str) -> str:
        encoded = self._texts.get(text)
        if encoded is None:
            if len(self._texts) >= TEXTS_KEPT:
                self._texts.clear()
            encoded = self._texts[text] = quote_plus(text)
        return encoded

    def _encode(self, value: Any, bot: Bot) -> str | None:
        """`value` URL-encoded as the JSON aiogram would send; None if it holds a file."""
        if isinstance(value, TelegramObject):
            return self._model(value, bot)
        if isinstance(value, list) and all(isinstance(item, TelegramObject) for item in value):
            parts = [self._model(item, bot) for item in value]
            if any(part is None for part in parts):
                return None
            return "%5B" + "%2C".join(parts) + "%5D"  # type: ignore[arg-type]
        files: dict[str, Any] = {}
        prepared = self.prepare_value(value, bot=bot, files=files)
        return None if files else _quoted(prepared)

    def _model(self, model: TelegramObject, bot: Bot) -> str | None:
        key = id(model)
        entry = self._models.get(key)
        if entry is not None and entry[0]() is model and entry[1] == id(bot):
            return entry[2]
        files: dict[str, Any] = {}
        prepared = self.prepare_value(model, bot=bot, files=files)
        if files:
            return None
        encoded = _quoted(prepared)
        models = self._models

        def forget(_: weakref.ref[Any], key: int = key) -> None:
            models.pop(key, None)

        models[key] = (weakref.ref(model, forget), id(bot), encoded)
        return encoded
