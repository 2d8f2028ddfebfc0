"""Every CallbackData factory, in one place, with short prefixes (callback_data is at most 64 bytes).

Slugs are `[a-z0-9-]{1,40}`, so every packed value stays far below the limit; `CallbackData.pack()`
raises if one ever does not.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class MenuAction(StrEnum):
    MENU = "m"
    ABOUT = "a"
    SPEAKERS = "s"
    INITIATIVE = "i"
    LANGUAGE = "l"
    HELP = "h"


class MenuCb(CallbackData, prefix="m"):
    """A main-menu button."""

    action: MenuAction


class SpeakersPageCb(CallbackData, prefix="sp"):
    """A page of the speakers list."""

    page: int


# Where a card's Back button returns (`SpeakerCb.back`): the list page (the default), the initiative, or the
# search results a token stands for (`SEARCH_BACK` + token).
INITIATIVE_BACK = "i"
SEARCH_BACK = "r"


class SpeakerCb(CallbackData, prefix="s"):
    """One person's card; Back returns to `back` (see above), or to list page `page` when it is empty."""

    slug: str
    page: int = 0
    back: str = ""


class SearchCb(CallbackData, prefix="r"):
    """Search results again: `token` stands for a query kept server-side (`catalog.recent.RecentSearches`)."""

    token: str


class LanguageCb(CallbackData, prefix="l"):
    locale: str


class SubscribeCb(CallbackData, prefix="sub"):
    """Subscribe (`on=True`) or unsubscribe from the initiative news."""

    on: bool


class NewsPageCb(CallbackData, prefix="n"):
    """A page of the news list."""

    page: int


class ForgetCb(CallbackData, prefix="f"):
    """/forget's confirmation button: delete everything stored about the user who presses it."""


class PostCb(CallbackData, prefix="p"):
    """The admin's /post flow: confirm or cancel the previewed item."""

    action: str
