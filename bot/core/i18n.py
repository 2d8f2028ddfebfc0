"""Interface strings: gettext catalogs read straight from the `.po` files, and the per-update locale choice.

The `.po` files are compiled in memory with Babel when the bot starts, so a fresh clone (or a read-only
container) needs no `pybabel compile` step and can never serve a stale `.mo`.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
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
log = logging.getLogger(__name__)


class PoI18n(I18n):
    """aiogram's `I18n`, fed from `.po` catalogs instead of compiled `.mo` files.

    aiogram keeps "the current I18n" in a context variable per class, and `gettext()` reads `I18n`'s;
    a subclass must therefore register itself as the current `I18n`, not as the current `PoI18n`.
    """

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
    """The locale of the update (or `use_locale` block) being handled."""
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
    """

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        chosen = data.get(STORED_LOCALE_KEY)
        if chosen in LOCALES:
            return str(chosen)
        user: User | None = data.get("event_from_user")
        if user is None:
            return self.i18n.default_locale
        return locale_from_language_code(user.language_code) or self.i18n.default_locale


def create_i18n(locales_dir: Path, default_locale: str) -> PoI18n:
    return PoI18n(path=locales_dir, default_locale=default_locale, domain=DOMAIN)
