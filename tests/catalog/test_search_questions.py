"""Search answers the way people ask (content/queries.toml): questions and requests around a name, roles at
the roundtable, countries and their adjectives, job titles, Russian inflections, in each language; through
the chat and inline mode (the real Dispatcher), which must put the same one first."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aiogram.methods import AnswerInlineQuery

from bot.catalog import screens
from bot.catalog.content import Content, ContentError, build_content, load_content, read_documents
from bot.catalog.library import Catalog
from bot.catalog.search import SearchIndex, Tier
from bot.core.callbacks import MenuAction, MenuCb, SpeakerCb
from bot.core.i18n import PoI18n
from tests import updates
from tests.chat_support import datas, of, one_message
from tests.conftest import ROOT, Driver

# (what is typed, who must come first). Each table: questions and requests, roles, countries, job titles.
ENGLISH = [
    ("who is Kin Phea?", "kin-phea"),
    ("Who's Moin ul Haque", "moin-ul-haque"),
    ("tell me about Yao Qiang", "yao-qiang"),
    ("what do you know about Gou Wei?", "gou-wei"),
    ("chair", "an-fengquan"),
    ("who was the chair of the roundtable?", "an-fengquan"),
    ("moderator", "an-fengquan"),
    ("who chaired it?", "an-fengquan"),
    ("speaker from Mongolia", "tuvshin-badral"),
    ("Mongolian speaker", "tuvshin-badral"),
    ("speakers from Cambodia", "kin-phea"),
    ("Pakistani ambassador", "moin-ul-haque"),
    ("the ambassador of Pakistan please", "moin-ul-haque"),
    ("Kazakh economist", "almas-chukin"),
    ("Turkish consultant", "yahaya-berakhtali"),
    ("director of PLN", "hartanto-wibowo"),
    ("Indonesian", "hartanto-wibowo"),
    ("adviser to the IEA", "an-fengquan"),
    ("show me the signatories from Turkey", "yahaya-berakhtali"),
    ("find Chinese speakers", "li-baoqing"),
    ("who spoke from Mongolia?", "tuvshin-badral"),
    ("who signed from Kazakhstan?", "almas-chukin"),
    ("who moderated?", "an-fengquan"),
    ("Kin Phea's card", "kin-phea"),
]
RUSSIAN = [
    ("кто такой Кин Феа?", "kin-phea"),
    ("расскажи про Яо Цяна", "yao-qiang"),
    ("найди Ли Баоцина", "li-baoqing"),
    ("что известно о Хартанто Вибово?", "hartanto-wibowo"),
    ("кто такой Гу Вэй", "gou-wei"),
    ("председатель", "an-fengquan"),
    ("кто председатель круглого стола?", "an-fengquan"),
    ("модератор", "an-fengquan"),
    ("спикер из Монголии", "tuvshin-badral"),
    ("монгольский спикер", "tuvshin-badral"),
    ("спикеры из Камбоджи", "kin-phea"),
    ("китайские спикеры", "li-baoqing"),
    ("посла", "moin-ul-haque"),
    ("посол Пакистана", "moin-ul-haque"),
    ("пакистанский посол", "moin-ul-haque"),
    ("экономист из Казахстана", "almas-chukin"),
    ("расскажите о советнике МЭА", "an-fengquan"),
    ("директор PLN", "hartanto-wibowo"),
    ("подписанты из Турции", "yahaya-berakhtali"),
    ("турецкий консультант", "yahaya-berakhtali"),
    ("кто выступал из Монголии?", "tuvshin-badral"),
    ("кто вёл круглый стол?", "an-fengquan"),
    ("биография Алмаса Чукина", "almas-chukin"),
    ("про Хартанто", "hartanto-wibowo"),
]
CHINESE = [
    ("Kin Phea是谁", "kin-phea"),
    ("谁是安丰全", "an-fengquan"),
    ("安丰全是谁", "an-fengquan"),
    ("介绍一下栗宝卿", "li-baoqing"),
    ("请介绍一下Yao Qiang", "yao-qiang"),
    ("栗宝卿的资料", "li-baoqing"),
    ("主席", "an-fengquan"),
    ("主持人", "an-fengquan"),
    ("圆桌峰会的主持人是谁", "an-fengquan"),
    ("谁主持了峰会", "an-fengquan"),
    ("蒙古的嘉宾", "tuvshin-badral"),
    ("来自蒙古国的嘉宾", "tuvshin-badral"),
    ("巴基斯坦大使", "moin-ul-haque"),
    ("柬埔寨的嘉宾是谁", "kin-phea"),
    ("印尼嘉宾", "hartanto-wibowo"),
    ("中国嘉宾", "li-baoqing"),
    ("土耳其的签署人", "yahaya-berakhtali"),
    ("哈萨克斯坦经济学家", "almas-chukin"),
    ("国际能源署署长特别顾问", "an-fengquan"),
    ("发言人", "moin-ul-haque"),
    ("柬埔寨的演讲嘉宾", "kin-phea"),
    ("谁是土耳其的发言人", "yahaya-berakhtali"),
    ("阿尔玛斯·丘金简介", "almas-chukin"),
]
TABLES = {"en": ENGLISH, "ru": RUSSIAN, "zh": CHINESE}
CASES = [
    pytest.param(locale, text, slug, id=f"{locale}-{text}")
    for locale, t in TABLES.items()
    for text, slug in t
]
TELEGRAM_CODE = {"en": "en", "ru": "ru", "zh": "zh-hans"}


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(ROOT / "content")


@pytest.fixture(scope="module")
def index(content: Content) -> SearchIndex:
    return SearchIndex(content)


def test_each_language_has_fifteen_questions_or_more() -> None:
    assert all(len(table) >= 15 for table in TABLES.values())


def chat_first(text: str, markup: Any, i18n: PoI18n, locale: str, content: Content) -> str:
    """Who the chat's reply puts first: the person whose card it is, else the first person listed."""
    t = i18n.translator(locale)
    for person in content.people:
        if text == screens.person(t, content, person).text:
            return person.slug
    return SpeakerCb.unpack(datas(markup)[0]).slug


