"""The admin's /post flow and /stats through the real Dispatcher; everyone else is refused and nothing
happens, forged callbacks included. The flow's state lives in SQLite and survives a restart."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod

from bot.catalog.library import Catalog
from bot.console.session import LocalSession
from bot.core.callbacks import DraftCancelCb, NoTitleCb, PostSendCb
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.core.telegram_rules import TextProblem
from bot.news.handlers.previews import explain
from bot.news.items import draft_problems
from bot.news.repository import NewsDraft, Newsroom
from bot.runtime.app import create_dispatcher
from bot.store import Store
from tests import updates
from tests.chat_support import press_shown
from tests.conftest import ADMIN_ID, Driver, language_of
from tests.news_support import DRAFT, FakeClock, add_subscriber, make_broadcaster

TEXTS = {
    "ru": "Встреча подписантов <2023> & итоги",
    "en": "Signatories meet <2023> & results",
    "zh": "签署方会面 <2023> & 成果",
}


FORGED = "00000000"  # a draft tag no draft has


def tap(driver: Driver, kind: type[CallbackData], language_code: str = "en", **fields: Any) -> dict[str, Any]:
    """The admin presses the newest button of this kind the bot has shown them."""
    return press_shown(driver.session, kind, user_id=ADMIN_ID, language_code=language_code, **fields)


def sends(requests: list[TelegramMethod[Any]]) -> list[SendMessage]:
    return [r for r in requests if isinstance(r, SendMessage)]


def admin_says(text: str, language_code: str = "en") -> dict[str, Any]:
    return updates.message(text, user_id=ADMIN_ID, language_code=language_code)


def bold_message(text: str, bold: str) -> dict[str, Any]:
    update = admin_says(text)
    update["message"]["entities"] = [{"type": "bold", "offset": text.index(bold), "length": len(bold)}]
    return update


async def post_flow_until_confirm(driver: Driver, language_code: str = "en") -> list[SendMessage]:
    replies = sends(await driver.feed(admin_says("/post", language_code)))
    assert len(replies) == 1
    for locale in ("ru", "en", "zh"):
        step = sends(await driver.feed(admin_says(TEXTS[locale], language_code)))
        assert len(step) == 2, [m.text for m in step]  # the preview, then the next question
        preview, question = step
        # The preview is exactly what a subscriber reading that language gets.
        assert language_of(preview.text) == locale
        assert TEXTS[locale].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in preview.text
        assert "/unsubscribe" in preview.text
        assert language_of(question.text) == language_of(replies[0].text)
        replies.append(question)
    pressed = await driver.feed(tap(driver, NoTitleCb, language_code))
    assert any(isinstance(r, AnswerCallbackQuery) for r in pressed)
    replies += sends(pressed)  # the question to confirm
    return replies


@pytest.mark.parametrize(("code", "locale"), [("ru", "ru"), ("en", "en"), ("zh", "zh")])
async def test_post_flow_stores_queues_and_reports_progress(
    driver: Driver,
    store: Store,
    newsroom: Newsroom,
    i18n: PoI18n,
    bot: Bot,
    session: LocalSession,
    code: str,
    locale: str,
) -> None:
    for uid, lang in ((1, "ru"), (2, "en"), (3, "zh")):
        await add_subscriber(store, uid, lang)
    replies = await post_flow_until_confirm(driver, code)
    assert all(language_of(m.text) == locale for m in replies)
    confirm = replies[-1]
    assert "3" in confirm.text
    buttons = [b.callback_data for row in confirm.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert [b.split(":")[0] for b in buttons] == ["ps", "pt", "pc"]  # Send now, Schedule, Cancel

    press = tap(driver, PostSendCb, code)
    question_id = press["callback_query"]["message"]["message_id"]
    pressed = await driver.feed(press)
    answers = [r for r in pressed if isinstance(r, AnswerCallbackQuery)]
    assert len(answers) == 1
    assert not answers[0].show_alert
    progress = [r for r in pressed if isinstance(r, EditMessageText)]
    assert len(progress) == 1
    assert (progress[0].chat_id, progress[0].message_id) == (ADMIN_ID, question_id)
    assert language_of(progress[0].text) == locale
    assert await newsroom.items.count() == 1
    item = await newsroom.items.latest()
    assert item is not None
    assert item.author_id == ADMIN_ID
    assert item.texts["ru"] == "Встреча подписантов &lt;2023&gt; &amp; итоги"
    assert await newsroom.items.audit(item.id) == [("posted", f"telegram:{ADMIN_ID}")]
    assert (await newsroom.outbox.counts())["pending"] == 3

    # The broadcaster delivers it and turns the admin's message into the final report.
    session.clear()
    clock = FakeClock()
    await make_broadcaster(newsroom, i18n, clock).drain(bot)
    delivered = {int(m.chat_id): m.text for m in session.requests_of(SendMessage)}
    assert {chat: language_of(text) for chat, text in delivered.items()} == {1: "ru", 2: "en", 3: "zh"}
    final = session.requests_of(EditMessageText)[-1]
    assert (final.chat_id, final.message_id) == (ADMIN_ID, question_id)
    assert language_of(final.text) == locale
    assert "3" in final.text


async def test_formatting_is_kept(driver: Driver) -> None:
    await driver.feed(admin_says("/post"))
    step = sends(await driver.feed(bold_message("Большие новости", "Большие")))
    assert "<b>Большие</b> новости" in step[0].text


async def test_press_send_twice_posts_once(driver: Driver, store: Store, newsroom: Newsroom) -> None:
    await post_flow_until_confirm(driver)
    await driver.feed(tap(driver, PostSendCb))
    again = await driver.feed(tap(driver, PostSendCb))  # the same button, pressed again
    assert await newsroom.items.count() == 1
    answer = next(r for r in again if isinstance(r, AnswerCallbackQuery))
    assert answer.show_alert


@pytest.mark.parametrize("step", [0, 1, 2, 3])
async def test_cancel_at_any_step_posts_nothing(
    driver: Driver, store: Store, newsroom: Newsroom, step: int
) -> None:
    await driver.feed(admin_says("/post"))
    for locale in ("ru", "en", "zh")[:step]:
        await driver.feed(admin_says(TEXTS[locale]))
    replies = sends(await driver.feed(admin_says("/cancel")))
    assert len(replies) == 1
    assert "Cancelled" in replies[0].text
    after = sends(await driver.feed(admin_says("more text")))  # no longer collecting texts: a search
    assert len(after) == 1
    assert "more text" in after[0].text
    async with store.db.conn.execute("SELECT count(*) FROM fsm_state WHERE state IS NOT NULL") as cur:
        assert (await cur.fetchone())[0] == 0
    pressed = await driver.feed(updates.callback(PostSendCb(draft=FORGED).pack(), user_id=ADMIN_ID))
    assert next(r for r in pressed if isinstance(r, AnswerCallbackQuery)).show_alert  # stale
    assert await newsroom.items.count() == 0


async def test_cancel_button(driver: Driver, store: Store, newsroom: Newsroom) -> None:
    await post_flow_until_confirm(driver, "ru")
    pressed = await driver.feed(tap(driver, DraftCancelCb))
    edit = next(r for r in pressed if isinstance(r, EditMessageText))
    assert language_of(edit.text) == "en"  # the callback's user speaks English
    assert any(isinstance(r, AnswerCallbackQuery) for r in pressed)
    assert await newsroom.items.count() == 0


async def test_cancel_without_a_flow(driver: Driver) -> None:
    replies = sends(await driver.feed(admin_says("/cancel")))
    assert len(replies) == 1
    assert "nothing to cancel" in replies[0].text


@pytest.mark.parametrize(("code", "locale"), [("ru", "ru"), ("en", "en"), ("zh-hans", "zh")])
async def test_cancel_from_someone_else_is_polite(driver: Driver, code: str, locale: str) -> None:
    replies = sends(await driver.feed(updates.message("/cancel", user_id=77, language_code=code)))
    assert len(replies) == 1
    assert language_of(replies[0].text) == locale
    assert "/help" not in replies[0].text  # not "I don't know that command"
    with_admin_flow = sends(await driver.feed(admin_says("/cancel", code)))
    assert [m.text for m in with_admin_flow] == [replies[0].text]  # the same "nothing to cancel"


async def test_text_telegram_would_refuse_is_asked_again(driver: Driver) -> None:
    await driver.feed(admin_says("/post"))
    replies = sends(await driver.feed(admin_says("x" * 4090)))
    assert len(replies) == 1
    assert "too long" in replies[0].text
    step = sends(await driver.feed(admin_says(TEXTS["ru"])))
    assert len(step) == 2  # still the Russian step


@pytest.mark.parametrize("code", ["ru", "zh"])
async def test_refused_text_is_explained_wholly_in_the_admins_language(driver: Driver, code: str) -> None:
    await driver.feed(admin_says("/post", code))
    replies = sends(await driver.feed(admin_says("x" * 4090, code)))
    assert len(replies) == 1
    text = replies[0].text.replace("x" * 10, "")
    assert language_of(text) == code
    assert re.findall(r"[A-Za-z]+", text) == ["Telegram"]  # no English fragment inside
    assert "4096" in text
    length = re.search(r"(\d{4}).*4096", text)
    assert length is not None
    assert int(length.group(1)) > 4096

    replies = sends(await driver.feed(admin_says("   ", code)))
    assert len(replies) == 1
    assert re.findall(r"[A-Za-z]+", replies[0].text) == ["Telegram"]


async def test_refused_text_in_english_names_the_counts(driver: Driver) -> None:
    await driver.feed(admin_says("/post"))
    replies = sends(await driver.feed(admin_says("x" * 4090)))
    counted = re.search(
        r"too long: (\d{4}) characters with the heading and the footer, (\d+) over Telegram's limit of 4096",
        replies[0].text,
    )
    assert counted is not None
    assert int(counted.group(1)) - 4096 == int(counted.group(2))  # how much is over


@pytest.mark.parametrize("locale", ["ru", "zh"])
def test_every_kind_of_problem_is_translated(i18n: PoI18n, locale: str) -> None:
    problems = [
        TextProblem("too_long", "text is too long (5000 > 4096)", 5000, 4096),
        TextProblem("empty", "text is empty"),
        TextProblem("html", "unsupported tag <x>"),
        TextProblem("title_empty", "title is empty"),
        TextProblem("title_too_long", "title is longer than 256 characters", 300, 256),
    ]
    t = i18n.translator(locale)
    explained = [explain(t, problem) for problem in problems]
    assert all(language_of(text) == locale for text in explained), explained
    assert len(set(explained)) == len(problems)


def test_the_shell_keeps_the_english_problems(i18n: PoI18n) -> None:
    draft = NewsDraft(texts={"ru": "я" * 4096, "en": "b", "zh": "c"})
    [problem] = draft_problems(draft, i18n, dt.date(2024, 5, 1))
    assert re.fullmatch(r"ru: text is too long \(\d{4} > 4096\)", problem)


async def test_another_command_ends_the_draft_and_still_works(driver: Driver, store: Store) -> None:
    await driver.feed(admin_says("/post"))
    replies = sends(await driver.feed(admin_says("/subscribe")))
    assert await store.subscriptions.is_subscribed(ADMIN_ID)
    assert len(replies) == 2
    assert "discarded" in replies[0].text
    after = sends(await driver.feed(admin_says(TEXTS["ru"])))  # a search now, not the news text
    assert len(after) == 1
    assert "/unsubscribe" not in after[0].text  # not a preview


async def test_post_flow_survives_a_restart(
    driver: Driver, settings: Settings, store: Store, i18n: PoI18n, bot: Bot, session: LocalSession
) -> None:
    await driver.feed(admin_says("/post"))
    await driver.feed(admin_says(TEXTS["ru"]))

    # A new process: its own connection to the same file, a new Dispatcher; nothing kept in memory.
    restarted = await Store.open(settings.database_path)
    try:
        catalog2 = Catalog(restarted.db)
        await catalog2.ensure_content(settings.content_dir)
        newsroom2 = Newsroom(restarted.db)
        driver2 = Driver(create_dispatcher(settings, restarted, catalog2, newsroom2, i18n), bot, session)
        step = sends(await driver2.feed(admin_says(TEXTS["en"])))
        assert len(step) == 2
        assert language_of(step[0].text) == "en"
        assert "Chinese" in step[1].text
        step = sends(await driver2.feed(admin_says(TEXTS["zh"])))
        await driver2.feed(tap(driver2, NoTitleCb))
        await driver2.feed(tap(driver2, PostSendCb))
        item = await newsroom2.items.latest()
        assert item is not None
        assert item.texts["ru"].startswith("Встреча")
    finally:
        await restarted.close()


@pytest.mark.parametrize("command", ["/post", "/stats"])
async def test_non_admin_is_refused_politely(
    driver: Driver, store: Store, newsroom: Newsroom, command: str
) -> None:
    replies = sends(await driver.feed(updates.message(command, user_id=4242, language_code="ru")))
    assert len(replies) == 1
    assert language_of(replies[0].text) == "ru"
    assert "администратор" in replies[0].text
    # Not in a flow: their next text is a speaker search, not news.
    after = sends(await driver.feed(updates.message("hello", user_id=4242)))
    assert len(after) == 1
    assert "hello" in after[0].text
    assert await newsroom.items.count() == 0


async def test_forged_post_callback_from_a_non_admin_does_nothing(
    driver: Driver, store: Store, newsroom: Newsroom
) -> None:
    await add_subscriber(store, 1)
    for data in (PostSendCb(draft=FORGED), DraftCancelCb(draft=FORGED), NoTitleCb(draft=FORGED)):
        pressed = await driver.feed(updates.callback(data.pack(), user_id=4242))
        assert [type(r) for r in pressed] == [AnswerCallbackQuery]
        assert pressed[0].show_alert  # type: ignore[attr-defined]
    assert await newsroom.items.count() == 0
    assert (await newsroom.outbox.counts())["pending"] == 0


async def test_admin_commands_in_a_group_are_refused(driver: Driver, store: Store) -> None:
    replies = sends(
        await driver.feed(updates.message("/post", user_id=ADMIN_ID, chat_type="supergroup", chat_id=-1001))
    )
    assert len(replies) == 1
    assert "private chat" in replies[0].text


async def test_stats(driver: Driver, store: Store, newsroom: Newsroom) -> None:
    await add_subscriber(store, 1, "ru")
    await add_subscriber(store, 2, "ru-RU")
    await add_subscriber(store, 3, "zh-hans")
    await add_subscriber(store, 4, "de")
    await add_subscriber(store, 5, "ru", locale="en")
    await store.users.touch(6, "en")  # a user, not a subscriber
    await newsroom.items.post(DRAFT, actor="test")
    replies = sends(await driver.feed(admin_says("/stats")))
    text = replies[0].text
    assert "Users: 7" in text  # six plus the admin
    assert "Subscribers: 5 (ru: 2 · en: 2 · zh: 1)" in text
    assert "News items: 1" in text
    assert "Deliveries pending: 5" in text
    assert "Failed deliveries" not in text  # nothing failed: no line for it


async def test_stats_show_failed_deliveries_per_item(
    driver: Driver, store: Store, newsroom: Newsroom
) -> None:
    for user_id in (1, 2, 3):
        await add_subscriber(store, user_id)
    first = (await newsroom.items.post(DRAFT, actor="test")).item_id
    second = (await newsroom.items.post(DRAFT, actor="test")).item_id
    for item, user_id in ((first, 1), (first, 2), (second, 3)):
        await newsroom.outbox.fail(item, user_id, "Bad Request: chat is gone")
    text = sends(await driver.feed(admin_says("/stats")))[0].text
    assert f"Failed deliveries per item: #{first}: 2, #{second}: 1." in text
    assert "python -m bot news retry-failed" in text


TITLES = {"ru": "Новая встреча <1>", "en": "A new meeting <1>", "zh": "再次会面 <1>"}


@pytest.mark.parametrize(("code", "locale"), [("ru", "ru"), ("en", "en"), ("zh", "zh")])
async def test_the_flow_asks_for_an_optional_title_in_every_language(
    driver: Driver, store: Store, newsroom: Newsroom, code: str, locale: str
) -> None:
    await add_subscriber(store, 1)
    await driver.feed(admin_says("/post", code))
    for loc in ("ru", "en", "zh"):
        step = sends(await driver.feed(admin_says(TEXTS[loc], code)))
    title_question = step[-1]
    assert language_of(title_question.text) == locale
    buttons = [b.callback_data for row in title_question.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert [b.split(":")[0] for b in buttons] == [NoTitleCb.__prefix__]
    for loc in ("ru", "en", "zh"):
        step = sends(await driver.feed(admin_says(TITLES[loc], code)))
        assert len(step) == 2
        preview, question = step
        assert language_of(preview.text) == loc
        assert f"<b>{TITLES[loc].replace('<', '&lt;').replace('>', '&gt;')}</b>" in preview.text  # plain text
        assert language_of(question.text) == locale
    assert "1" in question.text
    await driver.feed(tap(driver, PostSendCb, code))
    item = await newsroom.items.latest()
    assert item is not None
    assert item.titles == TITLES


async def test_no_title_is_only_offered_before_the_first_title(driver: Driver, newsroom: Newsroom) -> None:
    await driver.feed(admin_says("/post"))
    for loc in ("ru", "en", "zh"):
        await driver.feed(admin_says(TEXTS[loc]))
    await driver.feed(admin_says(TITLES["ru"]))
    pressed = await driver.feed(tap(driver, NoTitleCb))
    assert next(r for r in pressed if isinstance(r, AnswerCallbackQuery)).show_alert  # all three or none
    refused = sends(await driver.feed(admin_says("   ")))
    assert "title is empty" in refused[0].text
    assert not sends(await driver.feed(updates.callback(PostSendCb(draft=FORGED).pack(), user_id=ADMIN_ID)))
    assert await newsroom.items.count() == 0


async def test_without_a_title_the_item_has_none(driver: Driver, store: Store, newsroom: Newsroom) -> None:
    await add_subscriber(store, 1)
    await post_flow_until_confirm(driver)
    await driver.feed(tap(driver, PostSendCb))
    item = await newsroom.items.latest()
    assert item is not None
    assert item.titles is None
