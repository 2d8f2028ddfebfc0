"""`python -m bot console`: the real bot in a terminal, with no token and no network.

The real `Dispatcher` and store, with `LocalSession` in place of Telegram: what a person types becomes real
Update JSON (messages, button presses, inline queries), and every Bot API call the bot makes is rendered for
a terminal. Nothing here knows the bot's features, so it works with whatever routers, keyboards and inline
answers the bot has.

Its store is its own scratch file, `console.sqlite3` in `DATABASE_PATH`'s folder (`console_store`), never the
bot's `DATABASE_PATH`: a console run must not drain a live bot's outbox into its fake session (those
subscribers would never get the news) nor reset its in-flight deliveries (they would be sent twice).
`--database PATH` picks another store; one that is not the console's own is used without the broadcaster,
so its outbox stays as it is (and a bot serving it makes the console refuse, as any second bot would).

Typing: a message or `/command`; `1` or `#1` presses button 1 of the last message with buttons; `@text`
runs an inline query (a number then picks a result, `+` shows more); `/lang zh` switches the language;
`/quit` or Ctrl-D leaves; `?` shows this help.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit

from aiogram import Bot
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerInlineQuery,
    DeleteMessage,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    TelegramMethod,
)
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    ReplyKeyboardMarkup,
)

from bot.console import updates
from bot.console.render import is_html, render_text
from bot.console.session import LocalSession
from bot.core.config import Settings, SettingsError
from bot.core.i18n import LOCALES, locale_from_language_code
from bot.core.telegram_rules import visible_text
from bot.runtime.app import App, create_bot, open_app
from bot.webapp.server import serve_local

DEFAULT_USER_ID = 1
PROMPT = "> "
CONSOLE_STORE_NAME = "console.sqlite3"

HELP = """\
Type a message or a /command. Keys:
  1 or #1      press button 1 of the last message with buttons
  @text        inline query "text" (then a number picks a result, + shows more)
  /lang ru     switch your Telegram language (ru, en or zh)
  \\text        send text literally (e.g. a number)
  ?            this help
  /quit        leave (or Ctrl-D)"""


@dataclass
class Shown:
    """A message the bot put in front of the console user, kept so its buttons can be pressed."""

    key: int | str  # message_id, or inline_message_id for a message posted through inline mode
    chat_id: int | None
    text: str
    html: bool
    markup: InlineKeyboardMarkup | None = None

    @property
    def buttons(self) -> list[InlineKeyboardButton]:
        return [b for row in self.markup.inline_keyboard for b in row] if self.markup else []


@dataclass
class InlineAnswer:
    query: str
    offset: str
    results: list[Any] = field(default_factory=list)
    next_offset: str | None = None
    button: InlineQueryResultsButton | None = None


class Console:
    """One console user talking to the bot through a `LocalSession`."""

    def __init__(
        self,
        app: App,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        user_id: int | None = None,
        lang: str | None = None,
        color: bool | None = None,
        verbose: bool = False,
        session: LocalSession | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.notes = notes  # printed under the greeting: which store, whether news is sent
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        self.interactive = self.stdin is sys.stdin and self.stdout is sys.stdout and _isatty(self.stdin)
        self.color = color if color is not None else _isatty(self.stdout) and not os.environ.get("NO_COLOR")
        self.verbose = verbose
        self.user_id = user_id if user_id is not None else DEFAULT_USER_ID
        self.language_code = lang or default_language(app.settings)
        self.session = session if session is not None else LocalSession()
        # No token, ever: the console never talks to Telegram, and a placeholder keeps the real one out.
        self.bot: Bot = create_bot(app.settings.model_copy(update={"bot_token": None}), session=self.session)
        self.session.listeners.append(self._on_request)
        self.shown: dict[int | str, Shown] = {}
        self.with_buttons: list[int | str] = []  # keys of shown messages with buttons, most recent last
        self.inline: InlineAnswer | None = None
        self.numbers_pick_results = False
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1_000_000)  # the user's messages; far from the bot's ids
        self._query_ids = itertools.count(1)
        self._inline_message_ids = itertools.count(1)
        self._other_message_ids = itertools.count(1)

    # -- the session -----------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Start the dispatcher, read lines until /quit or end of input, stop the dispatcher."""
        me = self.session.bot_user
        self._print(
            f"roundtable-bot console: you are user {self.user_id} ({self.language_code}) talking to "
            f"@{me.username}; no Telegram, no network. ? for help, /quit to leave."
        )
        for note in self.notes:
            self._print(note)
        workflow = {"dispatcher": self.app.dp, "bots": [self.bot], **self.app.dp.workflow_data}
        await self.app.dp.emit_startup(bot=self.bot, **workflow)
        try:
            async for line in self._lines():
                if not self.interactive:
                    self._print(f"{PROMPT}{line}")
                if not await self.handle_line(line):
                    break
        finally:
            await self.app.dp.emit_shutdown(bot=self.bot, **workflow)
            self._print("bye")

    async def handle_line(self, line: str) -> bool:
        """Act on one typed line; False when the user leaves."""
        text = line.strip()
        if not text:
            return True
        command = text.split(maxsplit=1)[0].lower()
        if command in {"/quit", "/exit"}:
            return False
        if text == "?":
            self._print(HELP)
        elif command == "/lang":
            await self.switch_language(text.partition(" ")[2])
        elif text.startswith("\\"):
            await self.send_message(text[1:])
        elif text.startswith("#") and text[1:].isdigit():
            await self.press(int(text[1:]))
        elif text.isdigit():
            if self.numbers_pick_results:
                await self.pick_result(int(text))
            else:
                await self.press(int(text))
        elif text == "+":
            await self.more_results()
        elif text.startswith("@"):
            await self.inline_query(self._strip_bot_mention(text[1:]))
        else:
            await self.send_message(text)
        return True

    async def _lines(self) -> AsyncIterator[str]:
        """Lines from the input, read in a daemon thread so Ctrl-C and background output are never blocked."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        wanted = threading.Event()
        done = threading.Event()

        def read() -> None:
            while True:
                wanted.wait()
                wanted.clear()
                if done.is_set():
                    return
                try:
                    line: str | None = input(PROMPT) if self.interactive else self.stdin.readline() or None
                except (EOFError, OSError, ValueError):
                    line = None
                loop.call_soon_threadsafe(queue.put_nowait, line)
                if line is None:
                    return

        if self.interactive:
            with suppress(ImportError):  # line editing and history for input(), where available
                import readline  # noqa: F401
        threading.Thread(target=read, name="console-input", daemon=True).start()
        try:
            while True:
                wanted.set()
                line = await queue.get()
                if line is None:
                    if self.interactive:
                        self._print("")
                    return
                yield line.rstrip("\r\n")
        finally:
            done.set()
            wanted.set()

    # -- what the user does ----------------------------------------------------------------------------------
    async def send_message(self, text: str) -> None:
        message = updates.message(next(self._message_ids), self._chat_json(), self._user_json(), text)
        await self.feed({"message": message})

    async def press(self, number: int) -> None:
        shown = self.shown.get(self.with_buttons[-1]) if self.with_buttons else None
        if shown is None:
            self._print("(no message with buttons yet)")
            return
        buttons = shown.buttons
        if not 1 <= number <= len(buttons):
            self._print(f"(the last message has buttons 1-{len(buttons)})")
            return
        await self.press_button(shown, buttons[number - 1])

    async def press_button(self, shown: Shown, button: InlineKeyboardButton) -> None:
        if button.callback_data is not None:
            await self.callback_query(shown, button.callback_data)
        elif button.url is not None:
            payload = self._start_payload(button.url)
            if payload is None:
                self._print(f"(opens {button.url} in a browser)")
            else:
                self._print(f"(opens the bot: /start {payload})".replace(" )", ")"))
                await self.send_message(f"/start {payload}".strip())
        elif button.switch_inline_query is not None:
            self._print(
                f"(inline query in a chat you choose: @{self.session.bot_user.username} "
                f"{button.switch_inline_query})"
            )
            await self.inline_query(button.switch_inline_query)
        elif button.switch_inline_query_current_chat is not None:
            await self.inline_query(button.switch_inline_query_current_chat)
        elif button.switch_inline_query_chosen_chat is not None:
            await self.inline_query(button.switch_inline_query_chosen_chat.query or "")
        elif button.copy_text is not None:
            self._print(f"(copied to the clipboard: {button.copy_text.text})")
        elif button.web_app is not None:
            self._print(f"(opens the web app {button.web_app.url})")
        elif button.login_url is not None:
            self._print(f"(opens {button.login_url.url} with a Telegram login)")
        else:
            self._print("(this kind of button does nothing in the console)")

    async def callback_query(self, shown: Shown, data: str) -> None:
        query_id = f"console-cq-{next(self._query_ids)}"
        user, chat_instance = self._user_json(), f"console-{self.user_id}"
        if isinstance(shown.key, str):  # a message posted through inline mode
            query = updates.callback_query(
                query_id, user, data, chat_instance=chat_instance, inline_message_id=shown.key
            )
        else:
            message = self._bot_message_json(shown.key, shown)
            query = updates.callback_query(query_id, user, data, chat_instance=chat_instance, message=message)
        sent = await self.feed({"callback_query": query})
        if not any(isinstance(m, AnswerCallbackQuery) and m.callback_query_id == query_id for m in sent):
            self._print("(the bot did not answer the button press: Telegram would keep a spinner)")

    async def inline_query(self, query: str, offset: str = "") -> None:
        query_id = f"console-iq-{next(self._query_ids)}"
        self.inline = InlineAnswer(query=query, offset=offset)
        update = {
            "inline_query": updates.inline_query(
                query_id, self._user_json(), query, offset=offset, chat_type="sender"
            )
        }
        sent = await self.feed(update)
        if not any(isinstance(m, AnswerInlineQuery) and m.inline_query_id == query_id for m in sent):
            self._print(f"(no answer to the inline query {query!r}: the bot does not answer inline queries)")
            self.inline = None

    async def more_results(self) -> None:
        if self.inline is None or not self.inline.next_offset:
            self._print("(no more inline results)")
            return
        await self.inline_query(self.inline.query, self.inline.next_offset)

    async def pick_result(self, number: int) -> None:
        answer = self.inline
        if answer is None:
            self._print("(no inline results to pick from)")
            return
        if number == 0 and answer.button is not None:
            if answer.button.start_parameter is not None:
                self._print(f"(opens the bot: /start {answer.button.start_parameter})")
                await self.send_message(f"/start {answer.button.start_parameter}")
            elif answer.button.web_app is not None:
                self._print(f"(opens the web app {answer.button.web_app.url})")
            return
        if not 1 <= number <= len(answer.results):
            self._print(f"(pick 1-{len(answer.results)})" if answer.results else "(no inline results)")
            return
        await self.choose(answer, answer.results[number - 1])

    async def choose(self, answer: InlineAnswer, result: Any) -> None:
        """Post a chosen inline result to the chat as the user's client does; tell the bot if it asks."""
        content = getattr(result, "input_message_content", None)
        markup = getattr(result, "reply_markup", None)
        key = f"console-inline-{next(self._inline_message_ids)}"
        if isinstance(content, InputTextMessageContent):
            shown = Shown(key, None, content.message_text, is_html(content.parse_mode), markup)
        else:
            what = type(result).__name__.removeprefix("InlineQueryResult").lower()
            url = next(
                (
                    getattr(result, n)
                    for n in ("url", "photo_url", "gif_url", "video_url", "audio_url", "document_url")
                    if getattr(result, n, None)
                ),
                "",
            )
            shown = Shown(
                key, None, f"[{what}] {getattr(result, 'title', '') or ''} {url}".strip(), False, markup
            )
        self._show(shown, f"you, via @{self.session.bot_user.username}")
        self.numbers_pick_results = False
        if "chosen_inline_result" in self.app.dp.resolve_used_update_types():
            chosen = updates.chosen_inline_result(
                result.id,
                self._user_json(),
                answer.query,
                inline_message_id=key if markup is not None else None,
            )
            await self.feed({"chosen_inline_result": chosen})

    async def switch_language(self, code: str) -> None:
        code = code.strip().lower()
        if code not in LOCALES:
            self._print(f"(usage: /lang {'|'.join(LOCALES)}; now {self.language_code})")
            return
        self.language_code = code
        note = ""
        users = self.app.store.users
        stored = await users.get_locale(self.user_id)
        if stored is not None and stored != code:
            # A stored choice outranks the Telegram language: switching means changing it too.
            await users.set_locale(self.user_id, code)
            note = " and your stored language choice"
        self._print(f"(switched your Telegram language{note} to {code})")

    # -- feeding the dispatcher ------------------------------------------------------------------------------
    async def feed(self, update: dict[str, Any]) -> list[TelegramMethod[Any]]:
        before = len(self.session.requests)
        refused = len(self.session.refused)
        failure: Exception | None = None
        try:
            await self.app.dp.feed_raw_update(self.bot, {"update_id": next(self._update_ids), **update})
        except Exception as exc:  # the console survives what a handler throws, and says so
            failure = exc
        for method, problems in self.session.refused[refused:]:
            self._print(f"! Telegram would refuse {method.__api_method__}: {'; '.join(problems)}")
        if failure is not None:
            self._print(f"! the update failed: {type(failure).__name__}: {failure}")
        return self.session.requests[before:]

    # -- what the bot does -----------------------------------------------------------------------------------
    def _on_request(self, method: TelegramMethod[Any], result: Any) -> None:
        try:
            self._render_request(method, result)
        except Exception as exc:  # a rendering bug must not look like a bot failure
            self._print(f"! cannot show {method.__api_method__}: {type(exc).__name__}: {exc}")

    def _render_request(self, method: TelegramMethod[Any], result: Any) -> None:
        if isinstance(method, AnswerCallbackQuery):
            if method.text:
                self._print(f"{'alert' if method.show_alert else 'toast'}: {method.text}")
            if method.url:
                self._print(f"(opens {method.url})")
        elif isinstance(method, AnswerInlineQuery):
            self._show_inline_answer(method)
        elif isinstance(method, EditMessageText | EditMessageCaption | EditMessageReplyMarkup):
            self._edited(method)
        elif isinstance(method, DeleteMessage):
            self.shown.pop(method.message_id, None)
            self._forget_buttons(method.message_id)
            self._print(f"(the bot deleted a message{self._elsewhere(method.chat_id, ' in')})")
        elif isinstance(result, Message):
            self._sent(method, result.message_id, result.chat.id)
        elif method.__api_method__.startswith("send") and isinstance(getattr(method, "chat_id", None), int):
            # A kind of message the local session answers without a Message (a photo, a document…).
            self._sent(method, -next(self._other_message_ids), getattr(method, "chat_id", 0))
        elif self.verbose:
            self._print(f"· {method.__api_method__}", dim=True)

    def _sent(self, method: TelegramMethod[Any], message_id: int, chat_id: int) -> None:
        text = getattr(method, "text", None)
        html = is_html(getattr(method, "parse_mode", None))
        if text is None:
            kind = method.__api_method__.removeprefix("send").lower() or "message"
            caption = getattr(method, "caption", None) or ""
            text = f"[{kind}] {caption}".rstrip()
        markup = getattr(method, "reply_markup", None)
        inline_markup = markup if isinstance(markup, InlineKeyboardMarkup) else None
        shown = Shown(message_id, chat_id, text, html, inline_markup)
        chat = "" if chat_id == self.user_id else f" → chat {chat_id}"
        self._show(shown, f"bot{chat}")
        if isinstance(markup, ReplyKeyboardMarkup):
            keys = "  ".join(f"[{b.text}]" for row in markup.keyboard for b in row)
            self._print(f"  keyboard: {keys} (type a key's text)")

    def _edited(self, method: EditMessageText | EditMessageCaption | EditMessageReplyMarkup) -> None:
        key: int | str | None = method.inline_message_id or method.message_id
        if key is None:
            return
        old = self.shown.get(key)
        text: str
        html: bool
        if isinstance(method, EditMessageText):
            text, html = method.text or "", is_html(method.parse_mode)
        elif isinstance(method, EditMessageCaption):
            text, html = method.caption or "", is_html(method.parse_mode)
        else:
            text, html = (old.text, old.html) if old else ("", False)
        markup = method.reply_markup if isinstance(method.reply_markup, InlineKeyboardMarkup) else None
        chat_id = old.chat_id if old else (int(method.chat_id) if isinstance(method.chat_id, int) else None)
        self._show(Shown(key, chat_id, text, html, markup), f"bot (edited){self._elsewhere(chat_id, ' →')}")

    def _elsewhere(self, chat_id: int | str | None, lead: str) -> str:
        """` → chat 42` (or another lead) when a request concerns a chat other than the console user's."""
        return "" if chat_id is None or chat_id == self.user_id else f"{lead} chat {chat_id}"

    def _show(self, shown: Shown, who: str) -> None:
        self.shown[shown.key] = shown
        self._forget_buttons(shown.key)
        lines = [f"{who}:"]
        body = render_text(shown.text, html=shown.html, color=self.color) if shown.text else ""
        lines += [f"  {line}" for line in body.split("\n")] if body else []
        number = itertools.count(1)
        for row in shown.markup.inline_keyboard if shown.markup else []:
            lines.append("  " + "   ".join(f"[{next(number)}] {self._button_label(b)}" for b in row))
        if shown.buttons:
            self.with_buttons.append(shown.key)
            self.numbers_pick_results = False
        self._print("\n".join(lines))

    def _button_label(self, button: InlineKeyboardButton) -> str:
        if button.url:
            return f"{button.text} <{button.url}>"
        if button.switch_inline_query is not None or button.switch_inline_query_current_chat is not None:
            query = button.switch_inline_query or button.switch_inline_query_current_chat or ""
            return f"{button.text} (@{self.session.bot_user.username} {query})".replace(" )", ")")
        return button.text

    def _forget_buttons(self, key: int | str) -> None:
        if key in self.with_buttons:
            self.with_buttons.remove(key)

    def _show_inline_answer(self, method: AnswerInlineQuery) -> None:
        answer = self.inline
        if answer is None or method.inline_query_id is None:
            return
        answer.results = list(method.results)
        answer.next_offset = method.next_offset or None
        answer.button = method.button
        lines = [f'inline results for "{answer.query}": {len(answer.results) or "none"}']
        for number, result in enumerate(answer.results, start=1):
            title = getattr(result, "title", None) or result.id
            description = getattr(result, "description", None)
            lines.append(f"  {number}. {title}" + (f" — {description}" if description else ""))
        if answer.button is not None:
            target = (
                f"/start {answer.button.start_parameter}" if answer.button.start_parameter else "a web app"
            )
            lines.append(f"  0. {answer.button.text} (opens the bot: {target})")
        if answer.next_offset:
            lines.append("  + more")
        if answer.results or answer.button is not None:
            lines.append("  (a number picks one)")
            self.numbers_pick_results = True
        self._print("\n".join(lines))

    # -- Update JSON pieces ----------------------------------------------------------------------------------
    def _user_json(self) -> dict[str, Any]:
        return updates.user(
            self.user_id, "Console", username="console_user", language_code=self.language_code
        )

    def _chat_json(self, chat_id: int | None = None) -> dict[str, Any]:
        chat_id = self.user_id if chat_id is None else chat_id
        if chat_id > 0:
            return updates.private_chat(chat_id, "Console", username="console_user")
        return updates.group_chat(chat_id, "Console group")

    def _bot_message_json(self, message_id: int, shown: Shown) -> dict[str, Any]:
        me = self.session.bot_user
        sender = updates.user(me.id, me.first_name, username=me.username, is_bot=True)
        text = visible_text(shown.text) if shown.html else shown.text
        markup = shown.markup.model_dump(mode="json", exclude_none=True) if shown.markup else None
        return updates.message(message_id, self._chat_json(shown.chat_id), sender, text, reply_markup=markup)

    def _start_payload(self, url: str) -> str | None:
        """The /start payload when `url` is a link that opens this bot (t.me/<bot>?start=…), else None."""
        parts = urlsplit(url)
        username = (self.session.bot_user.username or "").lower()
        if parts.netloc.lower() not in {"t.me", "telegram.me"} or parts.path.strip("/").lower() != username:
            return None
        return parse_qs(parts.query).get("start", [""])[0]

    def _strip_bot_mention(self, text: str) -> str:
        username = self.session.bot_user.username or ""
        if text.lower().startswith(username.lower() + " ") or text.lower() == username.lower():
            return text[len(username) :].lstrip()
        return text

    def _print(self, text: str, *, dim: bool = False) -> None:
        if dim and self.color:
            text = f"\x1b[2m{text}\x1b[0m"
        self.stdout.write(text + "\n")
        self.stdout.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def default_language(settings: Settings) -> str:
    """The terminal's language (LANG/LC_ALL) if the bot speaks it, else DEFAULT_LOCALE."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        locale = locale_from_language_code(os.environ.get(name))
        if locale is not None:
            return locale
    return settings.default_locale


def console_store(settings: Settings) -> Path:
    """The console's own scratch store: `console.sqlite3` next to `DATABASE_PATH` (so `data/console.sqlite3`
    by default, `/data/console.sqlite3` in the container), never the bot's store itself."""
    return settings.database_path.with_name(CONSOLE_STORE_NAME)


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


