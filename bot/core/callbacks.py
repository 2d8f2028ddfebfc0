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


# The editor's questions (`news/handlers/`). Each button names the question it belongs to: `draft` is the
# start of the key of the draft (a /post, /edit or /retract in progress, kept in the admin's FSM data), and
# the item, language or time it is about. It acts only while that is the open question (`news/drafts.py`).
class PostSendCb(CallbackData, prefix="ps"):
    """✅ Send now, under the last preview of a /post draft."""

    draft: str


class PostScheduleCb(CallbackData, prefix="pt"):
    """🕒 Schedule: ask for the time of a /post draft."""

    draft: str


class ScheduleConfirmCb(CallbackData, prefix="pa"):
    """✅ Schedule at `at` (UTC seconds), the time the admin typed for this draft."""

    draft: str
    at: int


class NoTitleCb(CallbackData, prefix="pn"):
    """No title: the /post draft goes to its confirmation without one."""

    draft: str


class DraftCancelCb(CallbackData, prefix="pc"):
    """✖️ Cancel under any question of a draft (/post, /edit, /retract)."""

    draft: str


class EditLanguageCb(CallbackData, prefix="el"):
    """/edit N: correct the text (or, `title=True`, the title) of item `item` in `locale`."""

    draft: str
    item: int
    locale: str
    title: bool = False


class EditConfirmCb(CallbackData, prefix="ec"):
    """✅ Correct: save the new text (or title) of item `item` in `locale`."""

    draft: str
    item: int
    locale: str


class RetractCb(CallbackData, prefix="er"):
    """🗑 Retract item `item`."""

    draft: str
    item: int


class ScriptConfirmCb(CallbackData, prefix="pw"):
    """“Yes, keep it”: a text whose script does not look like the language asked for is meant as it is."""

    draft: str


class CancelScheduledCb(CallbackData, prefix="sx"):
    """/scheduled: cancel item `item` (a list, not a question: it acts while the item is still waiting)."""

    item: int


QUESTION_CALLBACKS: tuple[type[CallbackData], ...] = (
    PostSendCb,
    PostScheduleCb,
    ScheduleConfirmCb,
    NoTitleCb,
    DraftCancelCb,
    EditLanguageCb,
    EditConfirmCb,
    RetractCb,
    ScriptConfirmCb,
)
# Every button of the editor: a press of one of them is no reason for a draft to end.
EDITOR_CALLBACKS: tuple[type[CallbackData], ...] = (*QUESTION_CALLBACKS, CancelScheduledCb)
