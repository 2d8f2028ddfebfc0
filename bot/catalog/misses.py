"""What readers looked for in vain, as editors see it: the stored misses (store/misses.py) that the content
being served still does not answer. An alias added to content/ makes its miss disappear from the list at
once; the counts stay until they age out."""

from __future__ import annotations

from bot.catalog.search import SearchIndex
from bot.core.html import q
from bot.core.i18n import Translator
from bot.store.misses import Miss, SearchMisses

STATS_DAYS = 7
STATS_SHOWN = 10


async def top_misses(
    misses: SearchMisses, index: SearchIndex, days: int, limit: int | None = None
) -> list[Miss]:
    """The most frequent misses of the last `days` days that the content still finds nobody for."""
    found: list[Miss] = []
    for miss in await misses.top(days, None):
        if limit is not None and len(found) >= limit:
            break
        if not index.matches(miss.query, 1, documents=True):
            found.append(miss)
    return found


async def missed_searches_text(t: Translator, misses: SearchMisses, index: SearchIndex) -> str:
    """/stats: the top misses of the last week, one a line (the queries quoted as typed: escaped)."""
    top = await top_misses(misses, index, STATS_DAYS, STATS_SHOWN)
    if not top:
        return t._("🔎 Every search of the last 7 days found someone.")
    lines = [t._("🔎 <b>Searches that found nobody</b>, last 7 days:")]
    lines += [f"{q(miss.query)} × {miss.count}" for miss in top]
    return "\n".join(lines)
