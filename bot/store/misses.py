"""Searches that found nobody, so editors can add the alias or the spelling readers tried.

Only the query is kept, normalised (case, width and spacing folded), counted per UTC day: no user id, no
chat, no time of day. Rows older than `KEEP_DAYS` are deleted. The table is bounded: past `DAY_LIMIT`
different queries in one day, new ones that day are not recorded (those already there still count), so a
flood of random queries adds at most `DAY_LIMIT` rows a day, `DAY_LIMIT * KEEP_DAYS` in all.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.store.db import Database

KEEP_DAYS = 90
DAY_LIMIT = 1000
MAX_CHARS = 64  # longer is a sentence, not a name; kept cut to this
_SPACE = re.compile(r"\s+")
_EDGE = "\"'«»“”„‘’()[]{}<>.,;:!?¿¡…-—–·、，。：；！？《》「」"


@dataclass(frozen=True)
class Miss:
    query: str
    count: int


def normalise(query: str) -> str | None:
    """How a miss is stored: NFKC, casefolded, one space between words, no quotes or punctuation around it;
    None for what is not worth keeping (shorter than two characters, or a command)."""
    text = _SPACE.sub(" ", unicodedata.normalize("NFKC", query).casefold()).strip().strip(_EDGE).strip()
    if len(text) < 2 or text.startswith("/"):
        return None
    return text[:MAX_CHARS].rstrip()


class SearchMisses:
    """The search-miss table: `record` on a search that found nobody, `top` for editors."""

    def __init__(self, db: Database, wall: Callable[[], float] = time.time) -> None:
        self.db = db
        self.wall = wall
        self._pruned: str | None = None  # the day old rows were last deleted

    def _day(self, days_ago: int = 0) -> str:
        moment = dt.datetime.fromtimestamp(self.wall(), dt.UTC) - dt.timedelta(days=days_ago)
        return moment.strftime("%Y-%m-%d")

    async def record(self, query: str) -> None:
        text = normalise(query)
        if text is None:
            return
        today = self._day()
        async with self.db.transaction() as conn:
            if self._pruned != today:
                await conn.execute("DELETE FROM search_miss WHERE day < ?", (self._day(KEEP_DAYS),))
                self._pruned = today
            cur = await conn.execute(
                "UPDATE search_miss SET count = count + 1 WHERE day = ? AND query = ?", (today, text)
            )
            if cur.rowcount == 0:  # a new query: added only while the day holds fewer than DAY_LIMIT
                await conn.execute(
                    "INSERT INTO search_miss (day, query, count) SELECT ?, ?, 1 "
                    "WHERE (SELECT count(*) FROM search_miss WHERE day = ?) < ?",
                    (today, text, today, DAY_LIMIT),
                )

    async def top(self, days: int = 7, limit: int | None = 20) -> list[Miss]:
        """The most frequent misses of the last `days` days (today included), most frequent first."""
        async with self.db.read(
            "SELECT query, sum(count) AS n FROM search_miss WHERE day > ? GROUP BY query "
            "ORDER BY n DESC, query LIMIT ?",
            (self._day(max(days, 1)), -1 if limit is None else limit),
        ) as cur:
            return [Miss(str(row[0]), int(row[1])) for row in await cur.fetchall()]

    async def rows(self) -> int:
        async with self.db.read("SELECT count(*) FROM search_miss") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0