@pytest.mark.parametrize(("locale", "text", "slug"), CASES)
async def test_chat_and_inline_put_the_same_person_first(
    driver: Driver, catalog: Catalog, i18n: PoI18n, locale: str, text: str, slug: str
) -> None:
    code = TELEGRAM_CODE[locale]
    sent = one_message(await driver.feed(updates.message(text, language_code=code)))
    assert chat_first(sent.text, sent.reply_markup, i18n, locale, catalog.content) == slug
    [answer] = of(await driver.feed(updates.inline_query(text, language_code=code)), AnswerInlineQuery)
    assert answer.results[0].id == f"p:{slug}"


@pytest.mark.parametrize(("locale", "text", "slug"), CASES)
def test_the_index_puts_the_person_first(index: SearchIndex, locale: str, text: str, slug: str) -> None:
    found = index.matches(text, 5, documents=True)
    assert found, text
    assert found[0].key == f"p:{slug}", [m.key for m in found]


@pytest.mark.parametrize("query", ["chair", "председатель", "主席", "主持人", "moderator", "ведущий"])
def test_the_chair_by_role_beats_a_chairman_by_job_title(index: SearchIndex, query: str) -> None:
    found = index.matches(query, documents=True)
    assert (found[0].key, found[0].tier) == ("p:an-fengquan", Tier.ROLE)
    assert [m.person.slug for m in found if m.person] == ["an-fengquan"]
    assert all(m.tier > Tier.ROLE for m in found[1:])  # Tongwei Group's chairman, on the initiative


def test_roles_are_held_by_who_the_content_says(index: SearchIndex, content: Content) -> None:
    speakers = [p.slug for p in index.search("speaker")]
    assert speakers == [p.slug for p in content.guests]
    signed = {s.person for s in content.initiative.named_signatories if s.person}
    assert [p.slug for p in index.search("signatories")] == [
        p.slug for p in content.people if p.slug in signed
    ]
    assert [p.slug for p in index.search("участники")] == [p.slug for p in content.people]
    assert {m.tier for m in index.matches("speaker")} == {Tier.ROLE}


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("who is Kin Phea?", ["kin", "phea"]),
        ("расскажи мне о Кин Феа, пожалуйста", ["кин", "феа"]),
        ("Kin Phea是谁？", ["kin", "phea"]),
        ("来自蒙古国的嘉宾", ["蒙古国", "嘉宾"]),
        ("roundtable", ["roundtable"]),  # nothing but a frame: searched as typed, finds the roundtable
        ("who is an fengquan", ["an", "fengquan"]),
        ("an", ["an"]),  # a word of a name is never a frame
    ],
)
def test_frames_are_stripped_not_names(index: SearchIndex, query: str, words: list[str]) -> None:
    assert index._understanding.words(query) == words


