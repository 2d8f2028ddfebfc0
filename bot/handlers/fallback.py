"""The last router: a button nothing else recognised (stale, forged, from an old version) still gets an
answer, so no client spins forever."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _


async def unknown_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer available. Send /start for the menu."), show_alert=True)


def create_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(unknown_button)
    return router
