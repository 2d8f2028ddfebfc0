"""Interface strings: gettext catalogs read straight from the `.po` files, the per-update locale choice, and
the `Translator` every renderer takes.

The `.po` files are compiled in memory with Babel when the bot starts, so a fresh clone (or a read-only
container) needs no `pybabel compile` step and can never serve a stale `.mo`.

One convention for the locale: `LocaleMiddleware` decides it once per update and hands handlers a `Translator`
(`t`); everything below a handler (cards, screens, keyboards, news, the bot's profile, the broadcaster) takes
that `t` as an argument, so code outside any update calls the same functions with `i18n.translator(locale)`.
A `Translator` also carries the time zone people read dates and times in (`TIMEZONE`, `t.local(moment)`), so
a date is shown in the same place for the same reader whichever path renders it.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware, get_i18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.core.locales import LOCALES as LOCALES  # noqa: PLC0414 - re-exported: most code imports it here

DOMAIN = "messages"
# Where the user-tracking middleware leaves the user's stored language choice for `LocaleMiddleware`.
STORED_LOCALE_KEY = "stored_locale"
# Where `LocaleMiddleware` leaves the update's `Translator`: handlers take it as `t`.
TRANSLATOR_KEY = "t"
log = logging.getLogger(__name__)

# Punctuation between the items of one line: Chinese uses full-width marks, not a Latin "; " or "(…)".
_LIST_SEPARATOR = {"zh": "；"}
_COMMA = {"zh": "，"}
# Between coordinate items of one kind (languages, names): Chinese takes the enumeration comma 、, not ，.
_ENUMERATION = {"zh": "、"}
# Between two sentences: Chinese full stops take no space after them.
_SENTENCE_SEPARATOR = {"zh": ""}
_PARENS = {"zh": ("（", "）")}
# Between a name and what follows it (a role, a command's description): Chinese takes a full-width colon.
_NAME_SEPARATOR = {"zh": "："}
# The Babel locale for dates: English dates are British ("20 December 2022").
_BABEL_LOCALE = {"en": "en_GB"}


@dataclass(frozen=True)
class Translator:
    """The interface strings of one locale, and the time zone its dates and times are shown in (`TIMEZONE`).
    Babel finds `t._("…")` and `t.ngettext("…", "…", n)` calls."""

    i18n: I18n
    locale: str
    tz: dt.tzinfo = dt.UTC

    def local(self, moment: dt.datetime) -> dt.datetime:
        """`moment` as people read it, in `TIMEZONE` (a naive `moment` is UTC, as the store keeps it)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.tz)

    def date_of(self, moment: dt.date) -> dt.date:
        """The calendar date of `moment` in `TIMEZONE`; a plain date is already one."""
        return self.local(moment).date() if isinstance(moment, dt.datetime) else moment

    def _(self, message: str) -> str:
        return self.i18n.gettext(message, locale=self.locale)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.i18n.gettext(singular, plural, n, locale=self.locale)

    def list_separator(self) -> str:
        """Between the items of an inline list (sources, …)."""
        return _LIST_SEPARATOR.get(self.locale, "; ")

    def comma(self) -> str:
        return _COMMA.get(self.locale, ", ")

    def enumeration(self, items: Iterable[str]) -> str:
        """Coordinate items of one kind joined (`Russian, English`, `俄文、英文`)."""
        return _ENUMERATION.get(self.locale, ", ").join(items)

    def sentences(self, *sentences: str) -> str:
        """Whole sentences run into one paragraph (a space after `.`, none after `。`)."""
        return _SENTENCE_SEPARATOR.get(self.locale, " ").join(sentences)

    def name_separator(self) -> str:
        """Between a name and its role (`Liu Hanyuan — Chairman…`, `刘汉元：通威集团董事局主席`)."""
        return _NAME_SEPARATOR.get(self.locale, " — ")

    @property
    def babel_locale(self) -> str:
        """The locale Babel formats dates and numbers in (`en_GB` for English)."""
        return _BABEL_LOCALE.get(self.locale, self.locale)

    def parenthesised(self, text: str) -> str:
        """`text` in parentheses, full-width in Chinese; `text` must already be escaped."""
        opening, closing = _PARENS.get(self.locale, (" (", ")"))
        return f"{opening}{text}{closing}"


class PoI18n(I18n):
    """aiogram's `I18n`, fed from `.po` catalogs instead of compiled `.mo` files.

    aiogram keeps "the current I18n" in a context variable per class, and its `gettext()` (used by lazy
    `__()` texts in filters) reads `I18n`'s; a subclass must therefore register itself as the current `I18n`,
    not as the current `PoI18n`.
    """

    def __init__(
        self, *, path: str | Path, default_locale: str = "en", domain: str, tz: dt.tzinfo = dt.UTC
    ) -> None:
        super().__init__(path=path, default_locale=default_locale, domain=domain)
        self.tz = tz
        self._translators = {locale: Translator(self, locale, tz) for locale in self.locales}

    def translator(self, locale: str) -> Translator:
        """The `Translator` for `locale` (one per catalog; an unknown locale gets the untranslated texts)."""
        return self._translators.get(locale) or Translator(self, locale, self.tz)

    @contextmanager
    def context(self) -> Iterator[I18n]:
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for locale in LOCALES:
            po_path = self.path / locale / "LC_MESSAGES" / f"{self.domain}.po"
            with po_path.open("rb") as fp:
                catalog = read_po(fp, locale=locale, domain=self.domain)
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            buffer.seek(0)
            translations[locale] = gettext.GNUTranslations(buffer)
        return translations


def current_locale() -> str:
    """The locale `LocaleMiddleware` set for the update being handled: for handlers (which may take `t` and
    read `t.locale` instead), never below them."""
    return get_i18n().current_locale


def locale_from_language_code(language_code: str | None) -> str | None:
    """Telegram's `language_code` (`ru`, `en-US`, `zh-hans`, `zh_CN`, garbage…) to a supported locale."""
    if not language_code:
        return None
    prefix = language_code.strip().lower().replace("_", "-").split("-", 1)[0]
    return prefix if prefix in LOCALES else None


class LocaleMiddleware(I18nMiddleware):
    """Stored choice, else the Telegram client's language, else `DEFAULT_LOCALE`.

    The stored choice arrives in `data[STORED_LOCALE_KEY]`, put there by the user-tracking middleware.
    Handlers get the update's `Translator` as `t`; the locale is also set as aiogram's current one (the only
    place it is set), for aiogram's own `gettext` and lazy `__()` texts.
    """

    def __init__(self, i18n: PoI18n) -> None:
        super().__init__(i18n=i18n)
        self.translators = i18n

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        locale = await self.get_locale(event=event, data=data) or self.i18n.default_locale
        data[TRANSLATOR_KEY] = self.translators.translator(locale)
        if self.i18n_key:
            data[self.i18n_key] = self.i18n
        if self.middleware_key:
            data[self.middleware_key] = self
        with self.i18n.context(), self.i18n.use_locale(locale):
            return await handler(event, data)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        chosen = data.get(STORED_LOCALE_KEY)
        if chosen in LOCALES:
            return str(chosen)
        user: User | None = data.get("event_from_user")
        if user is None:
            return self.i18n.default_locale
        return locale_from_language_code(user.language_code) or self.i18n.default_locale


def create_i18n(locales_dir: Path, default_locale: str, tz: dt.tzinfo = dt.UTC) -> PoI18n:
    """The catalogs; `tz` (the `TIMEZONE` setting) is where every `Translator` shows dates and times."""
    return PoI18n(path=locales_dir, default_locale=default_locale, domain=DOMAIN, tz=tz)
