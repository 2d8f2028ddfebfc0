"""For admins: /stats (users, subscribers by language, deliveries) and /audit (who did what, and when).

`stats` gathers its figures and words them in one place: a new figure is one more line there."""

from __future__ import annotations

import datetime as dt

from aiogram.types import Message
from babel.dates import format_datetime

from bot.catalog.library import Catalog
from bot.catalog.misses import missed_searches_text
from bot.core.config import Settings
from bot.core.html import q
from bot.core.i18n import LOCALES, Translator
from bot.news.items import audit_detail, subscriber_locale
from bot.news.repository import AuditEntry, Newsroom
from bot.store import Store


async def stats(
    message: Message, store: Store, newsroom: Newsroom, settings: Settings, t: Translator, catalog: Catalog
) -> None:
    per_locale = dict.fromkeys(LOCALES, 0)
    for group in await newsroom.outbox.subscriber_languages():
        per_locale[subscriber_locale(group.locale, group.language_code, settings.default_locale)] += (
            group.count
        )
    deliveries = await newsroom.outbox.counts()
    failed = await newsroom.outbox.failed_per_item()
    text = t._(
        "📊 <b>Statistics</b>\n"
        "Users: {users}\n"
        "Subscribers: {subscribers} (ru: {ru} · en: {en} · zh: {zh})\n"
        "News items: {items}\n"
        "Deliveries pending: {pending}\n"
        "Delivered: {sent} · dropped: {dropped} · failed: {failed}"
    ).format(
        users=await store.users.count(),
        subscribers=sum(per_locale.values()),
        ru=per_locale["ru"],
        en=per_locale["en"],
        zh=per_locale["zh"],
        items=await newsroom.items.count(),
        pending=deliveries["pending"] + deliveries["sending"],
        sent=deliveries["sent"],
        dropped=deliveries["dropped"],
        failed=deliveries["failed"],
    )
    if failed:
        per_item = t.comma().join(
            t._("#{item}").format(item=item) + f": {count}" for item, count in failed.items()
        )
        text += "\n" + t._(
            "Failed deliveries per item: {items}. To retry them, run "
            "<code>python -m bot news retry-failed</code> on the server."
        ).format(items=per_item)
    text += "\n\n" + await missed_searches_text(t, catalog.misses, catalog.search)
    await message.answer(text)


def action_label(t: Translator, action: str) -> str:
    labels = {
        "posted": t._("posted"),
        "edited": t._("edited"),
        "retracted": t._("retracted"),
        "scheduled": t._("scheduled"),
        "released": t._("sent at its scheduled time"),
        "cancelled": t._("cancelled"),
        "seeded": t._("added from the archive"),
        "retry-failed": t._("failed deliveries queued again"),
    }
    return labels.get(action, action)


AUDIT_LIMIT = 20


def audit_text(t: Translator, entries: list[AuditEntry], tz: dt.tzinfo, tz_name: str) -> str:
    """The latest audit lines, newest first, times in the bot's time zone, in the admin's language."""
    if not entries:
        return t._("🗒 The audit log is empty: no news item has been posted yet.")
    lines = [
        t.ngettext(
            "🗒 <b>Audit log</b>: the last {count} action, times in {timezone}",
            "🗒 <b>Audit log</b>: the last {count} actions, times in {timezone}",
            len(entries),
        ).format(count=len(entries), timezone=q(tz_name)),
        "",
    ]
    for entry in entries:
        when = format_datetime(entry.at.astimezone(tz), format="short", locale=t.babel_locale)
        action = q(action_label(t, entry.action))
        line = f"{q(when)} · #{entry.item_id} · {action} · <code>{q(entry.actor)}</code>"
        detail = audit_detail(t, entry.action, entry.detail)
        if detail:
            line += f" · {q(detail)}"
        lines.append(line)
    return "\n".join(lines)


async def audit(message: Message, newsroom: Newsroom, settings: Settings, t: Translator) -> None:
    entries = await newsroom.items.audit_log(AUDIT_LIMIT)
    await message.answer(audit_text(t, entries, settings.tz, settings.timezone))
