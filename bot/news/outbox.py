"""The news outbox: one delivery row per (item, subscriber), a small state machine the broadcaster drains
(pending → sending → sent / dropped / failed), and the figures /stats reports.

The broadcaster claims deliveries (`sending`) a few at a time in one transaction before it sends them, and
records what became of them in batches (`record`), so a fast broadcast costs a few transactions a second, not
two a message."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.news import changes
from bot.store.db import Database
from bot.store.users import utcnow

STATES: tuple[str, ...] = ("pending", "sending", "sent", "dropped", "failed")


@dataclass(frozen=True)
class DueDelivery:
    """A pending delivery with what the broadcaster needs to send it: the subscriber's language settings
    and whether they are still subscribed."""

    item_id: int
    user_id: int
    attempts: int
    locale: str | None
    language_code: str | None
    subscribed: bool
    revision: int | None = None  # the item's revision when the row was claimed (set by `claim`)


@dataclass(frozen=True)
class DeliveryResult:
    """What became of a claimed delivery, to be written: its new state and what goes with it."""

    item_id: int
    user_id: int
    state: str  # sent, dropped, failed, or pending: sent again at `next_attempt_at`
    error: str | None = None  # None keeps the last error
    message_id: int | None = None  # sent: the copy's message id, the locale it was written in, and when
    locale: str | None = None
    sent_at: float | None = None  # wall seconds
    next_attempt_at: float | None = None  # pending: when it is due again (None: as it was)
    attempt_counted: bool = True  # False gives back the attempt `claim` took (a 429, an outage, a release)
    unsubscribe: bool = False  # the user blocked the bot: their subscription ends in the same write
    revision: int | None = None  # sent: the item's revision the copy was rendered from


@dataclass(frozen=True)
class ItemProgress:
    item_id: int
    sent: int
    dropped: int
    failed: int
    left: int
    progress_chat_id: int | None
    progress_message_id: int | None
    progress_locale: str | None

    @property
    def done(self) -> bool:
        return self.left == 0


@dataclass(frozen=True)
class SubscriberLanguage:
    locale: str | None
    language_code: str | None
    count: int


# -- inside a transaction of the items' repository (an item posted, released or retracted) -----------------
async def queue_all(conn: Any, item_id: int) -> int:
    """One pending delivery per current subscriber; returns how many."""
    cur = await conn.execute(
        "INSERT INTO delivery (item_id, user_id, updated_at) "
        "SELECT ?, user_id, ? FROM subscription ORDER BY user_id",
        (item_id, utcnow()),
    )
    return int(cur.rowcount)


async def count_queued(conn: Any, item_id: int) -> int:
    """Deliveries an item was given (a repeated post answers with this)."""
    async with conn.execute("SELECT count(*) FROM delivery WHERE item_id = ?", (item_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def drop_pending(conn: Any, item_id: int, reason: str) -> None:
    """Deliveries not made yet will not be (the item was retracted)."""
    await conn.execute(
        "UPDATE delivery SET state = 'dropped', last_error = ?, updated_at = ? "
        "WHERE item_id = ? AND state = 'pending'",
        (reason, utcnow(), item_id),
    )


async def forget_in(conn: Any, user_id: int) -> None:
    """/forget's part here, inside its transaction (`UserRepository.forget`)."""
    await conn.execute("DELETE FROM delivery_change WHERE user_id = ?", (user_id,))
    await conn.execute("DELETE FROM delivery WHERE user_id = ?", (user_id,))


