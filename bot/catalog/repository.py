"""The content tables: the reviewed facts, replaced wholesale in one transaction, read back as a snapshot."""

from __future__ import annotations

import json
from typing import Any

from bot.catalog.content import Content, build_content
from bot.store.db import Database
from bot.store.users import utcnow


class ContentRepository:
    """The content tables: replaced wholesale in one transaction, read back as a `Content` snapshot."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def version(self) -> str | None:
        async with self.db.read("SELECT version FROM content_meta WHERE id = 1") as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def replace(self, content: Content) -> None:
        documents = content.to_documents()
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM content_document")
            await conn.executemany(
                "INSERT INTO content_document (name, body) VALUES (?, ?)",
                [(name, json.dumps(body, ensure_ascii=False)) for name, body in documents.items()],
            )
            await conn.execute(
                "INSERT INTO content_meta (id, version, loaded_at) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version, loaded_at = excluded.loaded_at",
                (content.version, utcnow()),
            )

    async def load(self) -> Content | None:
        version = await self.version()
        if version is None:
            return None
        async with self.db.read("SELECT name, body FROM content_document") as cur:
            rows = await cur.fetchall()
        documents: dict[str, Any] = {row[0]: json.loads(row[1]) for row in rows}
        return build_content(documents, version=version)
