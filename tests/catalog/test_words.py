"""Words a reader trusts: each fact once on a card, Chinese punctuation, the event named on shared cards,
commands in any case, questions pointed to their screen, the chat search finding what inline finds."""

from __future__ import annotations

from gettext import c2py

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from bot.catalog import cards, screens
from bot.catalog.library import Catalog
from bot.catalog.profile import profile
from bot.catalog.search import ABOUT_KEY, INITIATIVE_KEY, NEWS_KEY, SPEAKERS_KEY
from bot.core.callbacks import MenuAction, MenuCb, NewsPageCb
from bot.core.i18n import LOCALES, PoI18n
from bot.core.telegram_rules import html_problems, visible_text
from bot.news.items import audit_detail
from bot.store import Store
from tests import updates
from tests.chat_support import LANGUAGES, datas, one_message
from tests.conftest import ROOT, Driver, language_of

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
    note = t._("title translated")
    if locale == "en":  # on a line of its own: beside the last source it read as that source's title
        assert card.endswith("\n" + note)
        assert note == "The English title is our translation of the Chinese one."
    else:
        assert note not in card
    assert card.rsplit("\n", 2)[-2 if locale == "en" else -1].startswith(
        t._("Sources: {sources}").split("{")[0]
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_the_about_card_says_the_initiative_title_is_translated_in_english(
    store: Store, catalog: Catalog, i18n: PoI18n, locale: str
) -> None:
    card = cards.about_card(i18n.translator(locale), catalog.content)
    assert ("Development” (title translated)." in card) == (locale == "en")


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
        assert {"en": "20 December 2022", "ru": "20 декабря 2022", "zh": "2022年12月20日"}[locale] in line
    if locale == "en":
        assert "Asia Roundtable Summit on Green Low-carbon Development" in speaker
    if locale == "zh":
        assert "于2022年12月20日在亚洲绿色低碳发展圆桌峰会上签署" in signed


async def test_inline_description_does_not_repeat_the_organisation(driver: Driver) -> None:
    sent = await driver.feed(updates.inline_query("Gou Wei"))
    [answer] = [r for r in sent if type(r).__name__ == "AnswerInlineQuery"]
    result = answer.results[0]
    assert result.description == "Deputy general manager of China Huadian Corporation"


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
        assert commands["subscribe"] == "Subscribe to the news"
        assert commands["news"] == "News of the roundtable and the initiative"
        assert commands["unsubscribe"] == "Unsubscribe from the news"


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_language_screen_names_the_current_language(driver: Driver, code: str, expected: str) -> None:
    sent = one_message(await driver.feed(updates.message("/language", language_code=code)))
    assert {"en": "Current: English", "ru": "Текущий язык: русский", "zh": "当前语言：中文"}[
        expected
    ] in sent.text


@pytest.mark.parametrize("locale", LOCALES)
def test_a_question_reply_joins_its_sentences_as_the_language_does(
    store: Store, catalog: Catalog, i18n: PoI18n, locale: str
) -> None:
    t = i18n.translator(locale)
    for key in (ABOUT_KEY, INITIATIVE_KEY, NEWS_KEY, SPEAKERS_KEY):
        text = screens.question(t, key).text
        if locale == "zh":
            assert "。 " not in text
            intro = "我以卡片形式提供信息。"
            assert text.startswith(intro)
            assert text[len(intro)] != " "
        else:
            intro = t._("I answer questions with cards.")
            assert text.startswith(intro + " ")
            assert text[len(intro) + 1].isupper()


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "Russian, English: 3 copies"), ("ru", "русский, английский: 3 копии"), ("zh", "俄文、英文：3条")],
)
def test_the_audit_lists_languages_with_the_enumeration_comma(
    i18n: PoI18n, locale: str, expected: str
) -> None:
    t = i18n.translator(locale)
    assert audit_detail(t, "edited", "ru en;3") == expected
    assert t.enumeration(["a", "b", "c"]) == {"zh": "a、b、c"}.get(locale, "a, b, c")
    assert t.sentences("A.", "B.") == {"zh": "A.B."}.get(locale, "A. B.")


@pytest.mark.parametrize(
    ("locale", "header"),
    [("en", "📰 <b>News</b> · "), ("ru", "📰 <b>Новости</b> · "), ("zh", "📰 <b>新闻</b> · ")],
)
def test_the_news_header_claims_no_link_to_the_initiative(i18n: PoI18n, locale: str, header: str) -> None:
    t = i18n.translator(locale)
    assert t._("📰 <b>Initiative news</b> · {date}").format(date="") == header


def test_russian_plural_forms_agree_with_cldr_for_21_and_31(i18n: PoI18n) -> None:
    """The catalog's Plural-Forms picks the CLDR form Babel knows (one / few / many) for every count, and the
    forms used for 21 and 31 read right: form 0 is not only for one."""
    path = ROOT / "locales" / "ru" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale="ru")
    categories = {"one": 0, "few": 1, "many": 2}
    ru = Locale.parse("ru")
    for n in range(250):
        assert gettext_index(catalog.plural_expr, n) == categories[ru.plural_form(n)], n
    gone = "{count} copy was no longer there (the reader deleted it or blocked the bot)."
    gone_plural = "{count} copies were no longer there (the readers deleted them or blocked the bot)."
    for n in (1, 21, 31):
        assert i18n.gettext(gone, gone_plural, n, locale="ru").format(count=n) == (
            f"{n} копии уже не было: сообщение удалено или бот заблокирован."
        )
    header = (
        "🗒 <b>Audit log</b>: the last {count} action, times in {timezone}",
        "🗒 <b>Audit log</b>: the last {count} actions, times in {timezone}",
    )
    for n in (1, 21, 31, 5):
        text = i18n.gettext(*header, n, locale="ru").format(count=n, timezone="UTC")
        assert text == f"🗒 <b>Журнал действий</b> — последние записи: {n} (часовой пояс UTC)"


def gettext_index(expr: str, n: int) -> int:
    """The form a gettext Plural-Forms expression picks for `n` (Babel's own C-expression evaluator)."""
    return int(c2py(expr)(n))
