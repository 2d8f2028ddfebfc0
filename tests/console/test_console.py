"""The console, driven through its input and output streams: real Update JSON in, rendered Bot API calls out.

One scripted session runs the bot's real routers (whatever they are at the time); the others run a small
demo router, so buttons, edits, alerts, inline results and deep links are tested even before the features
that use them exist.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from aiogram import Dispatcher, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import (
    CallbackQuery,
    ChosenInlineResult,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
)

from bot.catalog.library import Catalog
from bot.console.render import render_text
from bot.console.session import LocalSession
from bot.console.terminal import Console
from bot.core.config import Settings
from bot.core.i18n import LocaleMiddleware, PoI18n, current_locale
from bot.core.telegram_rules import visible_text
from bot.news.repository import Newsroom
from bot.runtime.app import App, create_dispatcher
from bot.store import Store
from bot.store.tracking import UserTracking
from tests.conftest import ADMIN_ID, TOKEN, Cli, language_of

DEMO_TEXT = '<b>Demo</b> &amp; <i>friends</i> &lt;3 <a href="https://example.org/x">site</a>'


def kb(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(rows))


DEMO_KEYBOARD = kb(
    [
        InlineKeyboardButton(text="Edit", callback_data="demo:edit"),
        InlineKeyboardButton(text="Alert", callback_data="demo:alert"),
    ],
    [InlineKeyboardButton(text="Site", url="https://example.org")],
    [InlineKeyboardButton(text="Share", switch_inline_query="dem")],
    [InlineKeyboardButton(text="Open", url="https://t.me/roundtable_bot?start=hello")],
    [InlineKeyboardButton(text="Silent", callback_data="demo:silent")],
)


def demo_router(events: list[Any]) -> Router:
    router = Router(name="demo")

    @router.message(Command("demo"))
    async def demo(message: Message) -> None:
        await message.answer(DEMO_TEXT, reply_markup=DEMO_KEYBOARD)

    @router.message(Command("whoami"))
    async def whoami(message: Message, settings: Settings) -> None:
        assert message.from_user is not None
        admin = message.from_user.id in settings.admin_ids
        code = message.from_user.language_code
        await message.answer(
            f"locale {current_locale()} code {code} user {message.from_user.id} admin {admin}"
        )

    @router.message(Command("toolong"))
    async def toolong(message: Message) -> None:
        await message.answer("x" * 5000)

    @router.message(Command("photo"))
    async def photo(message: Message) -> None:
        await message.answer_photo("https://example.org/p.jpg", caption="A <b>photo</b>")
        assert message.bot is not None
        await message.bot.send_message(4242, "to another chat")

    @router.message(Command("elsewhere"))
    async def elsewhere(message: Message) -> None:
        assert message.bot is not None
        sent = await message.bot.send_message(4242, "first words")
        await message.bot.edit_message_text("corrected words", chat_id=4242, message_id=sent.message_id)
        await message.bot.delete_message(4242, sent.message_id)

    @router.message(CommandStart(deep_link=True))
    async def deep_link(message: Message, command: CommandObject) -> None:
        await message.answer(f"deep link {command.args}")

    @router.callback_query(F.data == "demo:edit")
    async def edit(callback: CallbackQuery) -> None:
        events.append(("edit", callback.message, callback.inline_message_id))
        back = kb([InlineKeyboardButton(text="Back", callback_data="demo:back")])
        if callback.inline_message_id:
            assert callback.bot is not None
            await callback.bot.edit_message_text(
                "Edited <b>inline</b>", inline_message_id=callback.inline_message_id, reply_markup=back
            )
        else:
            assert isinstance(callback.message, Message)
            await callback.message.edit_text("Edited <b>card</b>", reply_markup=back)
        await callback.answer("Saved")

    @router.callback_query(F.data == "demo:back")
    async def back(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        await callback.message.edit_text(DEMO_TEXT, reply_markup=DEMO_KEYBOARD)
        await callback.answer()

    @router.callback_query(F.data == "demo:alert")
    async def alert(callback: CallbackQuery) -> None:
        await callback.answer("Careful!", show_alert=True)

    @router.inline_query(F.query.startswith("dem"))
    async def inline(query: InlineQuery) -> None:
        articles = [
            InlineQueryResultArticle(
                id=f"r{n}",
                title=title,
                description=f"{title} description",
                input_message_content=InputTextMessageContent(message_text=f"<b>{title}</b> card"),
                reply_markup=kb([InlineKeyboardButton(text="Edit", callback_data="demo:edit")]),
            )
            for n, title in enumerate(["Alpha", "Beta", "Gamma"])
        ]
        page = articles[:2] if not query.offset else articles[2:]
        await query.answer(
            page,
            is_personal=True,
            cache_time=1,
            next_offset="" if query.offset else "2",
            button=InlineQueryResultsButton(text="Open the bot", start_parameter="demo"),
        )

    @router.chosen_inline_result()
    async def chosen(result: ChosenInlineResult) -> None:
        events.append(("chosen", result.result_id, result.inline_message_id))

    async def on_startup(bot: Any) -> None:
        events.append(("startup", bot))

    async def on_shutdown(bot: Any) -> None:
        events.append(("shutdown", bot))

    router.startup.register(on_startup)
    router.shutdown.register(on_shutdown)
    return router


@pytest.fixture
def events() -> list[Any]:
    return []


@pytest.fixture
def demo_app(
    settings: Settings, store: Store, newsroom: Newsroom, catalog: Catalog, i18n: PoI18n, events: list[Any]
) -> App:
    """The bot's store and catalogs with only the demo router: independent of the features in the branch."""
    dp = Dispatcher(settings=settings, store=store)
    dp.update.outer_middleware(UserTracking(store.users))
    LocaleMiddleware(i18n=i18n).setup(dp)
    dp.include_router(demo_router(events))
    return App(settings=settings, store=store, catalog=catalog, newsroom=newsroom, i18n=i18n, dp=dp)