def test_inflected_words_meet_their_stems(index: SearchIndex) -> None:
    assert index.matches("Цяна")[0].person.slug == "yao-qiang"  # type: ignore[union-attr]
    assert [p.slug for p in index.search("из Монголии")] == ["tuvshin-badral"]
    assert [p.slug for p in index.search("председателя")] == ["an-fengquan"]
    assert [p.slug for p in index.search("с Цянами")] == ["yao-qiang"]
    assert [p.slug for p in index.search("о Кине Феа")] == ["kin-phea"]


@pytest.mark.parametrize(
    ("text", "code", "button"),
    [
        ("when was it?", "en", MenuCb(action=MenuAction.ABOUT).pack()),
        ("где проходил?", "ru", MenuCb(action=MenuAction.ABOUT).pack()),
        ("什么时候", "zh-hans", MenuCb(action=MenuAction.ABOUT).pack()),
        ("кто подписал инициативу?", "ru", MenuCb(action=MenuAction.INITIATIVE).pack()),
        ("who spoke?", "en", MenuCb(action=MenuAction.SPEAKERS).pack()),  # a verb alone: the list
        ("谁发言了", "zh-hans", MenuCb(action=MenuAction.SPEAKERS).pack()),
    ],
)
async def test_a_question_about_something_else_points_to_its_screen(
    driver: Driver, catalog: Catalog, text: str, code: str, button: str
) -> None:
    sent = one_message(await driver.feed(updates.message(text, language_code=code)))
    assert datas(sent.reply_markup)[0] == button
    assert screens.quote_query(text) not in sent.text


@pytest.mark.parametrize(
    ("text", "code", "locale"),
    [
        ("who is John Smith?", "en", "en"),
        ("кто такой Иван Петров?", "ru", "ru"),
        ("谁是张三", "zh-hans", "zh"),
        ("tell me about qwerty", "en", "en"),
    ],
)
async def test_a_question_naming_nobody_we_know_gets_nobody_matches(
    driver: Driver, catalog: Catalog, i18n: PoI18n, text: str, code: str, locale: str
) -> None:
    sent = one_message(await driver.feed(updates.message(text, language_code=code)))
    expected = screens.not_found(i18n.translator(locale), text)
    assert (sent.text, sent.reply_markup) == (expected.text, expected.markup)
    [answer] = of(await driver.feed(updates.inline_query(text, language_code=code)), AnswerInlineQuery)
    assert answer.results == []
    assert answer.button is not None


def _broken(change: Any) -> list[str]:
    documents = copy.deepcopy(read_documents(ROOT / "content"))
    change(documents["queries.toml"], documents)
    with pytest.raises(ContentError) as error:
        build_content(documents)
    return error.value.problems


def test_the_loader_checks_queries_against_the_other_files() -> None:
    def unknown_members(queries: dict[str, Any], _documents: dict[str, Any]) -> None:
        queries["role"][1]["members"] = "everybody"

    assert [p.split(": ")[:2] for p in _broken(unknown_members)] == [["queries.toml", "role[1].members"]]

    def wrong_ids(queries: dict[str, Any], _documents: dict[str, Any]) -> None:
        queries["role"][0]["sources"] = ["s9"]
        queries["country"][0]["code"] = "xx"
        queries["role"].append(copy.deepcopy(queries["role"][0]))

    problems = _broken(wrong_ids)
    assert "queries.toml: role[0].sources[0]: unknown source 's9'" in problems
    assert "queries.toml: country[0].code: unknown country 'xx'" in problems
    assert any(p.startswith("queries.toml: role[") and "duplicate value 'chair'" in p for p in problems)

    def particle_in_a_name(queries: dict[str, Any], _documents: dict[str, Any]) -> None:
        queries["particles"]["zh"].append("丰")

    assert any("'丰' occurs in the name '安丰全'" in p for p in _broken(particle_in_a_name))

    def no_signatory_linked(_queries: dict[str, Any], documents: dict[str, Any]) -> None:
        for signatory in documents["initiative.toml"]["initiative"]["named_signatories"]:
            signatory.pop("person", None)

    problems = _broken(no_signatory_linked)
    assert problems == ["queries.toml: role[2].members: nobody holds the role 'signatory'"]


def test_the_queries_file_is_part_of_the_content(content: Content) -> None:
    assert content.to_documents()["queries.toml"]["role"][0]["id"] == "chair"
    assert build_content(content.to_documents()).queries == content.queries  # what the store keeps
