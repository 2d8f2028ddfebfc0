"""The facts the bot states: the schema of the reviewed TOML files in `content/`, loading and checking."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from bot.core.locales import LOCALES

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
CONTENT_FILES: tuple[str, ...] = (
    "event.toml",
    "countries.toml",
    "organisations.toml",
    "people.toml",
    "initiative.toml",
    "sources.toml",
    "queries.toml",
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_RE.pattern)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class L10n(Model):
    """One user-visible text in every supported language."""

    ru: Text
    en: Text
    zh: Text

    def get(self, locale: str) -> str:
        value: str = getattr(self, locale if locale in LOCALES else "en")
        return value

    def values(self) -> tuple[str, ...]:
        return (self.ru, self.en, self.zh)


class Country(Model):
    code: Slug
    flag: Text
    name: L10n


class Organisation(Model):
    slug: Slug
    name: L10n
    short: L10n | None = None
    country: Slug | None = None
    aliases: list[Text] = Field(default_factory=list)


class Person(Model):
    slug: Slug
    order: int = Field(ge=1)
    is_chair: bool = False
    country: Slug
    organisation: Slug | None = None
    native: Text
    name: L10n
    role: L10n
    represented: L10n
    aliases: list[Text] = Field(default_factory=list)


class Source(Model):
    id: Slug
    title: L10n
    url: Text | None = None
    date: dt.date | None = None


class Event(Model):
    title: L10n
    date: dt.date
    format: L10n
    organiser: Slug
    chair: Slug
    theme: L10n
    purpose: L10n
    outcome: L10n
    sources: list[Slug] = Field(min_length=1)


class NamedSignatory(Model):
    name: L10n
    role: L10n
    person: Slug | None = None


class Initiative(Model):
    title: L10n
    # The languages whose title is our translation, not one the sources print: the card says so.
    title_translated: list[Literal["ru", "en", "zh"]] = Field(default_factory=list)
    signatories_count: int = Field(ge=1)
    signatories: L10n
    calls_for: L10n
    points: list[L10n] = Field(min_length=1)
    named_signatories: list[NamedSignatory] = Field(default_factory=list)
    sources: list[Slug] = Field(min_length=1)


class Words(Model):
    """Words or phrases people type, per language (`queries.toml`); a language may have none."""

    ru: list[Text] = Field(default_factory=list)
    en: list[Text] = Field(default_factory=list)
    zh: list[Text] = Field(default_factory=list)

    def values(self) -> tuple[str, ...]:
        return (*self.ru, *self.en, *self.zh)


class QueryRole(Model):
    """A role at the roundtable and the words that name it; `members` says who holds it. `verbs` name it
    only among other words ("who spoke from Mongolia"; "who spoke?" alone is about the list, not a search)."""

    id: Slug
    members: Literal["chair", "guests", "signatories", "everyone"]
    sources: list[Slug] = Field(min_length=1)
    words: Words
    verbs: Words = Field(default_factory=Words)


class CountryWords(Model):
    """More words for a country: adjectives and other names (`Mongolian`, «китайский», 中方)."""

    code: Slug
    words: Words


class Queries(Model):
    """How people ask the search: frames stripped from a question, Chinese particles that split a run of
    characters, inflections tried off a word, roles at the roundtable, more words for countries."""

    frames: Words
    particles: Words = Field(default_factory=Words)
    endings: Words = Field(default_factory=Words)
    role: list[QueryRole] = Field(default_factory=list)
    country: list[CountryWords] = Field(default_factory=list)


def role_holders(role: QueryRole, chair: str, people: Iterable[Person], initiative: Initiative) -> set[str]:
    """The slugs of the people holding a role of `queries.toml`."""
    if role.members == "chair":
        return {chair}
    if role.members == "signatories":
        return {s.person for s in initiative.named_signatories if s.person}
    return {p.slug for p in people if role.members == "everyone" or p.slug != chair}


class EventFile(Model):
    event: Event


class CountriesFile(Model):
    country: list[Country] = Field(min_length=1)


class OrganisationsFile(Model):
    organisation: list[Organisation] = Field(min_length=1)


class PeopleFile(Model):
    person: list[Person] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_chair(self) -> PeopleFile:
        chairs = [p.slug for p in self.person if p.is_chair]
        if len(chairs) != 1:
            raise ValueError(f"exactly one person must have is_chair = true, found {len(chairs)}")
        return self


class InitiativeFile(Model):
    initiative: Initiative


class SourcesFile(Model):
    source: list[Source] = Field(min_length=1)


FILE_MODELS: dict[str, type[Model]] = {
    "event.toml": EventFile,
    "countries.toml": CountriesFile,
    "organisations.toml": OrganisationsFile,
    "people.toml": PeopleFile,
    "initiative.toml": InitiativeFile,
    "sources.toml": SourcesFile,
    "queries.toml": Queries,
}


@dataclass(frozen=True)
class Content:
    """A consistent snapshot of all facts, as loaded from files or from the store."""

    event: Event
    countries: dict[str, Country]
    organisations: dict[str, Organisation]
    people: tuple[Person, ...]  # programme order, chair last
    initiative: Initiative
    sources: dict[str, Source]
    queries: Queries
    version: str = ""
    by_slug: dict[str, Person] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_slug", {p.slug: p for p in self.people})

    @property
    def chair(self) -> Person:
        return self.by_slug[self.event.chair]

    @property
    def guests(self) -> tuple[Person, ...]:
        return tuple(p for p in self.people if not p.is_chair)

    def person(self, slug: str) -> Person | None:
        return self.by_slug.get(slug)

    def to_documents(self) -> dict[str, Any]:
        """The snapshot as plain JSON-able documents, one per file model (what the store keeps)."""
        return {
            "event.toml": EventFile(event=self.event).model_dump(mode="json"),
            "countries.toml": CountriesFile(country=list(self.countries.values())).model_dump(mode="json"),
            "organisations.toml": OrganisationsFile(
                organisation=list(self.organisations.values())
            ).model_dump(mode="json"),
            "people.toml": PeopleFile(person=list(self.people)).model_dump(mode="json"),
            "initiative.toml": InitiativeFile(initiative=self.initiative).model_dump(mode="json"),
            "sources.toml": SourcesFile(source=list(self.sources.values())).model_dump(mode="json"),
            "queries.toml": self.queries.model_dump(mode="json"),
        }


class ContentError(Exception):
    """Content that must not be loaded; every problem names its file and key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _loc(parts: Iterable[int | str]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _validation_problems(file: str, error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        loc = _loc(item["loc"])
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown key"
        elif item["type"] == "missing":
            msg = "missing key"
        problems.append(f"{file}: {loc}: {msg}")
    return problems


def content_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in CONTENT_FILES:
        path = directory / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"\0missing")
    return digest.hexdigest()[:16]


def build_content(documents: dict[str, Any], version: str = "") -> Content:
    """Validate raw documents (parsed TOML or stored JSON) into a `Content`; raises `ContentError`."""
    problems: list[str] = []
    parsed: dict[str, Any] = {}
    for name, model in FILE_MODELS.items():
        if name not in documents:
            problems.append(f"{name}: file is missing")
            continue
        try:
            parsed[name] = model.model_validate(documents[name])
        except ValidationError as exc:
            problems.extend(_validation_problems(name, exc))
    if problems:
        raise ContentError(problems)

    event: Event = parsed["event.toml"].event
    countries = {c.code: c for c in parsed["countries.toml"].country}
    organisations = {o.slug: o for o in parsed["organisations.toml"].organisation}
    people = tuple(sorted(parsed["people.toml"].person, key=lambda p: (p.is_chair, p.order)))
    initiative: Initiative = parsed["initiative.toml"].initiative
    sources = {s.id: s for s in parsed["sources.toml"].source}
    queries: Queries = parsed["queries.toml"]

    problems.extend(
        _duplicates("countries.toml", "country", [c.code for c in parsed["countries.toml"].country])
    )
    problems.extend(
        _duplicates(
            "organisations.toml", "organisation", [o.slug for o in parsed["organisations.toml"].organisation]
        )
    )
    problems.extend(_duplicates("people.toml", "person", [p.slug for p in people]))
    problems.extend(_duplicates("people.toml", "person", [p.order for p in people], key="order"))
    problems.extend(
        _duplicates("sources.toml", "source", [s.id for s in parsed["sources.toml"].source], key="id")
    )

    slugs = {p.slug for p in people}
    for i, org in enumerate(parsed["organisations.toml"].organisation):
        if org.country and org.country not in countries:
            problems.append(f"organisations.toml: organisation[{i}].country: unknown country {org.country!r}")
    for i, person in enumerate(parsed["people.toml"].person):
        if person.country not in countries:
            problems.append(f"people.toml: person[{i}].country: unknown country {person.country!r}")
        if person.organisation and person.organisation not in organisations:
            problems.append(
                f"people.toml: person[{i}].organisation: unknown organisation {person.organisation!r}"
            )
    if event.organiser not in organisations:
        problems.append(f"event.toml: event.organiser: unknown organisation {event.organiser!r}")
    if event.chair not in slugs:
        problems.append(f"event.toml: event.chair: unknown person {event.chair!r}")
    elif not next(p for p in people if p.slug == event.chair).is_chair:
        problems.append(f"event.toml: event.chair: {event.chair!r} is not marked is_chair in people.toml")
    for i, sid in enumerate(event.sources):
        if sid not in sources:
            problems.append(f"event.toml: event.sources[{i}]: unknown source {sid!r}")
    for i, sid in enumerate(initiative.sources):
        if sid not in sources:
            problems.append(f"initiative.toml: initiative.sources[{i}]: unknown source {sid!r}")
    for i, sig in enumerate(initiative.named_signatories):
        if sig.person and sig.person not in slugs:
            problems.append(
                f"initiative.toml: initiative.named_signatories[{i}].person: unknown person {sig.person!r}"
            )
    problems.extend(_query_problems(queries, countries, sources, people))
    for i, role in enumerate(queries.role):
        if not role_holders(role, event.chair, people, initiative):
            problems.append(f"queries.toml: role[{i}].members: nobody holds the role {role.id!r}")
    if problems:
        raise ContentError(problems)
    return Content(
        event=event,
        countries=countries,
        organisations=organisations,
        people=people,
        initiative=initiative,
        sources=sources,
        queries=queries,
        version=version,
    )


def _query_problems(
    queries: Queries, countries: dict[str, Country], sources: dict[str, Source], people: tuple[Person, ...]
) -> list[str]:
    """`queries.toml` against the other files: known countries and sources, one entry per role and country,
    and no Chinese particle inside a Chinese name (it would split the name when typed)."""
    file = "queries.toml"
    problems = _duplicates(file, "role", [r.id for r in queries.role], key="id")
    problems += _duplicates(file, "country", [c.code for c in queries.country], key="code")
    for i, role in enumerate(queries.role):
        for j, sid in enumerate(role.sources):
            if sid not in sources:
                problems.append(f"{file}: role[{i}].sources[{j}]: unknown source {sid!r}")
        if not role.words.values():
            problems.append(f"{file}: role[{i}].words: no words name the role")
    for i, country in enumerate(queries.country):
        if country.code not in countries:
            problems.append(f"{file}: country[{i}].code: unknown country {country.code!r}")
    for j, particle in enumerate(queries.particles.zh):
        for person in people:
            for name in (person.name.zh, person.native, *person.aliases):
                if particle in name:
                    problems.append(
                        f"{file}: particles.zh[{j}]: {particle!r} occurs in the name {name!r} ({person.slug})"
                    )
    return problems


def _duplicates(file: str, table: str, values: list[Any], key: str = "slug") -> list[str]:
    seen: set[Any] = set()
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append(f"{file}: {table}[{i}].{key}: duplicate value {value!r}")
        seen.add(value)
    return problems


def read_documents(directory: Path) -> dict[str, Any]:
    """Parse every content file; a file that is missing or not TOML is a `ContentError` naming it."""
    documents: dict[str, Any] = {}
    problems: list[str] = []
    for name in CONTENT_FILES:
        path = directory / name
        try:
            with path.open("rb") as fp:
                documents[name] = tomllib.load(fp)
        except FileNotFoundError:
            problems.append(f"{name}: file is missing in {directory}")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: not valid TOML: {exc}")
        except OSError as exc:
            problems.append(f"{name}: cannot be read: {exc.strerror}")
    if problems:
        raise ContentError(problems)
    return documents


def load_content(directory: Path) -> Content:
    return build_content(read_documents(directory), version=content_hash(directory))
