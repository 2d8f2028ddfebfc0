"""Benchmark (not a test): the Mini App's page weight, its first render in headless Chromium (Debian's), and
its API's latency under 200 requests at once, against a bare aiohttp handler measured in the same run.

    .venv/bin/python bench/webapp.py
    .venv/bin/python bench/webapp.py --rounds 10 --concurrency 200

Client and server share one process and event loop (as do the baseline's), so the ratio is what the API's
own work (init data check, store reads, rendering in the viewer's language) costs over aiohttp's.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, TCPConnector, web  # noqa: E402

from tests.webapp.browser_support import CHROMIUM, Site, open_page  # noqa: E402
from tests.webapp.support import PATH, auth  # noqa: E402


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bursts(
    targets: dict[str, tuple[str, dict[str, str]]], concurrency: int, rounds: int
) -> dict[str, list[float]]:
    """`rounds` bursts of `concurrency` requests at once on each target, the targets taking turns within
    each round (so a busy moment of the machine falls on all of them); each request's latency in ms."""
    latencies: dict[str, list[float]] = {name: [] for name in targets}
    async with ClientSession(connector=TCPConnector(limit=0)) as http:

        async def one(name: str, url: str, headers: dict[str, str]) -> None:
            start = time.perf_counter()
            async with http.get(url, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            latencies[name].append((time.perf_counter() - start) * 1000)

        for round_ in range(rounds + 1):  # the first round warms connections and caches up
            for name, (url, headers) in targets.items():
                if round_ == 1:
                    latencies[name].clear()
                await asyncio.gather(*(one(name, url, headers) for _ in range(concurrency)))
    return latencies


async def bare_server() -> tuple[web.AppRunner, int]:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"locale": "en", "people": []})

    app = web.Application()
    app.router.add_get("/bare", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loads", type=int, default=5, help="page loads for the first-render figure")
    args = parser.parse_args()

    static = ROOT / "bot" / "webapp" / "static"
    weight = sum(f.stat().st_size for f in static.iterdir())
    print(f"page weight: {weight / 1024:.1f} KB ({', '.join(f.name for f in sorted(static.iterdir()))})")

    with tempfile.TemporaryDirectory() as scratch:
        site = Site(Path(scratch))
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                renders = []
                for user_id in range(8001, 8001 + args.loads):
                    start = time.perf_counter()
                    page = open_page(browser, site, "zh-hans", user_id=user_id)
                    renders.append((time.perf_counter() - start) * 1000)
                    page.context.close()
                browser.close()
            median = statistics.median(renders)
            print(f"first render (gallery of ten, zh, headless Chromium): median {median:.0f} ms")

            async def measure() -> None:
                runner, port = await bare_server()
                targets = {"bare aiohttp handler": (f"http://127.0.0.1:{port}/bare", {})}
                for route in ("session", "speakers", "speakers?q=kin%20fea", "news"):
                    targets[f"{PATH}api/{route}"] = (f"{site.url}api/{route}", auth("en"))
                try:
                    got = await bursts(targets, args.concurrency, args.rounds)
                finally:
                    await runner.cleanup()
                print(f"{args.concurrency} requests at once × {args.rounds} rounds:")
                base50, base99 = p(got["bare aiohttp handler"], 0.5), p(got["bare aiohttp handler"], 0.99)
                for name, values in got.items():
                    p50, p99 = p(values, 0.5), p(values, 0.99)
                    ratios = (
                        f"p50 {p50:6.1f} ms (×{p50 / base50:.1f})  p99 {p99:6.1f} ms (×{p99 / base99:.1f})"
                    )
                    print(f"  {name:28} {ratios}")

            site.call(measure())
        finally:
            site.close()


if __name__ == "__main__":
    main()
