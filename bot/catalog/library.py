"""What the bot knows, as served: the content snapshot read from the SQLite content tables, and the
participant search index built from it; and `content load`, which replaces those tables from the files."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from bot.catalog.content import Content, ContentError, load_content
from bot.catalog.repository import ContentRepository
from bot.catalog.search import SearchIndex
from bot.core.config import Settings
from bot.store import Database, Store, StoreError
from bot.store.misses import SearchMisses

log = logging.getLogger(__name__)

ContentListener = Callable[[Content], None]


class Catalog:
    """The facade handlers receive for facts: the content snapshot and its search index."""

    def __init__(self, db: Database) -> None:
        self.content_repo = ContentRepository(db)
        self.misses = SearchMisses(db)  # searches that found nobody, for editors (catalog/misses.py)
        self._content: Content | None = None
        self._listeners: list[ContentListener] = []
        self._search: SearchIndex | None = None
        self.on_content_change(self._rebuild_search)

    @property
    def content(self) -> Content:
        if self._content is None:
            raise StoreError("content is not loaded")
        return self._content

    @property
    def search(self) -> SearchIndex:
        """The participant search index for the content being served, built on first use (or by `warm`)."""
        if self._search is None:
            self._search = SearchIndex(self.content)
        return self._search

    def warm(self) -> None:
        """Build the search index now (just after start-up, so that the first poll need not wait ~0.15 s for
        it and the first search finds it ready)."""
        if self._content is not None:
            _ = self.search

    def _rebuild_search(self, content: Content) -> None:
        self._search = None  # the next search builds the index of this snapshot

    def on_content_change(self, listener: ContentListener) -> None:
        """Call `listener(content)` now (if loaded) and whenever the snapshot changes (search index, …)."""
        self._listeners.append(listener)
        if self._content is not None:
            listener(self._content)

    def _set_content(self, content: Content) -> None:
        self._content = content
        for listener in self._listeners:
            listener(content)

    async def load_content(self, content: Content) -> None:
        """Replace the content tables (user data untouched) and serve the new snapshot."""
        await self.content_repo.replace(content)
        self._set_content(content)

    async def refresh(self) -> bool:
        """Serve the stored content if `content load` (another process) replaced it since: one indexed read
        when nothing changed. True when a new snapshot is now served."""
        version = await self.content_repo.version()
        if version is None or (self._content is not None and version == self._content.version):
            return False
        stored = await self.content_repo.load()
        if stored is None:  # pragma: no cover - a version row comes with its documents
            return False
        self._set_content(stored)
        log.info("content %s loaded from the store (python -m bot content load)", stored.version)
        return True

    async def ensure_content(self, directory: Path) -> Content:
        """Serve stored content, reloading from files when the store is empty or the files changed.

        Broken files never replace good stored content: the error is logged and the old snapshot served.
        """
        stored_version = await self.content_repo.version()
        try:
            files = load_content(directory)
        except ContentError as exc:
            if stored_version is None:
                raise
            log.error("content files are broken, serving stored version %s:\n%s", stored_version, exc)
            files = None
        if files is not None and files.version != stored_version:
            await self.load_content(files)
            log.info("content %s loaded from %s", files.version, directory)
            return files
        stored = await self.content_repo.load()
        if stored is None:  # pragma: no cover - version row without documents cannot be written
            raise StoreError("stored content is missing")
        self._set_content(stored)
        return stored


async def store_content(settings: Settings, content: Content) -> None:
    """`content load`: replace the content tables of `DATABASE_PATH` with `content` (user data untouched)."""
    settings.prepare_database_dir()
    store = await Store.open(settings.database_path)
    try:
        await Catalog(store.db).load_content(content)
    finally:
        await store.close()
