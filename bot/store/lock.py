"""One process owns a store: an OS lock on `<database>.lock`, held while the bot serves.

Two bots draining one outbox would send news twice and reset each other's deliveries. The lock is the
kernel's (flock), so a crashed or killed process releases it with its last file descriptor: nothing is left
behind to clean up. The file holds the owner's pid, so the refusal can name it. One-shot commands
(`content load`, `news post`) write through their own connection in their own transactions and take no
lock: they work against a running bot.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bot.store.db import StoreError


class StoreBusyError(StoreError):
    """Another process serves this store."""


class StoreLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database: Path) -> StoreLock:
        path = database.with_name(database.name + ".lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot create lock file {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"pid {holder}" if holder else "a process that has not written its pid yet"
            raise StoreBusyError(
                f"{database} is served by another bot process ({who}); one store serves one bot — "
                "stop that one first, or give this one another DATABASE_PATH"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot lock {path}: {exc.strerror or exc}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
