"""The HTML the bot sends for each fact: cards for a person, the roundtable and the initiative.

Renders in the locale of the current i18n context (`i18n.use_locale(...)`); every content string is
escaped, so a content file can never break a message.
"""

from __future__ import annotations

import html
import re

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.text_decorations import html_decoration as hd
from babel.dates import format_date

from bot.catalog.content import Content, Organisation, Person
from bot.core.i18n import current_locale

q = hd.quote
hbold = hd.bold
hitalic = hd.italic

# Punctuation between the items of one line: Chinese uses full-width marks, not a Latin "; " or "(…)".
_LIST_SEPARATOR = {"zh": "；"}
_COMMA = {"zh": "，"}
_PARENS = {"zh": ("（", "）")}


def list_separator() -> str:
    """Between the items of an inline list (sources, …) in the current locale."""
    return _LIST_SEPARATOR.get(current_locale(), "; ")


def comma() -> str:
    return _COMMA.get(current_locale(), ", ")


def parenthesised(text: str) -> str:
    """`text` in parentheses, full-width in Chinese; `text` must already be escaped."""
    opening, closing = _PARENS.get(current_locale(), (" (", ")"))
    return f"{opening}{text}{closing}"


def hlink(title: str, url: str) -> str:
    """A link; `title` must already be escaped, the URL is escaped here (aiogram leaves it raw)."""
    return hd.link(title, html.escape(url, quote=True))


def person_card(content: Content, person: Person) -> str:
    locale = current_locale()
    name = person.name.get(locale)
    lines = [hbold(q(name))]
    if person.native != name:
        lines[0] += parenthesised(q(person.native))
    if person.is_chair:
        lines.append(hitalic(_("Chair of the roundtable")))
    lines.append(q(person.role.get(locale)))
    if person.organisation:
        org = content.organisations[person.organisation]
        lines.append(_("Organisation: {organisation}").format(organisation=q(org.name.get(locale))))
    country = content.countries[person.country]
    lines.append(_("Country: {country}").format(country=f"{country.flag} {q(country.name.get(locale))}"))
    lines.append("")
    lines.append(q(person.represented.get(locale)))
    return "\n".join(lines)


def event_date(content: Content) -> str:
    return format_date(content.event.date, format="long", locale=current_locale())


def about_card(content: Content) -> str:
    locale = current_locale()
    event = content.event
    organiser = content.organisations[event.organiser]
    guests = len(content.guests)
    lines = [
        hbold(q(event.title.get(locale))),
        "",
        _("📅 {date}, {format}").format(date=event_date(content), format=q(event.format.get(locale))),
        _("Organiser: {organiser}").format(organiser=q(organiser.name.get(locale))),
        _("Chair: {chair}").format(chair=q(content.chair.name.get(locale))),
        ngettext("{count} guest speaker", "{count} guest speakers", guests).format(count=guests),
        "",
        _("Theme: {theme}").format(theme=q(event.theme.get(locale))),
        "",
        q(event.purpose.get(locale)),
        "",
        q(event.outcome.get(locale)),
        "",
        sources_line(content, event.sources),
    ]
    return "\n".join(lines)


def initiative_card(content: Content) -> str:
    locale = current_locale()
    initiative = content.initiative
    lines = [
        hbold(q(initiative.title.get(locale))),
        hitalic(q(initiative.title_note.get(locale))),
        "",
        q(initiative.signatories.get(locale)),
        "",
        q(initiative.calls_for.get(locale)),
        "",
    ]
    lines += [f"{i}. {q(point.get(locale))}" for i, point in enumerate(initiative.points, start=1)]
    if initiative.named_signatories:
        lines += ["", hbold(_("Signatories named in the reports:"))]
        lines += [
            f"• {q(s.name.get(locale))} — {q(s.role.get(locale))}" for s in initiative.named_signatories
        ]
    lines += ["", sources_line(content, initiative.sources)]
    return "\n".join(lines)


def sources_line(content: Content, source_ids: list[str]) -> str:
    locale = current_locale()
    parts = []
    for sid in source_ids:
        source = content.sources[sid]
        title = q(source.title.get(locale))
        parts.append(hlink(title, source.url) if source.url else title)
    return _("Sources: {sources}").format(sources=list_separator().join(parts))


def _stems(text: str) -> list[str]:
    """Word beginnings long enough to survive Russian case endings (Институт / Института)."""
    return [word[:5] for word in re.findall(r"\w{4,}", text.casefold())]


def _names_organisation(role: str, org: Organisation, locale: str) -> bool:
    """Whether a role already names its organisation, so a list need not repeat it."""
    folded = role.casefold()
    names = [org.name.get(locale), *(org.short.values() if org.short else ()), *org.aliases]
    if any(name.casefold() in folded for name in names):
        return True
    wanted, present = _stems(org.name.get(locale)), set(_stems(role))
    return bool(wanted) and all(stem in present for stem in wanted)


def person_details(content: Content, person: Person) -> str:
    """Role and organisation for a list; the organisation is left out when the role already names it."""
    locale = current_locale()
    role = person.role.get(locale)
    parts = [role]
    if person.organisation:
        org = content.organisations[person.organisation]
        if not _names_organisation(role, org, locale):
            parts.append(org.name.get(locale))
    return comma().join(q(part) for part in parts)


def person_entry(content: Content, person: Person, number: int) -> str:
    """One numbered entry of a list of people: flag, name; chair mark; role and organisation."""
    flag = content.countries[person.country].flag
    lines = [f"{number}. {flag} {hbold(q(person.name.get(current_locale())))}"]
    if person.is_chair:
        lines.append(hitalic(_("Chair of the roundtable")))
    lines.append(person_details(content, person))
    return "\n".join(lines)


def speakers_list(content: Content, start: int, stop: int, page: int, pages: int) -> str:
    """The speakers list, entries `start`..`stop` (programme order), as page `page` of `pages` (0-based)."""
    guests = len(content.guests)
    lines = [
        hbold(_("Speakers of the roundtable")),
        ngettext(
            "{count} guest speaker and the chair, in programme order:",
            "{count} guest speakers and the chair, in programme order:",
            guests,
        ).format(count=guests),
    ]
    if pages > 1:
        lines.append(hitalic(_("Page {page} of {pages}").format(page=page + 1, pages=pages)))
    for number, person in enumerate(content.people[start:stop], start=start + 1):
        lines += ["", person_entry(content, person, number)]
    return "\n".join(lines)


def search_results(content: Content, people: list[Person], more: bool) -> str:
    """Several people found by a search; `more` when the search found more than are shown."""
    lines = [
        ngettext("Found {count} match:", "Found {count} matches:", len(people)).format(count=len(people))
    ]
    for number, person in enumerate(people, start=1):
        lines += ["", person_entry(content, person, number)]
    if more:
        lines += ["", hitalic(_("Only the best matches are shown: add a word to narrow the search."))]
    return "\n".join(lines)