async def converse(app: App, *lines: str, **options: Any) -> tuple[str, Console]:
    out = io.StringIO()
    options.setdefault("lang", "en")
    options.setdefault("color", False)
    console = Console(app, stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out, **options)
    await console.run()
    return out.getvalue(), console


def after(output: str, typed: str) -> str:
    """What the console printed after the user typed `typed` (up to the next typed line)."""
    chunk = output.split(f"\n> {typed}\n", 1)[1]
    return chunk.split("\n> ", 1)[0]


async def test_scripted_session_with_the_real_bot(
    settings: Settings, store: Store, newsroom: Newsroom, catalog: Catalog, i18n: PoI18n
) -> None:
    """/start, press a button if there is one, an inline query, /lang zh, /start again, /quit."""
    app = App(
        settings=settings,
        store=store,
        catalog=catalog,
        newsroom=newsroom,
        i18n=i18n,
        dp=create_dispatcher(settings, store, catalog, newsroom, i18n),
    )
    output, console = await converse(app, "/start", "1", "@", "/lang zh", "/start", "/quit", "/start")
    assert output.rstrip().endswith("bye")
    assert "\n! " not in output, output  # no refusal by "Telegram", no failed update
    sent = console.session.requests_of(SendMessage)
    starts = [m for m in sent if m.chat_id == console.user_id]
    assert starts, "the bot answered nothing to /start"
    for message in starts:  # everything the bot said is on screen, rendered: no tags, entities decoded
        for line in visible_text(message.text).splitlines():
            assert line in output
    assert "<b>" not in output
    assert language_of(starts[0].text) == "en"
    assert language_of(starts[-1].text) == "zh"
    assert "switched your Telegram language to zh" in output
    assert output.count("\n> /start\n") == 2  # nothing after /quit is read


async def test_buttons_are_numbered_and_pressed(demo_app: App, events: list[Any]) -> None:
    output, console = await converse(demo_app, "/demo", "1", "#1", "2", "3", "6")
    shown = after(output, "/demo")
    assert "Demo & friends <3 site <https://example.org/x>" in shown
    assert "[1] Edit   [2] Alert" in shown
    assert "[3] Site <https://example.org>" in shown
    assert "[4] Share (@roundtable_bot dem)" in shown
    # 1: a callback query carrying the message it belongs to, answered with a toast, the message edited
    pressed = after(output, "1")
    assert "bot (edited):\n  Edited card\n  [1] Back" in pressed
    assert "toast: Saved" in pressed
    sent_id = console.session.requests_of(SendMessage)[0]
    edit = console.session.requests_of(EditMessageText)[0]
    assert edit.message_id == next(k for k in console.shown if isinstance(k, int))
    assert sent_id.chat_id == edit.chat_id == console.user_id
    kind, message, inline_id = events[1]
    assert kind == "edit"
    assert isinstance(message, Message)
    assert message.reply_markup is not None
    assert inline_id is None
    # #1: Back, on the edited message, edits it back
    assert "bot (edited):\n  Demo & friends" in after(output, "#1")
    assert "alert: Careful!" in after(output, "2")
    assert "(opens https://example.org in a browser)" in after(output, "3")
    assert "did not answer the button press" in after(output, "6")


async def test_other_kinds_of_messages_and_other_chats(demo_app: App) -> None:
    output, _ = await converse(demo_app, "/photo")
    assert "bot:\n  [photo] A photo\nbot → chat 4242:\n  to another chat" in after(output, "/photo")


async def test_edits_and_deletions_in_other_chats_name_the_chat(demo_app: App) -> None:
    output, _ = await converse(demo_app, "/elsewhere")
    shown = after(output, "/elsewhere")
    assert "bot (edited) → chat 4242:\n  corrected words" in shown
    assert "(the bot deleted a message in chat 4242)" in shown


async def test_deep_link_and_switch_inline_buttons(demo_app: App) -> None:
    output, _ = await converse(demo_app, "/demo", "5", "/demo", "4")
    assert "(opens the bot: /start hello)" in after(output, "5")
    assert "deep link hello" in after(output, "5")
    shared = after(output, "4")
    assert 'inline results for "dem": 2' in shared
    assert "1. Alpha — Alpha description" in shared


