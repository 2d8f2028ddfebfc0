"""Recent search queries behind short tokens, so a card opened from search results can go Back to them.

A query can be 256 characters and callback data only 64 bytes, so the results' buttons carry a token and the
query stays here, in a small bounded memory: the oldest go first, and a restart forgets them all. A token we
no longer hold (or never issued) simply finds nothing, and the handler answers with the stale-button alert.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import OrderedDict

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{10}")


class RecentSearches:
    SIZE = 2048

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._queries: OrderedDict[str, str] = OrderedDict()

    @staticmethod
    def token_for(query: str) -> str:
        """The same query always gets the same token (10 URL-safe characters of its hash)."""
        digest = hashlib.blake2b(query.encode(), digest_size=8).digest()
        return base64.urlsafe_b64encode(digest).decode()[:10]

    def remember(self, query: str) -> str:
        token = self.token_for(query)
        self._queries[token] = query
        self._queries.move_to_end(token)
        while len(self._queries) > self.size:
            self._queries.popitem(last=False)
        return token

    def query(self, token: str) -> str | None:
        if not TOKEN_RE.fullmatch(token):
            return None
        query = self._queries.get(token)
        if query is not None:
            self._queries.move_to_end(token)
        return query
