"""Telegram's limits, checked on our side: aiogram sends whatever it is given, Telegram then refuses it.

Used by `content check`, by the local session (tests and the console refuse what Telegram would) and by
code that builds long texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
INLINE_RESULTS_LIMIT = 50
INLINE_ID_LIMIT = 64
INLINE_OFFSET_LIMIT = 64
KEYBOARD_ROW_LIMIT = 8
KEYBOARD_TOTAL_LIMIT = 100
START_PARAM_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
ALLOWED_ENTITIES = {"lt", "gt", "amp", "quot"}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"unsupported tag <{tag}>")
            return
        if tag == "a" and not any(k == "href" and v for k, v in attrs):
            self.errors.append("<a> without href")
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            self.errors.append("<span> without class tg-spoiler")
        if tag == "blockquote":  # `<blockquote expandable>` collapses a long quote; quotes do not nest
            if any(name != "expandable" for name, _ in attrs):
                self.errors.append("<blockquote> with an attribute other than expandable")
            if "blockquote" in self.stack:
                self.errors.append("nested <blockquote>")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing tag <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.errors.append("unescaped < or >")
        self.text_parts.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ALLOWED_ENTITIES:
            self.errors.append(f"unsupported entity &{name};")
        self.text_parts.append({"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(name, "?"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name.lower().startswith("x") else int(name)
            self.text_parts.append(chr(code))
        except (ValueError, OverflowError):
            self.errors.append(f"bad character reference &#{name};")

    def handle_comment(self, data: str) -> None:
        self.errors.append("HTML comment")

    def handle_decl(self, decl: str) -> None:
        self.errors.append("declaration")

    def unknown_decl(self, data: str) -> None:
        self.errors.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.errors.append("processing instruction")


def html_problems(text: str) -> list[str]:
    """Why Telegram would refuse `text` in HTML parse mode (empty list: it is valid)."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    errors = list(parser.errors)
    if parser.stack:
        errors.append(f"unclosed <{parser.stack[-1]}>")
    if re.search(r"&(?![A-Za-z]+;|#\d+;|#x[0-9A-Fa-f]+;)", text):
        errors.append("unescaped &")
    return errors


def visible_text(text: str) -> str:
    """The text a reader sees once Telegram has parsed the HTML entities and tags."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    return "".join(parser.text_parts)


@dataclass(frozen=True)
class TextProblem:
    """Why Telegram would refuse a text: `kind` ("html", "empty", "too_long") for people's own language,
    `detail` in English for logs and the shell; `length` and `limit` for "too_long"."""

    kind: str
    detail: str
    length: int = 0
    limit: int = 0


def message_issues(text: str, *, html: bool = True, limit: int = MESSAGE_LIMIT) -> list[TextProblem]:
    problems = [TextProblem("html", detail) for detail in html_problems(text)] if html else []
    visible = visible_text(text) if html else text
    if not visible.strip():
        problems.append(TextProblem("empty", "text is empty"))
    length = utf16_len(visible)
    if length > limit:
        problems.append(TextProblem("too_long", f"text is too long ({length} > {limit})", length, limit))
    return problems


def message_problems(text: str, *, html: bool = True, limit: int = MESSAGE_LIMIT) -> list[str]:
    return [problem.detail for problem in message_issues(text, html=html, limit=limit)]


def keyboard_problems(markup: Any) -> list[str]:
    """Problems of an InlineKeyboardMarkup (or None)."""
    if markup is None or not hasattr(markup, "inline_keyboard"):
        return []
    problems = []
    rows = markup.inline_keyboard
    total = sum(len(row) for row in rows)
    if total > KEYBOARD_TOTAL_LIMIT:
        problems.append(f"reply markup is too long ({total} buttons)")
    for row in rows:
        if len(row) > KEYBOARD_ROW_LIMIT:
            problems.append(f"keyboard row has {len(row)} buttons")
        for button in row:
            if not button.text:
                problems.append("button without text")
            data = button.callback_data
            if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                problems.append(f"callback_data {data!r} is not 1-64 bytes")
    return problems