class OutboxRepository:
    """Delivery rows. `next_attempt_at` and `now` are seconds of the broadcaster's clock."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def recover(self) -> int:
        """After a crash: rows left in flight may or may not have reached Telegram; send them again."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE delivery SET state = 'pending', updated_at = ? WHERE state = 'sending'", (utcnow(),)
            )
            return cur.rowcount

    async def due(self, now: float, limit: int) -> list[DueDelivery]:
        async with self.db.read(
            "SELECT d.item_id, d.user_id, d.attempts, u.locale, u.language_code, "
            "s.user_id IS NOT NULL AS subscribed "
            # The partial index holds exactly the pending rows in this order; left to itself, SQLite walks
            # the state index and sorts every pending row (50 ms at 100,000, several times a second).
            "FROM delivery d INDEXED BY delivery_due "
            "LEFT JOIN user u ON u.id = d.user_id "
            "LEFT JOIN subscription s ON s.user_id = d.user_id "
            "WHERE d.state = 'pending' AND d.next_attempt_at <= ? "
            "ORDER BY d.next_attempt_at, d.item_id, d.user_id LIMIT ?",
            (now, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [
            DueDelivery(
                item_id=row[0],
                user_id=row[1],
                attempts=row[2],
                locale=row[3],
                language_code=row[4],
                subscribed=bool(row[5]),
            )
            for row in rows
        ]

    async def next_due_at(self) -> float | None:
        """When the earliest pending delivery is due (None: nothing is pending)."""
        async with self.db.read(
            "SELECT min(next_attempt_at) FROM delivery INDEXED BY delivery_due WHERE state = 'pending'"
        ) as cur:
            row = await cur.fetchone()
        return float(row[0]) if row and row[0] is not None else None

    async def claim(self, deliveries: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
        """Mark these (item, user) deliveries `sending`, in one transaction, before any of them is sent;
        returns those that were still pending (now the caller's to send and to `record`), each with the
        item's revision now (kept in the row: a change stored later knows the copy may be stale)."""
        by_item: dict[int, list[int]] = {}
        for item_id, user_id in deliveries:
            by_item.setdefault(item_id, []).append(user_id)
        claimed: dict[tuple[int, int], int] = {}
        if not by_item:
            return claimed
        async with self.db.transaction() as conn:
            for item_id, users in by_item.items():
                # The users as one JSON array parameter: a literal statement, however many are claimed.
                async with conn.execute(
                    "UPDATE delivery SET state = 'sending', attempts = attempts + 1, updated_at = ?, "
                    "revision = (SELECT revision FROM news_item WHERE id = delivery.item_id) "
                    "WHERE item_id = ? AND state = 'pending' AND user_id IN (SELECT value FROM json_each(?)) "
                    "RETURNING user_id, revision",
                    (utcnow(), item_id, json.dumps(users)),
                ) as cur:
                    claimed.update(((item_id, int(row[0])), int(row[1] or 1)) for row in await cur.fetchall())
        return claimed

    async def record(self, results: Sequence[DeliveryResult]) -> None:
        """Write what became of claimed deliveries, all in one transaction. A copy sent from a text that was
        corrected meanwhile, or of an item retracted meanwhile, is queued for that change in the same
        transaction (`changes.queue_stale`): no stale copy escapes the change outbox."""
        if not results:
            return
        now = utcnow()
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE delivery SET state = ?, last_error = coalesce(?, last_error), "
                "next_attempt_at = coalesce(?, next_attempt_at), attempts = attempts - ?, "
                "message_id = coalesce(?, message_id), locale = coalesce(?, locale), "
                "sent_at = coalesce(?, sent_at), revision = coalesce(?, revision), updated_at = ? "
                "WHERE item_id = ? AND user_id = ?",
                [
                    (
                        r.state,
                        r.error,
                        r.next_attempt_at,
                        0 if r.attempt_counted else 1,
                        r.message_id,
                        r.locale,
                        r.sent_at,
                        r.revision,
                        now,
                        r.item_id,
                        r.user_id,
                    )
                    for r in results
                ],
            )
            sent = [(r.item_id, r.user_id, r.revision) for r in results if r.state == "sent"]
            await changes.queue_stale(conn, sent)
            unsubscribed = [(r.user_id,) for r in results if r.unsubscribe]
            if unsubscribed:
                await conn.executemany("DELETE FROM subscription WHERE user_id = ?", unsubscribed)

    # One delivery at a time: the same writes as `claim` and `record`.
    async def mark_sending(self, item_id: int, user_id: int) -> bool:
        """Claim a pending delivery before the call to Telegram; False when it is no longer pending."""
        return bool(await self.claim([(item_id, user_id)]))

    async def mark_sent(
        self,
        item_id: int,
        user_id: int,
        *,
        message_id: int | None = None,
        locale: str | None = None,
        sent_at: float | None = None,
        revision: int | None = None,
    ) -> None:
        await self.record(
            [
                DeliveryResult(
                    item_id,
                    user_id,
                    "sent",
                    message_id=message_id,
                    locale=locale,
                    sent_at=sent_at,
                    revision=revision,
                )
            ]
        )

    async def fail(self, item_id: int, user_id: int, error: str) -> None:
        await self.record([DeliveryResult(item_id, user_id, "failed", error)])

    async def drop(self, item_id: int, user_id: int, error: str, *, unsubscribe: bool = False) -> None:
        """Give up on a subscriber who cannot receive messages (blocked, deleted, unknown chat)."""
        await self.record([DeliveryResult(item_id, user_id, "dropped", error, unsubscribe=unsubscribe)])

    async def retry_later(
        self, item_id: int, user_id: int, error: str, at: float, *, count_attempt: bool = True
    ) -> None:
        """Back to pending until `at`; a 429 is not the delivery's fault, so it gives its attempt back."""
        await self.record(
            [
                DeliveryResult(
                    item_id, user_id, "pending", error, next_attempt_at=at, attempt_counted=count_attempt
                )
            ]
        )

    async def forget(self, user_id: int) -> None:
        """Delete every delivery row for `user_id`, and the edits or retractions waiting for their copies."""
        async with self.db.transaction() as conn:
            await forget_in(conn, user_id)

    async def get(self, item_id: int, user_id: int) -> dict[str, Any] | None:
        async with self.db.read(
            "SELECT * FROM delivery WHERE item_id = ? AND user_id = ?", (item_id, user_id)
        ) as cur:
            row = await cur.fetchone()
        return dict(row) if row else None

    async def unfinished(self) -> list[ItemProgress]:
        """Progress of every item whose delivery has not been reported finished yet."""
        return await self._progress(None)

    async def progress(self, item_id: int) -> ItemProgress | None:
        found = await self._progress(item_id)
        return found[0] if found else None

    async def _progress(self, item_id: int | None) -> list[ItemProgress]:
        """One item's figures, or (None) those of every unfinished item."""
        # Each figure is counted in the state index ((state, item_id, …) entries): a fifth of the time of
        # reading every delivery row of the item, which the progress message does every few seconds.
        async with self.db.read(
            "SELECT i.id, i.progress_chat_id, i.progress_message_id, i.progress_locale, "
            "(SELECT count(*) FROM delivery WHERE state = 'sent' AND item_id = i.id), "
            "(SELECT count(*) FROM delivery WHERE state = 'dropped' AND item_id = i.id), "
            "(SELECT count(*) FROM delivery WHERE state = 'failed' AND item_id = i.id), "
            "(SELECT count(*) FROM delivery WHERE state IN ('pending', 'sending') AND item_id = i.id) "
            "FROM news_item i WHERE i.id = :item OR (:item IS NULL AND i.finished_at IS NULL) ORDER BY i.id",
            {"item": item_id},
        ) as cur:
            rows = await cur.fetchall()
        return [
            ItemProgress(
                item_id=row[0],
                progress_chat_id=row[1],
                progress_message_id=row[2],
                progress_locale=row[3],
                sent=row[4],
                dropped=row[5],
                failed=row[6],
                left=row[7],
            )
            for row in rows
        ]

    async def pending_before(self, item_id: int) -> int:
        """Deliveries still to send for this item and every older one (they go first): for an ETA."""
        async with self.db.read(
            "SELECT count(*) FROM delivery WHERE item_id <= ? AND state IN ('pending', 'sending')", (item_id,)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def mark_finished(self, item_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE news_item SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                (utcnow(), item_id),
            )

    async def retry_failed(self, item_id: int | None = None) -> dict[int, int]:
        """Queue failed deliveries again (of one item, or of all), with fresh attempts; the item's delivery
        counts as unfinished again, so its progress is reported anew. Returns {item: deliveries re-queued}."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT item_id, count(*) FROM delivery WHERE state = 'failed' "
                "AND (:item IS NULL OR item_id = :item) GROUP BY item_id ORDER BY item_id",
                {"item": item_id},
            ) as cur:
                requeued = {int(row[0]): int(row[1]) for row in await cur.fetchall()}
            await conn.execute(
                "UPDATE delivery SET state = 'pending', attempts = 0, next_attempt_at = 0 "
                "WHERE state = 'failed' AND (:item IS NULL OR item_id = :item)",
                {"item": item_id},
            )
            await conn.executemany(
                "UPDATE news_item SET finished_at = NULL WHERE id = ?", [(item,) for item in requeued]
            )
        return requeued

    async def failed_per_item(self) -> dict[int, int]:
        """Failed deliveries of each item that has any, oldest item first."""
        async with self.db.read(
            "SELECT item_id, count(*) FROM delivery WHERE state = 'failed' GROUP BY item_id ORDER BY item_id"
        ) as cur:
            return {int(row[0]): int(row[1]) for row in await cur.fetchall()}

    async def counts(self) -> dict[str, int]:
        """Deliveries by state, every state present."""
        counts = dict.fromkeys(STATES, 0)
        async with self.db.read("SELECT state, count(*) FROM delivery GROUP BY state") as cur:
            for row in await cur.fetchall():
                counts[row[0]] = int(row[1])
        return counts

    async def user_language(self, user_id: int) -> tuple[str | None, str | None]:
        """One user's stored locale and Telegram language (None, None: never seen)."""
        async with self.db.read("SELECT locale, language_code FROM user WHERE id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        return (row[0], row[1]) if row else (None, None)

    async def subscriber_languages(self) -> list[SubscriberLanguage]:
        """Subscribers grouped by their stored locale and Telegram language (the caller picks the locale)."""
        async with self.db.read(
            "SELECT u.locale, u.language_code, count(*) FROM subscription s "
            "LEFT JOIN user u ON u.id = s.user_id GROUP BY u.locale, u.language_code"
        ) as cur:
            rows = await cur.fetchall()
        return [SubscriberLanguage(locale=row[0], language_code=row[1], count=int(row[2])) for row in rows]
