"""Screens never strand the reader: every screen has a way back to the menu; Back from a card returns where
the card was opened (the list, search results, the initiative); forged Back data gets the stale alert."""

from __future__ import annotations

import pytest

from bot.catalog import screens
from bot.catalog.library import Catalog
from bot.catalog.recent import RecentSearches
from bot.core.callbacks import (
    INITIATIVE_BACK,
    MenuAction,
    MenuCb,
    SearchCb,
    SpeakerCb,
    SpeakersPageCb,
)
from bot.core.i18n import LOCALES, PoI18n
from bot.store import Store
from tests import updates
from tests.chat_support import LANGUAGES, buttons, datas, one_answer, one_edit, one_message
from tests.conftest import Driver, language_of

MENU = MenuCb(action=MenuAction.MENU).pack()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_screen_leads_back_to_the_menu(
    store: Store, catalog: Catalog, i18n: PoI18n, locale: str
) -> None:
    t = i18n.translator(locale)
    for name, screen in screens.all_screens(t, catalog.content).items():
        if name.startswith("greeting"):  # the greeting is the menu
            continue
        assert MENU in datas(screen.markup), f"{locale} {name}: no way back to the menu"


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_news_and_subscribe_replies_lead_back_to_the_menu(
    driver: Driver, store: Store, code: str, expected: str
) -> None:
    # new and repeated subscribe/unsubscribe, the empty news list, /forget's question
    for text in ("/subscribe", "/subscribe", "/unsubscribe", "/unsubscribe", "/news", "/forget"):
        sent = one_message(await driver.feed(updates.message(text, user_id=61, language_code=code)))
        assert language_of(sent.text) == expected
        assert MENU in datas(sent.reply_markup), text


@pytest.mark.parametrize("locale", LOCALES)
def test_button_labels_fit_a_phone(store: Store, catalog: Catalog, i18n: PoI18n, locale: str) -> None:
    """Rows of several buttons keep their labels short (person buttons carry names: content decides)."""
    t = i18n.translator(locale)
    for name, screen in screens.all_screens(t, catalog.content).items():
        for row in screen.markup.inline_keyboard if screen.markup else []:
            if len(row) > 1 and not any((b.callback_data or "").startswith("s:") for b in row):
                for button in row:
                    assert len(button.text) <= 24, f"{locale} {name}: {button.text!r}"


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_back_from_a_card_found_by_search_returns_to_the_results(
    driver: Driver, store: Store, catalog: Catalog, code: str, expected: str
) -> None:
    found = one_message(await driver.feed(updates.message("China", language_code=code)))
    people = [d for d in datas(found.reply_markup) if d.startswith("s:")]
    assert len(people) > 1
    card = one_edit(await driver.feed(updates.callback(people[0], language_code=code)))
    back, _share, menu = buttons(card.reply_markup)
    assert menu.callback_data == MENU
    assert back.callback_data == SearchCb(token=RecentSearches.token_for("China")).pack()
    assert len((back.callback_data or "").encode()) <= 64
    sent = await driver.feed(updates.callback(back.callback_data or "", language_code=code))
    results = one_edit(sent)
    assert results.text == found.text
    assert datas(results.reply_markup) == datas(found.reply_markup)
    assert one_answer(sent).show_alert is not True


@pytest.mark.parametrize(
    "data",
    [
        SearchCb(token="AAAAAAAAAA").pack(),  # never issued (or forgotten: a restart, an old one evicted)
        SearchCb(token="../etc").pack(),
        SpeakerCb(slug="kin-phea", page=0, back="rnot-a-token-at-all").pack(),
        SpeakerCb(slug="kin-phea", page=0, back="x").pack(),
    ],
)
async def test_forged_or_expired_back_data_gets_the_stale_alert(driver: Driver, data: str) -> None:
    sent = await driver.feed(updates.callback(data))
    assert one_answer(sent).show_alert is True


def test_recent_searches_are_bounded() -> None:
    recent = RecentSearches(size=2)
    first = recent.remember("kin")
    recent.remember("china")
    recent.remember("pakistan")
    assert recent.query(first) is None
    assert recent.query(RecentSearches.token_for("pakistan")) == "pakistan"


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_a_signatory_on_the_initiative_opens_their_card_and_back_returns(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n, code: str, expected: str
) -> None:
    initiative = one_message(await driver.feed(updates.message("/initiative", language_code=code)))
    assert "<blockquote expandable>" in initiative.text
    data = SpeakerCb(slug="almas-chukin", page=0, back=INITIATIVE_BACK).pack()
    assert data in datas(initiative.reply_markup)
    card = one_edit(await driver.feed(updates.callback(data, language_code=code)))
    person = catalog.content.by_slug["almas-chukin"]
    assert card.text == screens.person(i18n.translator(expected), catalog.content, person).text
    back, _, _ = buttons(card.reply_markup)
    assert back.callback_data == MenuCb(action=MenuAction.INITIATIVE).pack()
    again = one_edit(await driver.feed(updates.callback(back.callback_data or "", language_code=code)))
    assert again.text == initiative.text


async def test_back_from_a_listed_card_returns_to_its_page(driver: Driver, store: Store) -> None:
    card = one_edit(await driver.feed(updates.callback(SpeakerCb(slug="kin-phea", page=0).pack())))
    back, _, _ = buttons(card.reply_markup)
    assert back.callback_data == SpeakersPageCb(page=0).pack()
