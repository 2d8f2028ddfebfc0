"""Schema migrations, applied in order on open; `PRAGMA user_version` records how many have run.

Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: content (rebuilt wholesale by `content load`) apart from user data (never touched by it).
    """
    CREATE TABLE content_document (
        name TEXT PRIMARY KEY,
        body TEXT NOT NULL
    );
    CREATE TABLE content_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version TEXT NOT NULL,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE user (
        id INTEGER PRIMARY KEY,
        language_code TEXT,
        locale TEXT CHECK (locale IN ('ru', 'en', 'zh')),
        first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        last_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE subscription (
        user_id INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    """,
]
