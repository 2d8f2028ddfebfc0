"""Telegram HTML as a terminal shows it: styles as ANSI escapes (or none), links as `text <url>`."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from aiogram.client.default import Default

# ANSI SGR codes for Telegram's HTML tags.
_SGR = {
    "b": "1", "strong": "1", "i": "3", "em": "3", "u": "4", "ins": "4",
    "s": "9", "strike": "9", "del": "9", "code": "36", "pre": "36", "tg-spoiler": "2",
}  # fmt: skip


class _TerminalHTML(HTMLParser):
    """Telegram HTML as terminal text: styles as ANSI (or none), links as `text <url>`, entities decoded."""

    def __init__(self, color: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.color = color
        self.out: list[str] = []
        self.plain: list[str] = []
        self.styles: list[str] = []
        self.links: list[tuple[str, int]] = []
        self.quote_depth = 0
        self.active: tuple[str, ...] = ()

    def _emit(self, text: str) -> None:
        if self.quote_depth:
            text = text.replace("\n", "\n│ ")
        self.out.append(text)
        self.plain.append(text)

    def _restyle(self) -> None:
        active = tuple(code for code in self.styles if code)
        if self.color and active != self.active:
            self.out.append(("\x1b[0m" if self.active else "") + "".join(f"\x1b[{c}m" for c in active))
            self.active = active

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a":
            self.links.append((attributes.get("href") or "", len(self.plain)))
        if tag == "blockquote":
            self.quote_depth += 1
            self._emit("│ ")
        code = _SGR.get(tag, "")
        if tag == "span" and attributes.get("class") == "tg-spoiler":
            code = _SGR["tg-spoiler"]
        self.styles.append(code)
        self._restyle()

    def handle_endtag(self, tag: str) -> None:
        if self.styles:
            self.styles.pop()
            self._restyle()
        if tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.plain[start:])
            if href and href != text.strip():
                self._emit(f" <{href}>")
        if tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1

    def handle_data(self, data: str) -> None:
        self._emit(data)

    def render(self, text: str) -> str:
        self.feed(text)
        self.close()
        if self.active:
            self.out.append("\x1b[0m")
        return "".join(self.out)


def render_text(text: str, *, html: bool, color: bool) -> str:
    """A message as a terminal shows it: HTML rendered (ANSI styles when `color`), anything else as is."""
    return _TerminalHTML(color).render(text) if html else text


def is_html(parse_mode: Any) -> bool:
    """Whether a method's `parse_mode` means HTML."""
    # An unresolved `Default` (inside inline results) means the bot's default: HTML here.
    if isinstance(parse_mode, Default):
        return True
    return str(getattr(parse_mode, "value", parse_mode) or "").upper() == "HTML"