async def test_inline_query_lists_pages_and_posts_the_choice(demo_app: App, events: list[Any]) -> None:
    output, console = await converse(demo_app, "@dem", "+", "@dem", "2", "1", "@dem", "0")
    listed = after(output, "@dem")
    assert "1. Alpha — Alpha description\n  2. Beta — Beta description" in listed
    assert "0. Open the bot (opens the bot: /start demo)" in listed
    assert "+ more" in listed
    assert "1. Gamma" in after(output, "+")
    posted = after(output, "2")
    assert "you, via @roundtable_bot:\n  Beta card\n  [1] Edit" in posted
    assert ("chosen", "r1", "console-inline-1") in events
    # the posted message's button edits it through inline_message_id
    assert "bot (edited):\n  Edited inline\n  [1] Back" in after(output, "1")
    assert any(e[0] == "edit" and e[2] == "console-inline-1" for e in events)
    assert "deep link demo" in after(output, "0")
    assert console.session.refused == []


async def test_html_is_rendered_for_a_terminal() -> None:
    assert render_text(DEMO_TEXT, html=True, color=False) == "Demo & friends <3 site <https://example.org/x>"
    colored = render_text(DEMO_TEXT, html=True, color=True)
    assert colored == "\x1b[1mDemo\x1b[0m & \x1b[3mfriends\x1b[0m <3 site <https://example.org/x>"
    nested = render_text("<b>a<i>b</i>c</b>", html=True, color=True)
    assert nested == "\x1b[1ma\x1b[0m\x1b[1m\x1b[3mb\x1b[0m\x1b[1mc\x1b[0m"
    link = '<a href="https://example.org">https://example.org</a>'
    assert render_text(link, html=True, color=False) == "https://example.org"
    assert render_text("<blockquote>a\nb</blockquote>", html=True, color=False) == "│ a\n│ b"
    assert render_text("<b>raw</b>", html=False, color=True) == "<b>raw</b>"


async def test_colour_only_on_request(demo_app: App) -> None:
    output, _ = await converse(demo_app, "/demo", color=True)
    assert "\x1b[1mDemo" in output
    output, _ = await converse(demo_app, "/demo")
    assert "\x1b[" not in output


async def test_lang_switches_telegram_language_and_a_stored_choice(demo_app: App, store: Store) -> None:
    output, _ = await converse(demo_app, "/whoami", "/lang zh", "/whoami", "/lang xx")
    assert "locale en code en" in after(output, "/whoami")
    assert output.count("locale zh code zh") == 1
    assert "usage: /lang ru|en|zh" in after(output, "/lang xx")
    assert await store.users.get_locale(1) is None  # no stored choice was made up

    await store.users.set_locale(1, "ru")
    output, _ = await converse(demo_app, "/whoami", "/lang zh", "/whoami")
    assert "locale ru code en" in after(output, "/whoami")
    assert "stored language choice" in after(output, "/lang zh")
    assert output.count("locale zh code zh") == 1
    assert await store.users.get_locale(1) == "zh"


async def test_user_id_makes_admin(demo_app: App) -> None:
    output, _ = await converse(demo_app, "/whoami", user_id=ADMIN_ID)
    assert f"user {ADMIN_ID} admin True" in output
    output, _ = await converse(demo_app, "/whoami")
    assert "user 1 admin False" in output


async def test_end_of_input_leaves_and_runs_startup_and_shutdown(demo_app: App, events: list[Any]) -> None:
    output, console = await converse(demo_app, "/demo")  # no /quit: the input just ends (Ctrl-D)
    assert output.rstrip().endswith("bye")
    assert [e[0] for e in events] == ["startup", "shutdown"]
    assert events[0][1] is console.bot


async def test_refused_requests_and_failures_are_shown(demo_app: App) -> None:
    output, _ = await converse(demo_app, "/toolong", "7", "1", "\\1", "?")
    shown = after(output, "/toolong")
    assert "! Telegram would refuse sendMessage: text is too long (5000 > 4096)" in shown
    assert "! the update failed: TelegramBadRequest" in shown
    assert "(no message with buttons yet)" in after(output, "7")
    assert "Type a message or a /command" in after(output, "?")


def test_cli_console_needs_no_token_and_no_network(cli: Cli, tmp_path: Path) -> None:
    env = {
        "DATABASE_PATH": str(tmp_path / "console.sqlite3"),
        "TELEGRAM_API_URL": "http://127.0.0.1:9",  # nothing listens there: any request would fail
        "BOT_TOKEN": TOKEN,
    }
    result = cli("console", "--lang", "ru", env=env, stdin="/start\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert language_of(result.stdout.split("> /start", 1)[1]) == "ru"
    assert result.stdout.rstrip().endswith("bye")
    assert (tmp_path / "console.sqlite3").exists()
    assert TOKEN.split(":")[1] not in result.stdout + result.stderr


def test_console_session_is_local(demo_app: App) -> None:
    console = Console(demo_app, stdin=io.StringIO(""), stdout=io.StringIO())
    assert isinstance(console.session, LocalSession)
    assert console.bot.token != TOKEN
