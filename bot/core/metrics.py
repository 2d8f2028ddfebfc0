"""What the bot counts while it runs, written out in Prometheus's text format for `GET /metrics`.

Counters and one histogram, kept as plain ints and floats: an update costs a few dict increments, and the
text is built only when someone scrapes (bench/metrics.py measures both against a bot without metrics). The
format is Prometheus's text exposition format 0.0.4, written out here rather than through prometheus_client:
these few series need no registry, and the bot carries one dependency less.

`TelegramObserver`, a session request middleware installed innermost (next to the wire), sees every answer
Telegram gives: it counts messages sent (`roundtable_replies_total`), errors by code, and tells `Liveness`
when Telegram last answered a `getUpdates` (or, when asked to, any call: the webhook mode's `getMe` probe).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import GetUpdates, Response, SendChatAction, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update

if TYPE_CHECKING:
    from aiogram import Bot

Clock = Callable[[], float]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Handler time in seconds: most updates take a millisecond or two, a search or a broadcast write more.
HANDLER_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
NETWORK = "network"  # the `code` of a request that got no HTTP answer at all


class Histogram:
    """Cumulative buckets, a sum and a count, as Prometheus expects them."""

    def __init__(self, buckets: Iterable[float] = HANDLER_BUCKETS) -> None:
        self.bounds = tuple(sorted(buckets))
        self.counts = [0] * (len(self.bounds) + 1)  # the last one is +Inf
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1


class Metrics:
    """Counters of one process; `render` adds the gauges read at scrape time."""

    def __init__(self) -> None:
        self.updates: dict[str, int] = {}
        self.replies = 0
        self.telegram_errors: dict[str, int] = {}
        self.handler_seconds = Histogram()

    def update_handled(self, update_type: str, seconds: float) -> None:
        self.updates[update_type] = self.updates.get(update_type, 0) + 1
        self.handler_seconds.observe(seconds)

    def telegram_error(self, code: str) -> None:
        self.telegram_errors[code] = self.telegram_errors.get(code, 0) + 1

    def render(self, gauges: Iterable[Gauge] = ()) -> str:
        out: list[str] = []
        _family(out, "roundtable_updates_total", "counter", "Updates handled, by type.")
        out += [f'roundtable_updates_total{{type="{k}"}} {v}' for k, v in sorted(self.updates.items())]
        _family(out, "roundtable_replies_total", "counter", "Messages the bot sent (replies and news).")
        out.append(f"roundtable_replies_total {self.replies}")
        _family(out, "roundtable_telegram_errors_total", "counter", "Bot API errors, by error code.")
        out += [
            f'roundtable_telegram_errors_total{{code="{k}"}} {v}'
            for k, v in sorted(self.telegram_errors.items())
        ]
        for gauge in gauges:
            _family(out, gauge.name, "gauge", gauge.help)
            out += [f"{gauge.name}{_labels(labels)} {_number(value)}" for labels, value in gauge.samples]
        h = self.handler_seconds
        name = "roundtable_handler_seconds"
        _family(out, name, "histogram", "Time to handle one update.")
        cumulative = 0
        for bound, count in zip((*h.bounds, float("inf")), h.counts, strict=True):
            cumulative += count
            out.append(f'{name}_bucket{{le="{_number(bound)}"}} {cumulative}')
        out.append(f"{name}_sum {_number(h.sum)}")
        out.append(f"{name}_count {h.count}")
        return "\n".join(out) + "\n"


class Gauge:
    """A value read when scraped: `samples` are (labels, value)."""

    def __init__(self, name: str, help_text: str, samples: Iterable[tuple[dict[str, str], float]]) -> None:
        self.name = name
        self.help = help_text
        self.samples = list(samples)


def _family(out: list[str], name: str, kind: str, help_text: str) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels.items()
    )
    return "{" + inner + "}"


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class UpdateMeter(BaseMiddleware):
    """The dispatcher's outermost update middleware: counts each update by type and times its handling."""

    def __init__(self, metrics: Metrics, clock: Clock = time.perf_counter) -> None:
        self.metrics = metrics
        self.clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        started = self.clock()
        try:
            return await handler(event, data)
        finally:
            kind = event.event_type if isinstance(event, Update) else type(event).__name__
            self.metrics.update_handled(kind, self.clock() - started)


class Liveness:
    """When Telegram last answered what proves the bot is working: a `getUpdates` in polling mode; in
    webhook mode an update posted to us or any answered call (the idle `getMe` probe)."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.last_ok: float | None = None
        self.last_error: str | None = None

    def alive(self) -> None:
        self.last_ok = self.clock()
        self.last_error = None

    def failed(self, reason: str) -> None:
        self.last_error = reason

    def age(self) -> float | None:
        """Seconds since Telegram last answered (None: never)."""
        return None if self.last_ok is None else self.clock() - self.last_ok


class TelegramObserver(BaseRequestMiddleware):
    """Counts what Telegram answers and keeps `Liveness` up to date. Install it last (innermost): it then
    sees each real answer, a 429 that the pacer retries included."""

    def __init__(self, metrics: Metrics, liveness: Liveness, *, any_call_is_alive: bool = False) -> None:
        self.metrics = metrics
        self.liveness = liveness
        self.any_call_is_alive = any_call_is_alive

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        proves_life = self.any_call_is_alive or isinstance(method, GetUpdates)
        try:
            response = await make_request(bot, method)
        except TelegramAPIError as exc:
            code = _code_of(exc)
            self.metrics.telegram_error(code)
            if proves_life:
                self.liveness.failed(f"{type(method).__name__}: {code}: {exc.message}")
            raise
        if type(method).__name__.startswith(SENDS) and not isinstance(method, SendChatAction):
            self.metrics.replies += 1
        if proves_life:
            self.liveness.alive()
        return response


SENDS = ("Send", "Copy", "Forward")  # the methods that put a message in a chat


def _code_of(exc: TelegramAPIError) -> str:
    """aiogram's exceptions do not keep the HTTP code; their class says it."""
    for cls in type(exc).__mro__:
        if cls.__name__ in ERROR_CODES:
            return ERROR_CODES[cls.__name__]
    return "other"


ERROR_CODES = {
    "TelegramBadRequest": "400",
    "TelegramUnauthorizedError": "401",
    "TelegramForbiddenError": "403",
    "TelegramNotFound": "404",
    "TelegramConflictError": "409",
    "TelegramEntityTooLarge": "413",
    "TelegramRetryAfter": "429",
    "TelegramMigrateToChat": "400",
    "TelegramServerError": "5xx",
    "TelegramNetworkError": NETWORK,
}
