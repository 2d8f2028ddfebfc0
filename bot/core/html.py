"""Telegram HTML for texts we assemble: escaping and the few tags cards and news use.

aiogram's `html_decoration` underneath; `hbold`/`hitalic` do not escape (their argument is HTML already),
`q` does, and `hlink` escapes the URL, which aiogram leaves raw.
"""

from __future__ import annotations

import html

from aiogram.utils.text_decorations import html_decoration as hd

q = hd.quote
hbold = hd.bold
hitalic = hd.italic


def hlink(title: str, url: str) -> str:
    """A link; `title` must already be escaped, the URL is escaped here (aiogram leaves it raw)."""
    return hd.link(title, html.escape(url, quote=True))
