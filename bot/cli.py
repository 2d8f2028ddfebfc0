"""The command line: run the bot, check or load content. Errors are one line and an exit code, never a
traceback."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

from bot.catalog.content import Content, ContentError, load_content
from bot.core.config import Settings, SettingsError, load_settings
from bot.core.i18n import LOCALES
from bot.store import Store, StoreError

EXIT_CONTENT = 1
EXIT_CONFIG = 2

HOW_TO_START = (
    "BOT_TOKEN: not set. Get a token from @BotFather in Telegram (/newbot) and put BOT_TOKEN=… in the "
    "environment or .env — or try the bot without one: python -m bot console"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser(
        "run", help="start the bot (the default): long polling, or webhooks when WEBHOOK_URL is set"
    )
    console = sub.add_parser("console", help="try the bot in this terminal: no token, no network")
    console.add_argument("--lang", choices=LOCALES, help="the Telegram language of the console user")
    console.add_argument("--user-id", type=int, default=None, help="the console user's Telegram id")
    console.add_argument("-v", "--verbose", action="store_true", help="also show every other Bot API call")
    content = sub.add_parser("content", help="check or load the content files")
    content_sub = content.add_subparsers(dest="action", required=True)
    content_sub.add_parser("check", help="validate content/ without touching the store")
    content_sub.add_parser("load", help="rebuild the content tables from content/ (user data untouched)")
    news = sub.add_parser("news", help="post initiative news from the shell")
    news_sub = news.add_subparsers(dest="action", required=True)
    news_post = news_sub.add_parser(
        "post", help="queue a news item for every subscriber (a running bot sends it within seconds)"
    )
    news_post.add_argument(
        "file", type=Path, help="TOML with ru, en, zh texts (HTML) and an optional [title]"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings)
        if args.command == "content":
            return content_command(settings, args.action)
        if args.command == "news":
            return news_post_command(settings, args.file)
        if args.command == "console":
            from bot.console.terminal import console_command

            return console_command(settings, lang=args.lang, user_id=args.user_id, verbose=args.verbose)
        return run_bot(settings)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"error: DATABASE_PATH: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def run_bot(settings: Settings) -> int:
    if settings.bot_token is None:
        print(f"error: {HOW_TO_START}", file=sys.stderr)
        return EXIT_CONFIG
    if settings.webhook_url is not None:
        from bot.runtime.webhook import require_webhook_secret
        from bot.runtime.webhook import run as run_mode

        require_webhook_secret(settings)
    else:
        from bot.runtime.polling import run as run_mode

    try:
        run_mode(settings)
    except TelegramUnauthorizedError:
        print("error: BOT_TOKEN: Telegram refused the token (401 Unauthorized)", file=sys.stderr)
        return EXIT_CONFIG
    except TelegramNetworkError as exc:
        print(
            f"error: TELEGRAM_API_URL: cannot reach {settings.telegram_api_url}: {exc.message}",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except ContentError as exc:
        print(f"error: content: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    return 0


def content_command(settings: Settings, action: str) -> int:
    try:
        content = load_content(settings.content_dir)
        problems = card_problems(settings, content)
        if problems:
            raise ContentError(problems)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_CONTENT
    if action == "check":
        languages = ", ".join(LOCALES)
        print(f"content {content.version}: {len(content.people)} people, every screen valid in {languages}")
        return 0
    asyncio.run(_load(settings, content))
    print(f"content {content.version} loaded into {settings.database_path}")
    return 0


async def _load(settings: Settings, content: Content) -> None:
    from bot.catalog.library import Catalog

    settings.prepare_database_dir()
    async with AsyncExitStack() as stack:
        store = await Store.open(settings.database_path)
        stack.push_async_callback(store.close)
        await Catalog(store.db).load_content(content)


def card_problems(settings: Settings, content: Content) -> list[str]:
    """Render every screen the content feeds, in every language; say which would break Telegram's rules."""
    from bot.catalog.screens import all_screens
    from bot.core.i18n import create_i18n
    from bot.core.telegram_rules import keyboard_problems, message_problems

    i18n = create_i18n(settings.locales_dir, settings.default_locale)
    problems = []
    for locale in LOCALES:
        for name, screen in all_screens(i18n.translator(locale), content).items():
            found = message_problems(screen.text) + keyboard_problems(screen.markup)
            problems += [f"screen {name} ({locale}): {p}" for p in found]
    return problems


def news_post_command(settings: Settings, path: Path) -> int:
    """Check the file completely, then store the item and its deliveries in one transaction."""
    import datetime as dt
    import getpass

    from bot.core.i18n import create_i18n
    from bot.news.items import NewsFileError, load_news_file
    from bot.news.repository import Newsroom

    i18n = create_i18n(settings.locales_dir, settings.default_locale)
    try:
        draft = load_news_file(path, i18n, dt.datetime.now(dt.UTC).date())
    except NewsFileError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_CONTENT
    try:
        actor = f"shell:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in some containers
        actor = "shell"

    async def post() -> tuple[int, int]:
        settings.prepare_database_dir()
        async with AsyncExitStack() as stack:
            store = await Store.open(settings.database_path)
            stack.push_async_callback(store.close)
            result = await Newsroom(store.db).items.post(draft, actor=actor)
            return result.item_id, result.recipients

    item_id, recipients = asyncio.run(post())
    print(
        f"news #{item_id} queued for {recipients} subscribers in {settings.database_path}; "
        "a running bot sends it within seconds"
    )
    return 0
