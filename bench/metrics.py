"""What `/metrics` costs the bot (not a test): per update, with and without the counters, in one run.

    .venv/bin/python bench/metrics.py [--updates 3000] [--repeats 5]

1. The whole update. Two in-process bots, each on its own temporary store, the real Dispatcher and a
   LocalSession (no network; the send pacer's rate out of reach, so the figures are the work per update):
   one as built (the `UpdateMeter` outer middleware and the `TelegramObserver` session middleware), one
   with both taken out. Each repeat feeds both, in alternating order, the same mix of updates from new users
   (/start, a search in a private chat, an inline keystroke), in alternating chunks of 60; CPU seconds per
   update (process time) are compared: the ratio metered / bare per repeat, and the median of the ratios of
   adjacent chunk pairs (robust to a neighbour's burst on a shared machine). Goal: < 1.03 (3 % CPU).
   Beside it, the two middlewares alone (an empty handler, a `getMe`), which the noise cannot hide.
2. The counting alone, nanoseconds per update: our counters (`Metrics.update_handled` and the observer's
   count of one sent message) against prometheus_client's (a labelled Counter, a Histogram observe, a plain
   Counter), when that package is installed (it is not a dependency of the bot).
3. One scrape: `Metrics.render` of a page with every series (`generate_latest` for prometheus_client).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher  # noqa: E402

from bot.catalog.library import Catalog  # noqa: E402
from bot.console.session import LocalSession  # noqa: E402
from bot.core.config import Settings  # noqa: E402
from bot.core.i18n import create_i18n  # noqa: E402
from bot.core.metrics import Gauge, Liveness, Metrics, TelegramObserver, UpdateMeter  # noqa: E402
from bot.core.pacing import SendPacer  # noqa: E402
from bot.news.repository import Newsroom  # noqa: E402
from bot.runtime.app import create_bot, create_dispatcher  # noqa: E402
from bot.store import Store  # noqa: E402
from tests import updates  # noqa: E402

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"  # noqa: S105 - a well-formed fake
CHUNK = 60  # updates fed to one bot before the other takes its turn
QUERIES = ("kin", "Кин Феа", "安丰全", "ambassador", "pakistan", "nobody-at-all", "Tuvshin")


async def make_bot(folder: Path, *, metered: bool) -> tuple[Dispatcher, Bot, Store]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        database_path=folder / "bot.sqlite3",
        telegram_api_url="http://127.0.0.1:9",
    )
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    catalog = Catalog(store.db)
    await catalog.ensure_content(settings.content_dir)
    catalog.warm()
    i18n = create_i18n(settings.locales_dir, settings.default_locale)
    dp = create_dispatcher(settings, store, catalog, Newsroom(store.db), i18n, broadcast=False)
    pacer = SendPacer(1e9, private_interval=0.0, group_interval=0.0)
    bot = create_bot(settings, session=LocalSession(strict=False), pacer=pacer)
    if metered:
        bot.session.middleware(TelegramObserver(dp["metrics"], Liveness()))
    else:
        for middleware in list(dp.update.outer_middleware):
            if isinstance(middleware, UpdateMeter):
                dp.update.outer_middleware.unregister(middleware)
    return dp, bot, store


def workload(first_user: int, count: int) -> list[dict[str, Any]]:
    out = []
    for n in range(count):
        user = first_user + n
        kind = n % 3
        if kind == 0:
            out.append(updates.message("/start", user_id=user))
        elif kind == 1:
            out.append(updates.message(QUERIES[n % len(QUERIES)], user_id=user))
        else:
            out.append(updates.inline_query(QUERIES[n % len(QUERIES)][: 1 + n % 4], user_id=user))
    return out


async def cpu_per_update(dp: Dispatcher, bot: Bot, batch: list[dict[str, Any]]) -> float:
    gc.collect()
    started = time.process_time()
    for update in batch:
        await dp.feed_raw_update(bot, update)
    return (time.process_time() - started) / len(batch)


async def whole_updates(count: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        metered = await make_bot(Path(tmp) / "metered", metered=True)
        bare = await make_bot(Path(tmp) / "bare", metered=False)
        bots = {"metered": metered, "bare": bare}
        for name, (dp, bot, _) in bots.items():  # warm-up: caches, first allocations
            await cpu_per_update(dp, bot, workload(1_000_000, 300))
            print(f"warmed up {name}")
        ratios, pairs, figures = [], [], {"metered": [], "bare": []}
        user = 10_000_000
        for repeat in range(repeats):
            # Small alternating chunks: a neighbour's load on the shared CPU falls on both alike; each pair
            # of adjacent chunks gives a ratio, and their median shrugs off a burst that hit one of them.
            spent = {"metered": 0.0, "bare": 0.0}
            for chunk in range(count // CHUNK):
                pair: dict[str, float] = {}
                for name in ("metered", "bare") if chunk % 2 == 0 else ("bare", "metered"):
                    dp, bot, _ = bots[name]
                    pair[name] = await cpu_per_update(dp, bot, workload(user, CHUNK))
                    spent[name] += pair[name] * CHUNK
                    user += CHUNK
                if pair["bare"] > 0:
                    pairs.append(pair["metered"] / pair["bare"])
            seen = {name: spent[name] / (count // CHUNK * CHUNK) for name in spent}
            for name, value in seen.items():
                figures[name].append(value)
            ratios.append(seen["metered"] / seen["bare"])
            print(
                f"repeat {repeat + 1}: metered {seen['metered'] * 1e6:.0f} µs, "
                f"bare {seen['bare'] * 1e6:.0f} µs CPU/update, ratio {ratios[-1]:.3f}"
            )
        for _, _, store in bots.values():
            await store.close()
    print(
        f"\nwhole update, CPU: metered {statistics.median(figures['metered']) * 1e6:.0f} µs, "
        f"bare {statistics.median(figures['bare']) * 1e6:.0f} µs; ratio median "
        f"{statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f}); median of "
        f"{len(pairs)} chunk pairs {statistics.median(pairs):.3f}; goal < 1.03"
    )


def per_call_ns(fn: Any, n: int = 200_000) -> float:
    started = time.perf_counter_ns()
    for _ in range(n):
        fn()
    return (time.perf_counter_ns() - started) / n


def counting_alone() -> None:
    metrics = Metrics()

    def ours() -> None:
        metrics.update_handled("message", 0.0021)
        metrics.replies += 1

    ours_ns = per_call_ns(ours)
    print(f"\ncounting per update: ours {ours_ns:.0f} ns")
    try:
        import prometheus_client as prom
    except ImportError:
        print("prometheus_client not installed: no comparison (pip install prometheus_client to add it)")
        prom = None
    if prom is not None:
        registry = prom.CollectorRegistry()
        updates_total = prom.Counter("u", "u", ["type"], registry=registry)
        replies = prom.Counter("r", "r", registry=registry)
        handler = prom.Histogram("h", "h", registry=registry, buckets=metrics.handler_seconds.bounds)

        def theirs() -> None:
            updates_total.labels("message").inc()
            handler.observe(0.0021)
            replies.inc()

        theirs_ns = per_call_ns(theirs)
        ratio = ours_ns / theirs_ns
        print(f"counting per update: prometheus_client {theirs_ns:.0f} ns; ours / theirs {ratio:.2f}")
    gauges = [
        Gauge("roundtable_replies_waiting", "w", [({}, 3)]),
        Gauge("roundtable_deliveries", "d", [({"state": s}, 10) for s in ("pending", "sent", "failed")]),
    ]
    for kind in ("message", "callback_query", "inline_query", "my_chat_member"):
        metrics.update_handled(kind, 0.003)
    metrics.telegram_error("403")
    scrape_us = per_call_ns(lambda: metrics.render(gauges), 5_000) / 1000
    print(f"one scrape (render): ours {scrape_us:.1f} µs")
    if prom is not None:
        prom_us = per_call_ns(lambda: prom.generate_latest(registry), 5_000) / 1000
        print(f"one scrape (generate_latest): prometheus_client {prom_us:.1f} µs")


async def isolated_overhead(count: int = 20_000) -> None:
    """The middlewares' own cost: a Dispatcher with one empty handler fed the same updates with and without
    `UpdateMeter`, and `getMe` through a LocalSession with and without `TelegramObserver`; alternating, the
    best of five, µs each."""
    from aiogram import Router
    from aiogram.methods import GetMe

    def dispatcher(metered: bool) -> Dispatcher:
        dp = Dispatcher()
        router = Router()

        @router.message()
        async def nothing(message: object) -> None:
            return None

        dp.include_router(router)
        if metered:
            dp.update.outer_middleware(UpdateMeter(Metrics()))
        return dp

    settings = Settings(_env_file=None, bot_token=TOKEN)  # type: ignore[call-arg]
    batch = [updates.message("hi", user_id=n) for n in range(count)]
    dps = [dispatcher(False), dispatcher(True)]
    bots = [create_bot(settings, session=LocalSession()) for _ in range(2)]
    bots[1].session.middleware(TelegramObserver(Metrics(), Liveness()))
    update_cost, request_cost = [float("inf")] * 2, [float("inf")] * 2
    for _ in range(5):
        for metered in (0, 1):
            started = time.process_time()
            for update in batch:
                await dps[metered].feed_raw_update(bots[metered], update)
            update_cost[metered] = min(update_cost[metered], (time.process_time() - started) / count)
            started = time.process_time()
            for _ in range(count // 4):
                await bots[metered](GetMe())
            request_cost[metered] = min(request_cost[metered], (time.process_time() - started) / (count // 4))
    print(
        f"\nUpdateMeter: {update_cost[0] * 1e6:.1f} -> {update_cost[1] * 1e6:.1f} µs per update "
        f"(+{(update_cost[1] - update_cost[0]) * 1e6:.2f}); TelegramObserver: {request_cost[0] * 1e6:.1f} -> "
        f"{request_cost[1] * 1e6:.1f} µs per request (+{(request_cost[1] - request_cost[0]) * 1e6:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    counting_alone()
    asyncio.run(isolated_overhead())
    asyncio.run(whole_updates(args.updates, args.repeats))


if __name__ == "__main__":
    main()
