"""`python -m bot backup PATH`: a consistent copy of the store while the bot runs, checked before it is kept.

Copying the file (cp, rsync, a volume snapshot) while the bot writes can catch half a transaction, or miss
what still sits in the WAL file. SQLite's online backup API copies the pages of one read transaction: every
transaction committed before it began, none after, while the bot goes on writing (WAL readers do not block
writers). The copy is written next to its target, checked with `PRAGMA integrity_check`, switched to a
rollback journal (one self-contained file, restored by copying it back), and only then renamed into place.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


class BackupError(Exception):
    """The backup could not be made or its copy failed the check (the target is left untouched)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    schema_version: int


def backup_path(target: Path, now: dt.datetime | None = None) -> Path:
    """A folder gets a dated file name (bot-YYYYMMDD-HHMMSS.sqlite3); a file name is used as given."""
    if target.is_dir():
        moment = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
        return target / f"bot-{moment}.sqlite3"
    return target


def backup(source: Path, target: Path) -> Backup:
    """Copy the store at `source` to `target` (a file, or a folder for a dated file) and check the copy."""
    if not source.is_file():
        raise BackupError(f"no store at {source}")
    path = backup_path(target)
    if path.exists() and path.resolve() == source.resolve():
        raise BackupError(f"{path} is the store itself")
    if not path.parent.is_dir():
        raise BackupError(f"folder {path.parent} does not exist")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source, timeout=5)  # it only reads
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # all pages in one step: one read transaction, one consistent state
                dst.execute("PRAGMA journal_mode = DELETE")
                problems = [str(row[0]) for row in dst.execute("PRAGMA integrity_check")]
                version = int(dst.execute("PRAGMA user_version").fetchone()[0])
            finally:
                dst.close()
        finally:
            src.close()
        if problems != ["ok"]:
            raise BackupError(f"the copy failed PRAGMA integrity_check: {'; '.join(problems[:5])}")
        os.replace(partial, path)
    except sqlite3.Error as exc:
        raise BackupError(f"{exc}") from None
    except OSError as exc:
        raise BackupError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return Backup(path=path, size=path.stat().st_size, schema_version=version)
