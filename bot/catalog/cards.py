"""The HTML the bot sends for each fact: cards for a person, the roundtable and the initiative.

Renders in the locale of the `Translator` it is given; every content string is escaped, so a content file
can never break a message.
"""

from __future__ import annotations

import re

from babel.dates import format_date

from bot.catalog.content import Content, Organisation, Person
from bot.core.html import hbold, hitalic, hlink, q
from bot.core.i18n import Translator


def person_card(t: Translator, content: Content, person: Person) -> str:
    locale = t.locale
    name = person.name.get(locale)
    lines = [hbold(q(name))]
    if person.native != name:
        lines[0] += t.parenthesised(q(person.native))
    if person.is_chair:
        lines.append(hitalic(t._("Chair of the roundtable")))
    role = person.role.get(locale)
    lines.append(q(role))
    if person.organisation:
        org = content.organisations[person.organisation]
        if not _names_organisation(role, org, locale):
            lines.append(t._("Organisation: {organisation}").format(organisation=q(org.name.get(locale))))
    country = content.countries[person.country]
    lines.append(t._("Country: {country}").format(country=f"{country.flag} {q(country.name.get(locale))}"))
    lines.append("")
    lines.append(q(person.represented.get(locale)))
    return "\n".join(lines)


def event_date(t: Translator, content: Content) -> str:
    return format_date(content.event.date, format="long", locale=t.babel_locale)


def shared_context(t: Translator, content: Content, person: Person | None) -> str:
    """One line naming the event, for a card shared into another chat (inline mode), where nothing else
    says what it is about: a person's part in the roundtable, or where the initiative was signed."""
    date = event_date(t, content)  # the long form, as on the cards: "20 December 2022"
    if person is None:
        text = t._("Signed at the Asia Roundtable on Green Low-carbon Development, {date}")
    elif person.is_chair:
        text = t._("Chair, Asia Roundtable on Green Low-carbon Development, {date}")
    else:
        text = t._("Speaker, Asia Roundtable on Green Low-carbon Development, {date}")
    return hitalic(text.format(date=date))


def about_card(t: Translator, content: Content) -> str:
    locale = t.locale
    event = content.event
    organiser = content.organisations[event.organiser]
    guests = len(content.guests)
    lines = [
        hbold(q(event.title.get(locale))),
        "",
        t._("📅 {date}, {format}").format(date=event_date(t, content), format=q(event.format.get(locale))),
        t._("Organiser: {organiser}").format(organiser=q(organiser.name.get(locale))),
        t._("Chair: {chair}").format(chair=q(content.chair.name.get(locale))),
        t.ngettext("{count} guest speaker", "{count} guest speakers", guests).format(count=guests),
        "",
        t._("Theme: {theme}").format(theme=q(event.theme.get(locale))),
        "",
        q(event.purpose.get(locale)),
        "",
        q(event.outcome.get(locale)),
        "",
        sources_line(t, content, event.sources),
    ]
    return "\n".join(lines)


def initiative_card(t: Translator, content: Content) -> str:
    locale = t.locale
    initiative = content.initiative
    lines = [
        hbold(q(initiative.title.get(locale))),
        "",
        q(initiative.signatories.get(locale)),
        "",
        q(initiative.calls_for.get(locale)),
        "",
    ]
    lines += [f"{i}. {q(point.get(locale))}" for i, point in enumerate(initiative.points, start=1)]
    if initiative.named_signatories:
        # Telegram shows the first lines of an expandable quote and the rest on a tap.
        lines += ["", hbold(t._("Among those who signed, the reports name:"))]
        separator = t.name_separator()
        names = [
            f"• {q(s.name.get(locale))}{separator}{q(s.role.get(locale))}"
            for s in initiative.named_signatories
        ]
        lines.append("<blockquote expandable>" + "\n".join(names) + "</blockquote>")
    translated = locale in initiative.title_translated
    lines += ["", sources_line(t, content, initiative.sources, title_translated=translated)]
    return "\n".join(lines)


def sources_line(
    t: Translator, content: Content, source_ids: list[str], *, title_translated: bool = False
) -> str:
    """The sources, linked; `title_translated` adds a line of its own saying that the card's title is our
    translation (beside the last source it would read as that source's title translated)."""
    locale = t.locale
    parts = []
    for sid in source_ids:
        source = content.sources[sid]
        title = q(source.title.get(locale))
        parts.append(hlink(title, source.url) if source.url else title)
    line = t._("Sources: {sources}").format(sources=t.list_separator().join(parts))
    if title_translated:
        line += "\n" + t._("title translated")
    return line


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


def person_details_text(t: Translator, content: Content, person: Person) -> str:
    """Role and organisation as plain text (an inline result's description); the organisation is left out
    when the role already names it."""
    locale = t.locale
    role = person.role.get(locale)
    parts = [role]
    if person.organisation:
        org = content.organisations[person.organisation]
        if not _names_organisation(role, org, locale):
            parts.append(org.name.get(locale))
    return t.comma().join(parts)


def person_details(t: Translator, content: Content, person: Person) -> str:
    """Role and organisation for a list, escaped (see `person_details_text`)."""
    return q(person_details_text(t, content, person))


def person_entry(t: Translator, content: Content, person: Person, number: int) -> str:
    """One numbered entry of a list of people: flag, name; chair mark; role and organisation."""
    flag = content.countries[person.country].flag
    lines = [f"{number}. {flag} {hbold(q(person.name.get(t.locale)))}"]
    if person.is_chair:
        lines.append(hitalic(t._("Chair of the roundtable")))
    lines.append(person_details(t, content, person))
    return "\n".join(lines)


def speakers_list(t: Translator, content: Content, start: int, stop: int, page: int, pages: int) -> str:
    """The speakers list, entries `start`..`stop` (programme order), as page `page` of `pages` (0-based)."""
    guests = len(content.guests)
    lines = [
        hbold(t._("Speakers of the roundtable")),
        t.ngettext(
            "{count} guest speaker and the chair, in programme order:",
            "{count} guest speakers and the chair, in programme order:",
            guests,
        ).format(count=guests),
    ]
    if pages > 1:
        lines.append(hitalic(t._("Page {page} of {pages}").format(page=page + 1, pages=pages)))
    for number, person in enumerate(content.people[start:stop], start=start + 1):
        lines += ["", person_entry(t, content, person, number)]
    return "\n".join(lines)


def search_results(t: Translator, content: Content, people: list[Person], more: bool) -> str:
    """Several people found by a search; `more` when the search found more than are shown."""
    lines = [
        t.ngettext("Found {count} match:", "Found {count} matches:", len(people)).format(count=len(people))
    ]
    for number, person in enumerate(people, start=1):
        lines += ["", person_entry(t, content, person, number)]
    if more:
        lines += ["", hitalic(t._("Only the best matches are shown: add a word to narrow the search."))]
    return "\n".join(lines)
