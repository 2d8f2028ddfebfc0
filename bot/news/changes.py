"""The change outbox: after an item is edited or retracted, one row per delivered copy (`delivery_change`),
drained by the broadcaster like deliveries (pending → sending → done / dropped / failed).

A newer change of the same copy replaces a waiting one and bumps its `generation`; a copy's change that is in
flight when a newer one arrives is finished only for the generation it claimed, so the newer one still runs.
A retraction is never turned back into an edit. Rows left `sending` by a crash are run again on start: an edit
twice gives the same text, a delete twice finds nothing to delete, so no copy is touched twice in effect and
none is forgotten.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.news.models import NEWS_LOCALES
from bot.store.db import Database
from bot.store.users import utcnow

CHANGE_STATES: tuple[str, ...] = ("pending", "sending", "done", "dropped", "failed")
# Telegram deletes a bot's message in a private chat only while it is younger than 48 hours; older copies
# are edited into a "withdrawn" note. A margin keeps a delete from racing the boundary.
DELETE_WINDOW = 48 * 3600.0
DELETE_MARGIN = 600.0


# -- inside a transaction of the items' repository or the outbox ------------------------------------------
# Each queueing below replaces a change waiting for the same copy (a retraction is never turned back into
# an edit), as `changes` module docstring says.
async def queue_edits(conn: Any, item_id: int, locales: Sequence[str], revision: int) -> int:
    """Every copy sent in one of `locales` from a revision older than `revision` is to be edited; returns how
    many. A copy still in flight is queued when it is recorded, if it turns out stale (`queue_stale`)."""
    wanted = [loc if loc in locales else None for loc in NEWS_LOCALES]
    cur = await conn.execute(
        "INSERT INTO delivery_change (item_id, user_id, action, updated_at) "
        "SELECT item_id, user_id, 'edit', ? FROM delivery WHERE item_id = ? AND state = 'sent' "
        "AND locale IN (?, ?, ?) AND coalesce(revision, 0) < ? "
        "ON CONFLICT (item_id, user_id) DO UPDATE SET "
        "action = CASE WHEN delivery_change.action = 'retract' THEN 'retract' ELSE excluded.action END, "
        "state = 'pending', generation = generation + 1, attempts = 0, next_attempt_at = 0, "
        "last_error = NULL, media_kept = 0, updated_at = excluded.updated_at",
        (utcnow(), item_id, *wanted, revision),
    )
    return int(cur.rowcount)


async def queue_retractions(conn: Any, item_id: int) -> int:
    """Every copy sent is to be deleted (or withdrawn); returns how many. One in flight: as for edits."""
    cur = await conn.execute(
        "INSERT INTO delivery_change (item_id, user_id, action, updated_at) "
        "SELECT item_id, user_id, 'retract', ? FROM delivery WHERE item_id = ? AND state = 'sent' "
        "ON CONFLICT (item_id, user_id) DO UPDATE SET "
        "action = CASE WHEN delivery_change.action = 'retract' THEN 'retract' ELSE excluded.action END, "
        "state = 'pending', generation = generation + 1, attempts = 0, next_attempt_at = 0, "
        "last_error = NULL, media_kept = 0, updated_at = excluded.updated_at",
        (utcnow(), item_id),
    )
    return int(cur.rowcount)


async def queue_stale(conn: Any, sent: Sequence[tuple[int, int, int | None]]) -> None:
    """Copies just recorded sent, as (item, user, revision rendered from): one rendered before its language
    was corrected is queued for an edit, one of an item retracted meanwhile for deletion. Almost always no
    item of the batch changed since its copies were rendered: one read says so, and nothing more is done."""
    oldest: dict[int, int] = {}
    for item_id, _, revision in sent:
        oldest[item_id] = min(oldest.get(item_id, revision or 0), revision or 0)
    if not oldest:
        return
    async with conn.execute(
        "SELECT id FROM news_item WHERE id IN (SELECT value FROM json_each(?)) "
        "AND (retracted_at IS NOT NULL OR revision > ?)",
        (json.dumps(list(oldest)), min(oldest.values())),
    ) as cur:
        changed = {int(row[0]) for row in await cur.fetchall()}
    if not changed:
        return
    await conn.executemany(
        "INSERT INTO delivery_change (item_id, user_id, action, updated_at) "
        "SELECT d.item_id, d.user_id, CASE WHEN i.retracted_at IS NULL THEN 'edit' ELSE 'retract' END, ? "
        "FROM delivery d JOIN news_item i ON i.id = d.item_id "
        "WHERE d.item_id = ? AND d.user_id = ? AND d.state = 'sent' "
        "AND (i.retracted_at IS NOT NULL OR d.revision < CASE d.locale WHEN 'ru' THEN i.revised_ru "
        "WHEN 'en' THEN i.revised_en ELSE i.revised_zh END) "
        "ON CONFLICT (item_id, user_id) DO UPDATE SET "
        "action = CASE WHEN delivery_change.action = 'retract' THEN 'retract' ELSE excluded.action END, "
        "state = 'pending', generation = generation + 1, attempts = 0, next_attempt_at = 0, "
        "last_error = NULL, media_kept = 0, updated_at = excluded.updated_at",
        [(utcnow(), item_id, user_id) for item_id, user_id, _ in sent if item_id in changed],
    )


@dataclass(frozen=True)
class DueChange:
    """A change to run, with the copy it applies to."""

    item_id: int
    user_id: int
    action: str  # edit, retract
    generation: int
    attempts: int
    copy_state: str | None  # the delivery's state: sent, or sending while the copy is still in flight
    message_id: int | None
    locale: str | None
    sent_at: float | None


@dataclass(frozen=True)
class ChangeProgress:
    item_id: int
    done: int
    dropped: int
    failed: int
    left: int
    chat_id: int | None
    message_id: int | None
    locale: str | None
    retracted: bool
    in_flight: int = 0  # copies being sent from an older revision: each may still need this change
    media_kept: int = 0  # of `done`: copies past 48 hours whose photo or file stays (the caption says so)


class ChangeRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recover(self) -> int:
        """After a crash: changes left in flight are run again (an edit or a delete twice is harmless)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE delivery_change SET state = 'pending', updated_at = ? WHERE state = 'sending'",
                (utcnow(),),
            )
            return cur.rowcount

    async def due(self, now: float, limit: int) -> list[DueChange]:
        async with self.db.read(
            "SELECT c.item_id, c.user_id, c.action, c.generation, c.attempts, d.state, d.message_id, "
            "d.locale, d.sent_at FROM delivery_change c "
            "LEFT JOIN delivery d ON d.item_id = c.item_id AND d.user_id = c.user_id "
            "WHERE c.state = 'pending' AND c.next_attempt_at <= ? "
            "ORDER BY c.next_attempt_at, c.item_id, c.user_id LIMIT ?",
            (now, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [
            DueChange(
                item_id=row[0],
                user_id=row[1],
                action=row[2],
                generation=row[3],
                attempts=row[4],
                copy_state=row[5],
                message_id=row[6],
                locale=row[7],
                sent_at=row[8],
            )
            for row in rows
        ]

    async def next_due_at(self) -> float | None:
        async with self.db.read(
            "SELECT min(next_attempt_at) FROM delivery_change WHERE state = 'pending'"
        ) as cur:
            row = await cur.fetchone()
        return float(row[0]) if row and row[0] is not None else None

    async def mark_sending(self, change: DueChange) -> bool:
        """Claim a pending change (of the generation read) before the call; False when it changed since."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE delivery_change SET state = 'sending', attempts = attempts + 1, updated_at = ? "
                "WHERE item_id = ? AND user_id = ? AND state = 'pending' AND generation = ?",
                (utcnow(), change.item_id, change.user_id, change.generation),
            )
            return cur.rowcount == 1

    async def finish(
        self,
        change: DueChange,
        state: str,
        error: str | None = None,
        *,
        unsubscribe: bool = False,
        media_kept: bool = False,
    ) -> None:
        """done, dropped or failed — only for the generation claimed (a newer change stays pending);
        `unsubscribe`: the reader blocked the bot since, as a broadcast's 403 does; `media_kept`: a withdrawn
        copy's photo or file stays in the chat (Telegram deletes only messages younger than 48 hours)."""
        async with self.db.transaction() as conn:
            if unsubscribe:
                await conn.execute("DELETE FROM subscription WHERE user_id = ?", (change.user_id,))
            await conn.execute(
                "UPDATE delivery_change SET state = ?, last_error = coalesce(?, last_error), media_kept = ?, "
                "updated_at = ? WHERE item_id = ? AND user_id = ? AND generation = ? AND state = 'sending'",
                (state, error, int(media_kept), utcnow(), change.item_id, change.user_id, change.generation),
            )

    async def retry_later(
        self, change: DueChange, error: str, at: float, *, count_attempt: bool = True, claimed: bool = True
    ) -> None:
        """Back to pending until `at` (`claimed=False`: it was never marked sending, e.g. its copy is still
        in flight)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE delivery_change SET state = 'pending', last_error = ?, next_attempt_at = ?, "
                "updated_at = ?, attempts = attempts - ? "
                "WHERE item_id = ? AND user_id = ? AND generation = ? AND state = ?",
                (
                    error,
                    at,
                    utcnow(),
                    0 if count_attempt else 1,
                    change.item_id,
                    change.user_id,
                    change.generation,
                    "sending" if claimed else "pending",
                ),
            )

    async def progress(self, item_id: int) -> ChangeProgress | None:
        async with self.db.read(
            "SELECT i.id, i.change_chat_id, i.change_message_id, i.change_locale, "
            "i.retracted_at IS NOT NULL, "
            "coalesce(sum(c.state = 'done'), 0), coalesce(sum(c.state = 'dropped'), 0), "
            "coalesce(sum(c.state = 'failed'), 0), coalesce(sum(c.state IN ('pending', 'sending')), 0), "
            "(SELECT count(*) FROM delivery d WHERE d.item_id = i.id AND d.state = 'sending' "
            "AND coalesce(d.revision, 0) < i.revision), "
            "coalesce(sum(c.state = 'done' AND c.media_kept), 0) "
            "FROM news_item i LEFT JOIN delivery_change c ON c.item_id = i.id WHERE i.id = ? GROUP BY i.id",
            (item_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return ChangeProgress(
            item_id=row[0],
            chat_id=row[1],
            message_id=row[2],
            locale=row[3],
            retracted=bool(row[4]),
            done=row[5],
            dropped=row[6],
            failed=row[7],
            left=row[8],
            in_flight=row[9],
            media_kept=row[10],
        )

    async def unreported(self) -> list[int]:
        """Items whose latest change has an admin's message waiting for its result."""
        async with self.db.read(
            "SELECT id FROM news_item WHERE change_message_id IS NOT NULL AND change_reported_at IS NULL "
            "ORDER BY id"
        ) as cur:
            return [int(row[0]) for row in await cur.fetchall()]

    async def mark_reported(self, item_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE news_item SET change_reported_at = ? WHERE id = ?", (utcnow(), item_id)
            )

    async def copies(self, item_id: int, locale: str | None = None) -> int:
        """Copies of an item delivered (or in flight), in `locale` or in any language."""
        async with self.db.read(
            "SELECT count(*) FROM delivery WHERE item_id = :item AND "
            "(state = 'sending' OR (state = 'sent' AND (:locale IS NULL OR locale = :locale)))",
            {"item": item_id, "locale": locale},
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CHANGE_STATES, 0)
        async with self.db.read("SELECT state, count(*) FROM delivery_change GROUP BY state") as cur:
            for row in await cur.fetchall():
                counts[row[0]] = int(row[1])
        return counts
