"""Telegram HTML for the page: whatever a news item or a card holds is reduced to Telegram's own tag set
(bold, italic, underline, strike, spoiler, code, pre, blockquote, links) before it reaches a browser.

Every other tag is dropped (its text kept, escaped), `<script>`/`<style>` with their content; attributes
are dropped but a link's `href`, kept only for http(s), tg: and mailto: addresses. The result is safe to
give `innerHTML`.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

# Telegram's tags → the tag the page uses.
TAGS: dict[str, str] = {
    "b": "b",
    "strong": "b",
    "i": "i",
    "em": "i",
    "u": "u",
    "ins": "u",
    "s": "s",
    "strike": "s",
    "del": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "a",
    "tg-spoiler": "span",
    "span": "span",  # only <span class="tg-spoiler">
}
DROP_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "svg", "math"})
LINK_SCHEMES = ("https://", "http://", "tg://", "mailto:")


class _Reducer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []  # the page's tags, as opened
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_WITH_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in TAGS:
            return
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            self.open.append("")  # a plain span: nothing opened, but its end must match
            return
        page_tag = TAGS[tag]
        if page_tag == "a":
            href = next((value for name, value in attrs if name == "href" and value), "")
            if not href.strip().lower().startswith(LINK_SCHEMES):
                self.open.append("")
                return
            self.out.append(
                f'<a href="{html.escape(href.strip(), quote=True)}" rel="noopener" target="_blank">'
            )
        elif page_tag == "span":
            self.out.append('<span class="spoiler">')
        else:
            self.out.append(f"<{page_tag}>")
        self.open.append(page_tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in TAGS or not self.open:
            return
        page_tag = self.open.pop()
        if page_tag:
            self.out.append(f"</{page_tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        self.out += [f"</{tag}>" for tag in reversed(self.open) if tag]
        return "".join(self.out)


def reduce_html(text: str) -> str:
    """`text` (Telegram HTML, or anything) with only Telegram's tags left, everything else escaped."""
    reducer = _Reducer()
    reducer.feed(text)
    return reducer.result()
