"""Property-based bad input through the real Dispatcher: whatever arrives, no handler fails, every callback
query is answered, every outgoing call is valid for Telegram, and nothing user-supplied reaches HTML
unescaped.

Profiles: `ci` (default, quick) and `long` (HYPOTHESIS_PROFILE=long, see the README).
"""

from __future__ import annotations

import os
import time
from typing import Any

from aiogram.methods import AnswerCallbackQuery, AnswerInlineQuery, TelegramMethod
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog.library import Catalog
from bot.store import Store
from tests import updates
from tests.conftest import Driver

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "long", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

MARKER = "<i>INJ&amp;</i>"

COMMANDS = [
    "start", "help", "about", "speakers", "speaker", "initiative", "language", "news", "subscribe",
    "unsubscribe", "post", "stats", "cancel", "menu", "lang", "", "x" * 40,
]  # fmt: skip
PREFIXES = ["m", "sp", "s", "l", "sub", "n", "p", "zz", ""]
SPECIAL = "\u200b\u200c\u200d\u200e\u200f\u202e\u2066\ufeff\u0000\u00a0<>&\"'%*_`[]()~|#+-=.!\\/@"

weird_text = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(SPECIAL)), min_size=0, max_size=300
)
long_text = st.builds(lambda s, n: (s or "é") * n, st.text(min_size=1, max_size=5), st.integers(1000, 5000))
any_text = st.one_of(weird_text, long_text, st.just(MARKER), st.builds(lambda t: t + MARKER, weird_text))
language_codes = st.one_of(
    st.none(), st.sampled_from(["ru", "en", "zh-hans", "zh-hant", "de", "", "en_US", "xx-"])
)
user_ids = st.sampled_from([1001, 1002, 9001])


def command_text(draw: Any) -> str:
    name = draw(st.sampled_from(COMMANDS))
    suffix = draw(st.sampled_from(["", "@roundtable_bot", "@othername_bot", "@"]))
    args = draw(st.one_of(st.just(""), any_text))
    return f"/{name}{suffix} {args}".rstrip() if args else f"/{name}{suffix}"


@st.composite
def message_updates(draw: Any) -> dict[str, Any]:
    text = draw(st.one_of(any_text.filter(bool), st.composite(command_text)()))
    chat_type = draw(st.sampled_from(["private", "private", "group", "supergroup"]))
    update = updates.message(
        text,
        user_id=draw(user_ids),
        language_code=draw(language_codes),
        chat_type=chat_type,
        chat_id=None if chat_type == "private" else -100123,
        username=draw(st.one_of(st.none(), st.just("alice"))),
    )
    if draw(st.booleans()) and draw(st.booleans()):
        update["edited_message"] = update.pop("message")
        update["edited_message"]["edit_date"] = int(time.time())
    return update


@st.composite
def callback_updates(draw: Any) -> dict[str, Any]:
    prefix = draw(st.sampled_from(PREFIXES))
    tail = draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
    data = draw(st.one_of(st.just(f"{prefix}:{tail}"), st.text(min_size=1, max_size=64)))
    data = data.encode()[:64].decode(errors="ignore") or "x"
    return updates.callback(
        data,
        user_id=draw(user_ids),
        language_code=draw(language_codes),
        message_id=draw(st.integers(1, 10**6)),
        message_text=draw(st.sampled_from(["…", "old message"])),
        chat_type=draw(st.sampled_from(["private", "group"])),
    )


@st.composite
def inline_updates(draw: Any) -> dict[str, Any]:
    return updates.inline_query(
        draw(st.text(max_size=256)),
        user_id=draw(user_ids),
        language_code=draw(language_codes),
        offset=draw(st.one_of(st.just(""), st.text(max_size=64), st.integers(-5, 10**9).map(str))),
    )


def channel_post(text: str) -> dict[str, Any]:
    update = updates.message(text, chat_type="channel", chat_id=-100777)
    post = update.pop("message")
    post.pop("from")
    post["chat"] = {"id": -100777, "type": "channel", "title": "News"}
    update["channel_post"] = post
    return update


def outgoing_texts(requests: list[TelegramMethod[Any]]) -> list[str]:
    texts = []
    for request in requests:
        for name in ("text", "caption"):
            value = getattr(request, name, None)
            if isinstance(value, str):
                texts.append(value)
        if isinstance(request, AnswerInlineQuery):
            for result in request.results:
                content = getattr(result, "input_message_content", None)
                texts.append(getattr(content, "message_text", "") or "")
    return texts


async def user_data(store: Store, catalog: Catalog) -> tuple[Any, ...]:
    async with store.db.conn.execute("SELECT user_id FROM subscription ORDER BY user_id") as cur:
        subscriptions = [tuple(r) for r in await cur.fetchall()]
    async with store.db.conn.execute("SELECT count(*) FROM content_document") as cur:
        documents = (await cur.fetchone())[0]
    return (subscriptions, documents, catalog.content.version)


def changes_subscriptions(update: dict[str, Any]) -> bool:
    message = update.get("message") or {}
    text = message.get("text", "")
    data = (update.get("callback_query") or {}).get("data", "")
    return any(word in text for word in ("subscribe", "start")) or data.startswith("sub:")


@given(update=st.one_of(message_updates(), callback_updates(), inline_updates(), any_text.map(channel_post)))
async def test_any_update_is_handled_safely(
    driver: Driver, store: Store, catalog: Catalog, update: dict[str, Any]
) -> None:
    before = await user_data(store, catalog)
    requests = await driver.feed(update)  # fails on a handler error or a request Telegram would refuse

    if "callback_query" in update:
        answers = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
        assert len(answers) == 1, f"callback answered {len(answers)} times"
    if "inline_query" in update:
        assert len([r for r in requests if isinstance(r, AnswerInlineQuery)]) <= 1
    for text in outgoing_texts(requests):
        assert MARKER not in text, "user-supplied HTML reached a message unescaped"
    if not changes_subscriptions(update):
        assert await user_data(store, catalog) == before
