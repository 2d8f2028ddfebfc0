"""A Bot API stand-in inside the process: records every request and answers it as Telegram would.

The tests drive the real `Dispatcher` through it; the console uses it to run the bot with no token and no
network. It refuses (400) what Telegram would refuse — too long, invalid HTML, oversized callback data,
too many inline results, a second answer to one button — so a rule broken anywhere fails loudly here first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerInlineQuery,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    GetMyCommands,
    GetMyDescription,
    GetMyShortDescription,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BotDescription,
    BotShortDescription,
    Chat,
    Document,
    Message,
    PhotoSize,
    User,
)

from bot.core import telegram_rules as rules

BOT_USER = User(
    id=424242,
    is_bot=True,
    first_name="Roundtable",
    username="roundtable_bot",
    can_join_groups=True,
    supports_inline_queries=True,
)

Responder = Callable[[TelegramMethod[Any]], Any]


class LocalSession(BaseSession):
    PASS: Any = object()  # queue this to let one request through with the normal answer

    def __init__(self, *, strict: bool = True, bot_user: User = BOT_USER) -> None:
        super().__init__()
        self.strict = strict
        self.bot_user = bot_user
        self.requests: list[TelegramMethod[Any]] = []
        self._queued: defaultdict[type[Any], deque[Any]] = defaultdict(deque)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self.closed = False
        self.refused: list[tuple[TelegramMethod[Any], list[str]]] = []
        self.listeners: list[Callable[[TelegramMethod[Any], Any], None]] = []
        self.responses: dict[int, Any] = {}  # id(request) → what it was answered with
        self.answered: set[str] = set()  # the callback queries answered so far (Telegram takes one answer)

    # -- scripting -------------------------------------------------------------------------------------------
    def add_result_for(self, method: type[TelegramMethod[Any]], result: Any) -> None:
        """Answer the next request of this method type with `result` (a value, or an exception to raise)."""
        self._queued[method].append(result)

    def add_error_for(
        self,
        method: type[TelegramMethod[Any]],
        error_code: int,
        description: str,
        retry_after: int | None = None,
    ) -> None:
        self._queued[method].append(("error", error_code, description, retry_after))

    def requests_of(self, method: type[TelegramMethod[TelegramType]]) -> list[Any]:
        return [r for r in self.requests if isinstance(r, method)]

    def clear(self) -> None:
        self.requests.clear()
        self.responses.clear()

    # -- BaseSession -----------------------------------------------------------------------------------------
    async def close(self) -> None:
        self.closed = True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # pragma: no cover - the bot downloads nothing
        yield b""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self._resolve_defaults(bot, method)
        self.requests.append(method)
        queue = self._queued.get(type(method))
        result = queue.popleft() if queue else self.PASS
        if result is not self.PASS:
            if isinstance(result, BaseException):
                raise result
            if isinstance(result, tuple) and result and result[0] == "error":
                _, code, description, retry_after = result
                raise _error(self, bot, method, code, description, retry_after)
            self._notify(method, result)
            return result  # type: ignore[no-any-return]
        if self.strict:
            problems = request_problems(method)
            if isinstance(method, AnswerCallbackQuery):
                if method.callback_query_id in self.answered:
                    problems.append("query is too old and response timeout expired or query ID is invalid")
                self.answered.add(method.callback_query_id)
            if problems:
                self.refused.append((method, problems))
                raise TelegramBadRequest(method=method, message="Bad Request: " + "; ".join(problems))
        result = self._default_result(method)
        self._notify(method, result)
        return result  # type: ignore[no-any-return]

    def _notify(self, method: TelegramMethod[Any], result: Any) -> None:
        self.responses[id(method)] = result
        for listener in self.listeners:
            listener(method, result)

    @staticmethod
    def _resolve_defaults(bot: Bot, method: TelegramMethod[Any]) -> None:
        for name, value in list(method):
            if isinstance(value, Default):
                object.__setattr__(method, name, bot.default[value.name])

    def _default_result(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return self.bot_user
        if isinstance(method, SendMessage):
            return self._message(method.chat_id, method.text, method.reply_markup)
        if isinstance(method, SendPhoto | SendDocument):
            return self._media_message(method)
        if isinstance(method, EditMessageCaption):
            if method.inline_message_id:
                return True
            return self._message(method.chat_id or 0, "", method.reply_markup, method.message_id)
        if isinstance(method, EditMessageText | EditMessageReplyMarkup):
            if method.inline_message_id:
                return True
            text = getattr(method, "text", None) or ""
            return self._message(method.chat_id or 0, text, method.reply_markup, method.message_id)
        if isinstance(method, GetMyCommands):
            return []
        if isinstance(method, GetMyDescription):
            return BotDescription(description="")
        if isinstance(method, GetMyShortDescription):
            return BotShortDescription(short_description="")
        returning = getattr(method, "__returning__", None)
        if returning is bool:
            return True
        if isinstance(returning, type) and issubclass(returning, int):
            return 0
        origin = getattr(returning, "__origin__", None)
        if origin is list:
            return []
        return True

    def _message(
        self, chat_id: int | str | None, text: str, markup: Any, message_id: int | None = None
    ) -> Message:
        chat_int = int(str(chat_id)) if str(chat_id).lstrip("-").isdigit() else 0
        return Message(
            message_id=message_id or next(self._message_ids),
            date=dt.datetime.now(dt.UTC),
            chat=Chat(id=chat_int, type="private" if chat_int > 0 else "supergroup"),
            from_user=self.bot_user,
            text=text,
            reply_markup=markup,
        )

    def _media_message(self, method: SendPhoto | SendDocument) -> Message:
        """The sent photo or document: a string is a `file_id` Telegram knows, a file gets a new one."""
        media = method.photo if isinstance(method, SendPhoto) else method.document
        file_id = media if isinstance(media, str) else f"uploaded-{next(self._file_ids)}"
        message = self._message(method.chat_id, "", method.reply_markup)
        if isinstance(method, SendPhoto):
            photo = [PhotoSize(file_id=file_id, file_unique_id=file_id, width=1280, height=720)]
            return message.model_copy(update={"text": None, "caption": method.caption, "photo": photo})
        document = Document(file_id=file_id, file_unique_id=file_id, file_name="file")
        return message.model_copy(update={"text": None, "caption": method.caption, "document": document})


def _error(
    session: BaseSession,
    bot: Bot,
    method: TelegramMethod[Any],
    code: int,
    description: str,
    retry_after: int | None,
) -> Exception:
    """The exception aiogram raises for Telegram's answer `code` (its own classification: 401, 404, 409, 413
    and the rest each get their class); code 0 is a network fault (no answer at all)."""
    if code == 0:
        return TelegramNetworkError(method=method, message=description)
    answer: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        answer["parameters"] = {"retry_after": retry_after}
    try:
        session.check_response(bot, method, code, json.dumps(answer))
    except TelegramAPIError as exc:
        return exc
    return TelegramAPIError(method=method, message=description)  # pragma: no cover - every code above raises


def request_problems(method: TelegramMethod[Any]) -> list[str]:
    """What Telegram would refuse in this request."""
    problems: list[str] = []
    html = getattr(method, "parse_mode", None) == "HTML"
    if isinstance(method, SendMessage | EditMessageText):
        problems += rules.message_problems(method.text or "", html=html)
    if isinstance(method, SendPhoto | SendDocument | EditMessageCaption) and method.caption:
        problems += rules.message_problems(method.caption, html=html, limit=rules.CAPTION_LIMIT)
    if isinstance(method, AnswerCallbackQuery) and len(method.text or "") > rules.CALLBACK_ANSWER_LIMIT:
        problems.append("callback answer text is too long")
    if isinstance(method, AnswerInlineQuery):
        problems += inline_answer_problems(method)
    problems += rules.keyboard_problems(getattr(method, "reply_markup", None))
    return problems


def inline_answer_problems(method: AnswerInlineQuery) -> list[str]:
    problems = []
    if len(method.results) > rules.INLINE_RESULTS_LIMIT:
        problems.append("too many inline results")
    ids = [r.id for r in method.results]
    if len(set(ids)) != len(ids):
        problems.append("duplicate inline result ids")
    for result in method.results:
        if not 1 <= len(result.id.encode()) <= rules.INLINE_ID_LIMIT:
            problems.append(f"inline result id {result.id!r} is not 1-64 bytes")
        content = getattr(result, "input_message_content", None)
        text = getattr(content, "message_text", None)
        if text is not None:
            mode = getattr(content, "parse_mode", None)
            problems += rules.message_problems(text, html=mode == "HTML" or isinstance(mode, Default))
        problems += rules.keyboard_problems(getattr(result, "reply_markup", None))
    if method.next_offset is not None and len(method.next_offset.encode()) > rules.INLINE_OFFSET_LIMIT:
        problems.append("next_offset is too long")
    button = method.button
    start_parameter = button.start_parameter if button is not None else None
    if start_parameter is not None and not rules.START_PARAM_RE.match(start_parameter):
        problems.append("bad start_parameter")
    return problems
