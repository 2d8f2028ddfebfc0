"""The command line: run the bot, check or load content. Errors are one line and an exit code, never a
traceback."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.catalog.content import ContentError
from bot.core.config import Settings, SettingsError, load_settings
from bot.core.locales import LOCALES
from bot.store import StoreError

AIOGRAM_EVENTS = "aiogram.event"  # aiogram's per-update log

EXIT_CONTENT = 1
EXIT_CONFIG = 2
EXIT_BACKUP = 3

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
    console.add_argument(
        "--database",
        type=Path,
        default=None,
        metavar="PATH",
        help="use this store instead of the console's own scratch store (console.sqlite3 next to "
        "DATABASE_PATH); news is then not sent from the console",
    )
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
        "file",
        type=Path,
        help="TOML with ru, en, zh texts (HTML), an optional [title] and an optional photo or document "
        "(a file path, relative to the TOML file)",
    )
    news_post.add_argument(
        "--at",
        metavar="'YYYY-MM-DD HH:MM'",
        help="schedule it for this moment in TIMEZONE instead of sending it now",
    )
    news_post.add_argument(
        "--dry-run",
        action="store_true",
        help="check the file and show each language as it will be sent; store and send nothing",
    )
    news_post.add_argument(
        "--again",
        action="store_true",
        help="post it even though the same texts were posted less than a day ago",
    )
    news_sub.add_parser("scheduled", help="list the scheduled news items")
    news_cancel = news_sub.add_parser("cancel", help="cancel a scheduled news item before it goes out")
    news_cancel.add_argument("item", type=int)
    news_retract = news_sub.add_parser(
        "retract", help="withdraw a sent news item: its copies are deleted (or, after 48 hours, replaced)"
    )
    news_retract.add_argument("item", type=int)
    news_edit = news_sub.add_parser(
        "edit", help="correct a sent news item: every delivered copy in the languages given is edited"
    )
    news_edit.add_argument("item", type=int)
    news_edit.add_argument("file", type=Path, help="TOML with the new text in any of ru, en, zh (HTML)")
    news_log = news_sub.add_parser(
        "log", help="who posted, edited, retracted or scheduled what, newest first"
    )
    news_log.add_argument("--limit", type=int, default=20, help="how many lines (default 20)")
    retry = news_sub.add_parser(
        "retry-failed", help="queue failed deliveries again (a running bot sends them within seconds)"
    )
    retry.add_argument("item", type=int, nargs="?", help="only this news item (default: every item)")
    search = sub.add_parser("search", help="what readers searched for")
    search_sub = search.add_subparsers(dest="action", required=True)
    misses = search_sub.add_parser(
        "misses", help="searches that found nobody (chat and inline), most frequent first"
    )
    misses.add_argument("--days", type=int, default=7, help="the last N days (default 7, at most 90)")
    backup = sub.add_parser(
        "backup", help="copy the store consistently (safe while the bot runs), then check the copy"
    )
    backup.add_argument("path", type=Path, help="the copy's file name, or a folder for a dated file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        with logging_to_stderr(settings.log_level, settings.log_format, secrets_of(settings)):
            return run_command(settings, args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"error: DATABASE_PATH: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def run_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "content":
        return content_command(settings, args.action)
    if args.command == "search":
        return search_misses_command(settings, args.days)
    if args.command == "backup":
        return backup_command(settings, args.path)
    if args.command == "news" and args.action == "log":
        return news_log_command(settings, args.limit)
    if args.command == "news" and args.action == "retry-failed":
        return news_retry_failed_command(settings, args.item)
    if args.command == "news" and args.action in {"scheduled", "cancel", "retract", "edit"}:
        from bot.news.shell import editor_command

        return editor_command(settings, args.action, getattr(args, "item", None), getattr(args, "file", None))
    if args.command == "news":
        return news_post_command(settings, args.file, args.at, dry_run=args.dry_run, again=args.again)
    if args.command == "console":
        from bot.console.terminal import console_command

        return console_command(
            settings, lang=args.lang, user_id=args.user_id, verbose=args.verbose, database=args.database
        )
    return run_bot(settings)


def secrets_of(settings: Settings) -> list[str]:
    """What the log must never show (core/logs.py hides it)."""
    secrets = [settings.bot_token, settings.webhook_secret]
    return [s.get_secret_value() for s in secrets if s is not None]


@contextmanager
def logging_to_stderr(level: str, log_format: str = "text", secrets: Sequence[str] = ()) -> Iterator[None]:
    """Log to stderr while one command runs (text lines, or one JSON object a line), then leave logging as
    it was: `main()` runs in-process in the tests, and nothing it configures may outlive it."""
    from bot.core.logs import formatter

    root = logging.getLogger()
    saved_level = root.level
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format, secrets))
    root.addHandler(handler)
    root.setLevel(level)
    # aiogram logs a line per update ("Update id=… is handled"): about 5% of the CPU of a busy bot at INFO.
    # Kept at DEBUG (where someone asked for everything); our own INFO lines are untouched.
    events = logging.getLogger(AIOGRAM_EVENTS)
    saved_events = events.level
    if root.getEffectiveLevel() >= logging.INFO:
        events.setLevel(max(logging.WARNING, root.getEffectiveLevel()))
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
        events.setLevel(saved_events)


def run_bot(settings: Settings) -> int:
    if settings.bot_token is None:
        print(f"error: {HOW_TO_START}", file=sys.stderr)
        return EXIT_CONFIG
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

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
    from bot.catalog.checks import checked_content
    from bot.catalog.library import store_content
    from bot.core.i18n import create_i18n
    from bot.news.archive import load_archive

    i18n = create_i18n(settings.locales_dir, settings.default_locale, settings.tz)
    try:
        content = checked_content(settings.content_dir, i18n)
        archive = load_archive(settings.content_dir, content.sources, i18n)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_CONTENT
    if action == "check":
        languages = ", ".join(LOCALES)
        print(f"content {content.version}: {len(content.people)} people, every screen valid in {languages}")
        return 0
    from bot.news.shell import seed_news_archive

    asyncio.run(store_content(settings, content))
    added = asyncio.run(seed_news_archive(settings, archive))
    print(f"content {content.version} loaded into {settings.database_path} ({added} new archive news items)")
    return 0


def news_post_command(
    settings: Settings, path: Path, at: str | None = None, *, dry_run: bool = False, again: bool = False
) -> int:
    from bot.news.items import NewsFileError
    from bot.news.shell import parse_schedule, post_news_file, preview_news_file

    try:
        send_at = parse_schedule(at, settings) if at is not None else None
        if dry_run:
            print("\n".join(asyncio.run(preview_news_file(settings, path, send_at))))
            return 0
        result = asyncio.run(post_news_file(settings, path, send_at, again=again))
    except NewsFileError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_CONTENT
    if send_at is not None:
        when = send_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(f"news #{result.item_id} scheduled for {when} {settings.timezone} in {settings.database_path}")
        return 0
    if result.recipients == 0:
        print(
            f"news #{result.item_id} posted to /news in {settings.database_path}; nobody is subscribed, "
            "so it was not sent to anyone"
        )
        return 0
    subscribers = "1 subscriber" if result.recipients == 1 else f"{result.recipients} subscribers"
    print(
        f"news #{result.item_id} queued for {subscribers} in {settings.database_path}; "
        "a running bot sends it within seconds"
    )
    return 0


def news_log_command(settings: Settings, limit: int) -> int:
    from bot.news.shell import audit_entries, audit_lines

    entries = asyncio.run(audit_entries(settings, max(limit, 1)))
    print("\n".join(audit_lines(entries, settings)) if entries else "the audit log is empty")
    return 0


def news_retry_failed_command(settings: Settings, item: int | None) -> int:
    from bot.news.shell import retry_failed

    requeued = asyncio.run(retry_failed(settings, item))
    if not requeued:
        print("no failed deliveries" + (f" for news #{item}" if item is not None else ""))
        return 0
    for item_id, count in requeued.items():
        print(f"news #{item_id}: {count} failed {'delivery' if count == 1 else 'deliveries'} queued again")
    print("a running bot sends them within seconds")
    return 0


def backup_command(settings: Settings, path: Path) -> int:
    from bot.store.backup import BackupError, backup

    try:
        made = backup(settings.database_path, path)
    except BackupError as exc:
        print(f"error: backup: {exc}", file=sys.stderr)
        return EXIT_BACKUP
    print(
        f"{settings.database_path} backed up to {made.path} ({made.size:,} bytes, schema version "
        f"{made.schema_version}, integrity check ok)"
    )
    return 0


def search_misses_command(settings: Settings, days: int) -> int:
    """The misses the stored content still finds nobody for (an alias loaded since ends one)."""
    from bot.catalog.misses import top_misses
    from bot.catalog.repository import ContentRepository
    from bot.catalog.search import SearchIndex
    from bot.store import Store

    async def misses() -> list[tuple[int, str]]:
        settings.prepare_database_dir()
        store = await Store.open(settings.database_path)
        try:
            content = await ContentRepository(store.db).load()
            if content is None:
                raise StoreError("no content loaded yet (python -m bot content load)")
            from bot.store.misses import SearchMisses

            found = await top_misses(SearchMisses(store.db), SearchIndex(content), min(max(days, 1), 90))
            return [(miss.count, miss.query) for miss in found]
        finally:
            await store.close()

    rows = asyncio.run(misses())
    if not rows:
        print(f"every search of the last {days} days found someone")
        return 0
    for count, query in rows:
        print(f"{count}  {query}")
    return 0
