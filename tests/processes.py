"""Child processes of the end-to-end tests: every wait is bounded, and no process outlives its test.

A worker that crashes or hangs fails its test within the timeout instead of hanging the whole suite."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

TIMEOUT = 60.0  # generous: process start-up on a busy 2-core machine takes seconds


async def wait(process: asyncio.subprocess.Process, timeout: float = TIMEOUT) -> int:
    """The exit code; a process still running after `timeout` is killed and the test fails."""
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        await reap(process)
        raise AssertionError(f"process {process.pid} still running after {timeout:.0f} s; killed") from None


async def communicate(process: asyncio.subprocess.Process, timeout: float = TIMEOUT) -> tuple[bytes, bytes]:
    """(stdout, stderr) once the process exits; killed and failed after `timeout`."""
    try:
        return await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        await reap(process)
        raise AssertionError(f"process {process.pid} still running after {timeout:.0f} s; killed") from None


async def reap(process: asyncio.subprocess.Process) -> None:
    """Kill the process if it still runs, and collect it."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await asyncio.wait_for(process.wait(), 30)


@contextlib.asynccontextmanager
async def reaped(process: asyncio.subprocess.Process) -> AsyncIterator[asyncio.subprocess.Process]:
    """The process, killed on the way out if it still runs."""
    try:
        yield process
    finally:
        await reap(process)