async def run_console(
    settings: Settings,
    *,
    database: Path | None = None,
    lang: str | None = None,
    user_id: int | None = None,
    verbose: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    color: bool | None = None,
) -> None:
    """The console on its own scratch store, or on `database` if given. The broadcaster runs only on the
    console's own store: on any other, the subscribers' pending and in-flight deliveries are left to the bot
    that serves it (a news item posted in the console is queued there, not sent)."""
    scratch = console_store(settings)
    path = database if database is not None else scratch
    own = _same_file(path, scratch)
    if own:
        notes: tuple[str, ...] = (f"store: {path} (the console's own scratch store; news is delivered here)",)
    else:
        notes = (
            f"store: {path} (not the console's own: news is not sent from the console; items posted here "
            "are queued for that store's subscribers and sent by the bot serving it)",
        )
    async with AsyncExitStack() as stack:
        app = await open_app(settings.model_copy(update={"database_path": path}), stack, broadcast=own)
        console = Console(
            app,
            stdin=stdin,
            stdout=stdout,
            user_id=user_id,
            lang=lang,
            color=color,
            verbose=verbose,
            notes=notes,
        )
        stack.push_async_callback(console.bot.session.close)
        console.notes += (await webapp_note(app, console, stack),)
        await console.run()


async def webapp_note(app: App, console: Console, stack: AsyncExitStack) -> str:
    """The Mini App, served locally: its URL signed for the console's user (README, "The Mini App")."""
    user = console._user_json()
    token = console.bot.token
    try:
        url = await serve_local(
            app.settings, app.store, app.catalog, app.newsroom, app.i18n, token, user, stack
        )
    except SettingsError as exc:
        return f"Mini App: not served ({exc})"
    return f"Mini App: open {url} in a browser (signed for user {console.user_id}, for an hour)"


def console_command(
    settings: Settings,
    *,
    lang: str | None,
    user_id: int | None,
    verbose: bool,
    database: Path | None = None,
) -> int:
    if not verbose:
        # The bot's INFO lines would interleave with the conversation; warnings and errors still show.
        root = logging.getLogger()
        root.setLevel(max(root.level, logging.WARNING))
    asyncio.run(run_console(settings, database=database, lang=lang, user_id=user_id, verbose=verbose))
    return 0
