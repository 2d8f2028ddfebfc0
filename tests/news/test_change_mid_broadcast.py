"""An edit or a retraction that lands while its item is still going out (600 subscribers at 25 a second, the
admin's confirm stored after the 150th copy, as it would land): every reader ends with the corrected text, or
with no copy at all; no copy starts after the retraction; the admin's result counts exactly the copies that
had to be changed."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from aiogram import Bot
from aiogram.methods import DeleteMessage, EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.core.pacing import SendPacer
from bot.news.repository import Newsroom
from bot.runtime.app import create_bot
from bot.store import Store
from tests.news_support import DRAFT, FakeClock, TimedSession, add_subscriber, make_broadcaster

# Subscribers for the change made in the broadcaster's process (the chat's) and in another (the shell's); the
# change is stored when a quarter of them has the item.
READERS = {"chat": 600, "shell": 200}
ADMIN, REPORT = 9001, 55
CORRECTED = {
    "ru": "Подписанты встретились <b>дважды</b>.",
    "en": "The signatories met <b>twice</b>.",
    "zh": "签署方<b>两次</b>会面。",
}


class ChangeOnTheWay(TimedSession):
    """Runs `change` while the `after`-th sendMessage is on its way: Telegram has it, no answer is back."""

    def __init__(self, clock: FakeClock, after: int) -> None:
        super().__init__(clock)
        self.after = after
        self.change: Callable[[], Awaitable[None]] | None = None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        result = await super().make_request(bot, method, timeout)
        if self.change is not None and sum(isinstance(m, SendMessage) for _, m in self.times) == self.after:
            change, self.change = self.change, None
            await change()
        return result


def final_texts(session: TimedSession) -> dict[int, str | None]:
    """What each reader's chat shows at the end: their one copy's text after every edit, None once deleted."""
    texts: dict[int, str | None] = {}
    for _, method in session.times:
        if isinstance(method, SendMessage):
            assert int(method.chat_id) not in texts, f"reader {method.chat_id} got two copies"
            texts[int(method.chat_id)] = method.text
        elif isinstance(method, EditMessageText) and method.chat_id != ADMIN:
            texts[int(method.chat_id or 0)] = method.text
        elif isinstance(method, DeleteMessage):
            texts[int(method.chat_id)] = None
    return texts


def report_numbers(session: TimedSession) -> tuple[int, int]:
    (report,) = [m for _, m in session.times if isinstance(m, EditMessageText) and m.chat_id == ADMIN]
    done, total = re.search(r"(\d+) of (\d+)", report.text).groups()  # type: ignore[union-attr]
    return int(done), int(total)


async def setup(
    store: Store, settings: Settings, clock: FakeClock, readers: int
) -> tuple[Bot, ChangeOnTheWay]:
    for uid in range(1, readers + 1):
        await add_subscriber(store, uid, ("ru", "en", "zh")[uid % 3])
    session = ChangeOnTheWay(clock, after=readers // 4)
    unlimited = SendPacer(1e9, clock=clock, sleep=clock.sleep, private_interval=0, group_interval=0)
    return create_bot(settings, session=session, pacer=unlimited), session


@pytest.mark.parametrize("editor", ["chat", "shell"])
async def test_an_edit_of_every_language_mid_broadcast_reaches_every_reader(
    store: Store, newsroom: Newsroom, i18n: PoI18n, settings: Settings, editor: str
) -> None:
    """The chat's /edit runs in the broadcaster's process; the shell's `news edit` in another one (here: its
    own repositories over the same database, so the broadcaster learns of the edit only from the store)."""
    clock = FakeClock()
    bot, session = await setup(store, settings, clock, READERS[editor])
    item = (await newsroom.items.post(DRAFT, actor="test")).item_id
    queued: list[int | None] = []
    items = newsroom.items if editor == "chat" else Newsroom(store.db).items

    async def edit() -> None:
        progress = (ADMIN, REPORT, "en")
        queued.append(await items.edit(item, CORRECTED, actor="test", progress=progress))

    session.change = edit
    await make_broadcaster(newsroom, i18n, clock, rate=25.0).drain(bot)

    assert queued[0] is not None
    texts = final_texts(session)
    assert len(texts) == READERS[editor]
    old = [
        uid
        for uid, text in texts.items()
        if text is None or CORRECTED[("ru", "en", "zh")[uid % 3]] not in text
    ]
    assert old == []  # every reader ends with the corrected text
    stale = sum(
        1
        for _, m in session.times
        if isinstance(m, SendMessage) and any(t in m.text for t in DRAFT.texts.values())
    )
    assert stale >= session.after  # the copies that went out before (and while) the edit was stored
    edits = [m for _, m in session.times if isinstance(m, EditMessageText) and m.chat_id != ADMIN]
    assert len(edits) == stale  # each stale copy edited once, no fresh one touched
    assert report_numbers(session) == (stale, stale)  # the admin is told what was done


@pytest.mark.parametrize("editor", ["chat", "shell"])
async def test_a_retraction_mid_broadcast_leaves_no_copy_and_sends_none_after_it(
    store: Store, newsroom: Newsroom, i18n: PoI18n, settings: Settings, editor: str
) -> None:
    clock = FakeClock()
    bot, session = await setup(store, settings, clock, READERS[editor])
    item = (await newsroom.items.post(DRAFT, actor="test")).item_id
    stored_at: list[int] = []
    items = newsroom.items if editor == "chat" else Newsroom(store.db).items

    async def retract() -> None:
        await items.retract(item, actor="test", progress=(ADMIN, REPORT, "en"))
        stored_at.append(len(session.times))

    session.change = retract
    broadcaster = make_broadcaster(newsroom, i18n, clock, rate=25.0)
    await broadcaster.drain(bot)

    sends = [i for i, (_, m) in enumerate(session.times) if isinstance(m, SendMessage)]
    late = [i for i in sends if i >= stored_at[0]]
    if editor == "chat":
        assert late == []  # nothing started once the retraction was stored
    else:  # another process: only the copies already claimed (the window) may still go out
        assert len(late) <= broadcaster.max_in_flight
    texts = final_texts(session)
    assert set(texts.values()) == {None}  # every copy that went out is deleted
    assert len(texts) == len(sends) >= session.after
    assert report_numbers(session) == (len(sends), len(sends))
    counts = await newsroom.outbox.counts()
    assert counts["sent"] == len(sends)
    assert counts["pending"] == counts["sending"] == 0
