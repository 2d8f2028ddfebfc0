"""Participant search shared by inline mode, `/speaker <text>` and free text in a private chat.

Served from an in-memory index rebuilt whenever the content snapshot changes.
"""

from __future__ import annotations

from bot.content import Content, Person


class SearchIndex:
    def __init__(self, content: Content) -> None:
        self.content = content
        self._haystacks: list[tuple[Person, str]] = []
        for person in content.people:
            fields = [*person.name.values(), person.native, *person.aliases, *person.role.values()]
            if person.organisation:
                org = content.organisations[person.organisation]
                fields += [*org.name.values(), *org.aliases]
            fields += list(content.countries[person.country].name.values())
            self._haystacks.append((person, " ".join(fields).casefold()))

    def search(self, query: str, limit: int | None = None) -> list[Person]:
        """People matching `query`, best first; an empty query lists everyone in programme order."""
        words = query.casefold().split()
        found = [person for person, hay in self._haystacks if all(w in hay for w in words)]
        return found[:limit] if limit is not None else found
