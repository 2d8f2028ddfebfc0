"""Words a reader trusts: each fact once on a card, Chinese punctuation, the event named on shared cards,
commands in any case, questions pointed to their screen, the chat search finding what inline finds."""

from __future__ import annotations

import pytest

from bot.catalog import cards, screens
from bot.catalog.library import Catalog
from bot.catalog.profile import profile
from bot.core.callbacks import MenuAction, MenuCb, NewsPageCb
from bot.core.i18n import LOCALES, PoI18n
from bot.core.telegram_rules import html_problems, visible_text
from bot.store import Store
from tests import updates
from tests.chat_support import LANGUAGES, datas, one_message
from tests.conftest import Driver, language_of

MENU = MenuCb(action=MenuAction.MENU).pack()


@pytest.mark.parametrize("locale", LOCALES)
def test_a_card_says_each_fact_once(store: Store, catalog: Catalog, i18n: PoI18n, locale: str) -> None:
    t = i18n.translator(locale)
    content = catalog.content
    chair = cards.person_card(t, content, content.chair)
    assert chair.count(t._("Chair of the roundtable")) == 1
    assert chair.count(content.chair.role.get(locale)) == 1
    assert t._("Organisation: {organisation}").split("{")[0] not in chair  # the role names the IEA
    moin = cards.person_card(t, content, content.by_slug["moin-ul-haque"])
    assert t._("Organisation: {organisation}").split("{")[0] not in moin  # no organisation the sources lack


def test_no_latin_dash_in_chinese(store: Store, catalog: Catalog, i18n: PoI18n) -> None:
    t = i18n.translator("zh")
    for name, screen in screens.all_screens(t, catalog.content).items():
        assert " — " not in visible_text(screen.text), name
    initiative = cards.initiative_card(t, catalog.content)
    assert "• 刘汉元：通威集团董事局主席" in initiative


@pytest.mark.parametrize("locale", LOCALES)
def test_initiative_card_quotes_the_signatories_and_notes_a_translated_title(
    store: Store, catalog: Catalog, i18n: PoI18n, locale: str
) -> None:
    t = i18n.translator(locale)
    card = cards.initiative_card(t, catalog.content)
    assert card.count("<blockquote expandable>") == 1
    assert html_problems(card) == []
    sources = card.rsplit("\n", 1)[-1]
    assert ("(title translated)" in sources) == (locale == "en")


def test_telegram_rules_for_quotes() -> None:
    assert html_problems("<blockquote expandable>a</blockquote>") == []
    assert html_problems("<blockquote>a</blockquote>") == []
    assert html_problems('<blockquote class="x">a</blockquote>')
    assert html_problems("<blockquote><blockquote>a</blockquote></blockquote>")


@pytest.mark.parametrize("locale", LOCALES)
def test_shared_cards_name_the_event(store: Store, catalog: Catalog, i18n: PoI18n, locale: str) -> None:
    t = i18n.translator(locale)
    content = catalog.content
    speaker = cards.shared_context(t, content, content.by_slug["kin-phea"])
    chair = cards.shared_context(t, content, content.chair)
    signed = cards.shared_context(t, content, None)
    assert len({speaker, chair, signed}) == 3
    for line in (speaker, chair, signed):
        assert language_of(line) == locale
        assert {"en": "20 Dec 2022", "ru": "20 дек. 2022", "zh": "2022年12月20日"}[locale] in line


async def test_inline_description_does_not_repeat_the_organisation(driver: Driver) -> None:
    sent = await driver.feed(updates.inline_query("Gou Wei"))
    [answer] = [r for r in sent if type(r).__name__ == "AnswerInlineQuery"]
    result = answer.results[0]
    assert result.description == "Deputy General Manager of China Huadian Corporation"


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
@pytest.mark.parametrize("text", ["/SPEAKERS", "/Speakers", "/HELP", "/START", "/Initiative", "/ABOUT"])
async def test_commands_work_in_any_case(
    driver: Driver, store: Store, i18n: PoI18n, text: str, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message(text, language_code=code)))
    assert language_of(sent.text) == expected
    assert sent.text != screens.unknown_command(i18n.translator(expected)).text


@pytest.mark.parametrize(
    ("text", "button"),
    [
        ("when was it?", MenuCb(action=MenuAction.ABOUT).pack()),
        ("кто выступал?", MenuCb(action=MenuAction.SPEAKERS).pack()),
        ("谁签署了倡议？", MenuCb(action=MenuAction.INITIATIVE).pack()),
        ("where is the news?", NewsPageCb(page=0).pack()),
    ],
)
async def test_a_question_gets_a_pointer_not_nobody_matches(
    driver: Driver, store: Store, text: str, button: str
) -> None:
    sent = one_message(await driver.feed(updates.message(text)))
    assert datas(sent.reply_markup) == [button, MENU]
    assert "Nobody" not in sent.text


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_chat_search_finds_the_initiative_by_a_signatory(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message("Liu Hanyuan", language_code=code)))
    t = i18n.translator(expected)
    assert sent.text == screens.initiative(t, catalog.content, subscribed=False).text


@pytest.mark.parametrize("locale", LOCALES)
def test_profile_wording(store: Store, catalog: Catalog, i18n: PoI18n, locale: str) -> None:
    t = i18n.translator(locale)
    p = profile(t, catalog.content)
    assert "I know" not in p.description
    assert language_of(p.description) == locale
    commands = {c.command: c.description for c in p.commands}
    if locale == "en":
        assert commands["subscribe"] == "Subscribe to news about the initiative"
        assert commands["unsubscribe"] == "Unsubscribe from the news"


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_language_screen_names_the_current_language(driver: Driver, code: str, expected: str) -> None:
    sent = one_message(await driver.feed(updates.message("/language", language_code=code)))
    assert {"en": "Current: English", "ru": "Текущий язык: русский", "zh": "当前语言：中文"}[
        expected
    ] in sent.text
