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


async def burst(url: str, headers: dict[str, str], concurrency: int, rounds: int) -> list[float]:
    """`rounds` bursts of `concurrency` requests at once; each request's latency in ms."""
    latencies: list[float] = []
    async with ClientSession(connector=TCPConnector(limit=0)) as http:

        async def one() -> None:
            start = time.perf_counter()
            async with http.get(url, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            latencies.append((time.perf_counter() - start) * 1000)

        await asyncio.gather(*(one() for _ in range(concurrency)))  # warm-up: connections, caches
        latencies.clear()
        for _ in range(rounds):
            await asyncio.gather(*(one() for _ in range(concurrency)))
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
                try:
                    bare = await burst(f"http://127.0.0.1:{port}/bare", {}, args.concurrency, args.rounds)
                finally:
                    await runner.cleanup()
                print(f"{args.concurrency} requests at once × {args.rounds}:")
                base99 = p(bare, 0.99)
                print(
                    f"  bare aiohttp handler     p50 {p(bare, 0.5):6.1f} ms  p99 {base99:6.1f} ms  (baseline)"
                )
                for route in ("session", "speakers", "speakers?q=kin%20fea", "news"):
                    url = f"{site.url}api/{route}"
                    got = await burst(url, auth("en"), args.concurrency, args.rounds)
                    p99 = p(got, 0.99)
                    print(
                        f"  {PATH + 'api/' + route:28} p50 {p(got, 0.5):6.1f} ms  p99 {p99:6.1f} ms  "
                        f"×{p99 / base99:.1f} the baseline"
                    )

            site.call(measure())
        finally:
            site.close()


if __name__ == "__main__":
    main()
