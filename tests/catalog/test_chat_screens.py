"""Every screen of the chat surface, in every language, is a message Telegram accepts."""

from __future__ import annotations

import pytest

from bot.catalog import cards as render
from bot.catalog import screens
from bot.catalog.library import Catalog
from bot.core.i18n import LOCALES, PoI18n
from bot.core.telegram_rules import CALLBACK_DATA_LIMIT, keyboard_problems, message_problems
from bot.store import Store
from tests.chat_support import buttons
from tests.conftest import language_of


@pytest.mark.parametrize("name", LOCALES)
@pytest.mark.parametrize("page_size", [screens.PAGE_SIZE, 3, 1])
def test_every_screen_is_within_telegram_limits(
    store: Store, catalog: Catalog, i18n: PoI18n, monkeypatch: pytest.MonkeyPatch, name: str, page_size: int
) -> None:
    monkeypatch.setattr(screens, "PAGE_SIZE", page_size)
    t = i18n.translator(name)
    every = screens.all_screens(t, catalog.content)
    assert len(every) >= 12 + len(catalog.content.people)
    for key, screen in every.items():
        assert message_problems(screen.text) == [], f"{name} {key}: {screen.text}"
        if screen.markup is not None:
            assert keyboard_problems(screen.markup) == [], f"{name} {key}"
            for button in buttons(screen.markup):
                assert button.text.strip()
                if button.callback_data:
                    assert len(button.callback_data.encode()) <= CALLBACK_DATA_LIMIT
                if button.switch_inline_query is not None:
                    assert len(button.switch_inline_query) <= 256


@pytest.mark.parametrize("name", LOCALES)
def test_interface_screens_are_in_their_language(
    store: Store, catalog: Catalog, i18n: PoI18n, name: str
) -> None:
    t = i18n.translator(name)
    every = screens.all_screens(t, catalog.content)
    keys = ["greeting private", "greeting group subscribed", "about", "initiative", "speakers page 0"]
    keys += ["not found", "query too long", "speaker usage", "language", "help", "unknown command"]
    for key in keys:
        assert language_of(every[key].text) == name, key


def test_chinese_punctuation_in_cards(store: Store, catalog: Catalog, i18n: PoI18n) -> None:
    content = catalog.content
    zh, en = i18n.translator("zh"), i18n.translator("en")
    sources = render.sources_line(zh, content, content.event.sources)
    card = render.person_card(zh, content, content.by_slug["moin-ul-haque"])
    assert "；" in sources
    assert "; " not in sources
    assert "（Moin ul Haque）" in card
    assert "; " in render.sources_line(en, content, content.event.sources)
    assert "<b>Li Baoqing</b> (栗宝卿)" in render.person_card(en, content, content.by_slug["li-baoqing"])


def test_the_list_leaves_out_an_organisation_the_role_already_names(
    store: Store, catalog: Catalog, i18n: PoI18n
) -> None:
    content = catalog.content
    en, ru = i18n.translator("en"), i18n.translator("ru")
    assert render.person_details(en, content, content.by_slug["almas-chukin"]).count("Visor Kazakhstan") == 1
    kin = render.person_details(en, content, content.by_slug["kin-phea"])
    moin = render.person_details(en, content, content.by_slug["moin-ul-haque"])
    assert kin.count("Royal Academy of Cambodia") == 1
    assert moin == "Ambassador of the Islamic Republic of Pakistan to China"  # no organisation of its own
    # the role says "Института …", the organisation "Институт …": the same one
    kin_ru = render.person_details(ru, content, content.by_slug["kin-phea"])
    assert kin_ru == "Директор Института международных отношений Королевской академии Камбоджи"
