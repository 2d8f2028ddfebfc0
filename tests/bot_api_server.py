"""A small Bot-API-compatible HTTP server on 127.0.0.1 for end-to-end tests of `python -m bot`.

It serves `getUpdates` from a queue, records every other call, and answers them as Telegram would.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from typing import Any

from aiohttp import web

BOT_USER = {
    "id": 424242,
    "is_bot": True,
    "first_name": "Roundtable",
    "username": "roundtable_bot",
    "can_join_groups": True,
    "supports_inline_queries": True,
}


class FakeBotAPI:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.tokens: set[str] = set()
        self._new_update = asyncio.Event()
        self._changed = asyncio.Event()
        self._message_ids = itertools.count(1)
        self.faults: dict[str, list[int]] = {}
        self.descriptions: dict[str, str] = {}
        self.gates: dict[str, asyncio.Event] = {}
        self.fault_count = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    def push_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._new_update.set()

    def fail_next(self, method: str, *statuses: int, description: str | None = None) -> None:
        """Answer the next calls of `method` with these HTTP statuses (0 drops the connection)."""
        self.faults.setdefault(method.lower(), []).extend(statuses)
        if description is not None:
            self.descriptions[method.lower()] = description

    def hold(self, method: str) -> asyncio.Event:
        """Record calls of `method` as they arrive but answer none until the returned event is set."""
        gate = self.gates[method.lower()] = asyncio.Event()
        return gate

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def wait_for(self, method: str, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        """Wait until `count` calls of `method` arrived (event-driven, bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        while len(self.calls_of(method)) < count:
            self._changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{method}: {len(self.calls_of(method))} of {count} calls")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return self.calls_of(method)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        self.tokens.add(request.match_info["token"])
        faults = self.faults.get(method)
        if faults:
            status = faults.pop(0)
            self.fault_count += 1
            self._changed.set()
            if status == 0:
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)
            description = self.descriptions.get(method, f"Internal Server Error {status}")
            return web.json_response(
                {"ok": False, "error_code": status, "description": description}, status=status
            )
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            try:
                params[key] = json.loads(text)
            except ValueError:
                params[key] = text
        if method == "getupdates":
            return await self._get_updates(params)
        self.calls.append((method, params))
        self._changed.set()
        gate = self.gates.get(method)
        if gate is not None:
            await gate.wait()
        return web.json_response({"ok": True, "result": self._result(method, params)})

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), min(float(params.get("timeout") or 0), 1.0))
        return web.json_response({"ok": True, "result": self.updates[:100]})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getme":
            return BOT_USER
        if method in {"sendmessage", "editmessagetext"}:
            chat_id = int(params.get("chat_id") or 0)
            return {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        if method == "getmycommands":
            return []
        if method == "getmydescription":
            return {"description": ""}
        if method == "getmyshortdescription":
            return {"short_description": ""}
        if method == "getwebhookinfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True
