"""The participant search on the real content: every spelling, every script, typos, ranking, any input."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog.content import Content, build_content, load_content, read_documents
from bot.catalog.search import SearchIndex, Tier, fold, question_topic, words
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(ROOT / "content")


@pytest.fixture(scope="module")
def index(content: Content) -> SearchIndex:
    return SearchIndex(content)


def first(index: SearchIndex, query: str) -> tuple[str, Tier]:
    found = index.matches(query)
    assert found, f"{query!r} found nobody"
    assert found[0].person is not None
    return found[0].person.slug, found[0].tier


# (query, the person it must find first, how it matches). Each rule in Latin/English, Russian and Chinese.
RULES: dict[str, list[tuple[str, str, Tier]]] = {
    "exact name": [
        ("Kin Phea", "kin-phea", Tier.EXACT_NAME),
        ("Кин Феа", "kin-phea", Tier.EXACT_NAME),
        ("安丰全", "an-fengquan", Tier.EXACT_NAME),
        ("莫因·哈克", "moin-ul-haque", Tier.EXACT_NAME),
    ],
    "case, punctuation, spacing, word order": [
        ("PHEA,  kin!", "kin-phea", Tier.EXACT_NAME),
        ("moin-ul-haque", "moin-ul-haque", Tier.EXACT_NAME),
        ("уль-хак   МОЙН", "moin-ul-haque", Tier.EXACT_NAME),
        ("хартантовибово", "hartanto-wibowo", Tier.EXACT_NAME),
        ("哈克 莫因", "moin-ul-haque", Tier.EXACT_NAME),
        ("安 丰全", "an-fengquan", Tier.EXACT_NAME),
    ],
    "diacritics and ё": [
        ("EÜAŞ", "yahaya-berakhtali", Tier.FIELD),
        ("Бёрахтали", "yahaya-berakhtali", Tier.NAME_WORD),
        ("Ｋｉｎ　Ｐｈｅａ", "kin-phea", Tier.EXACT_NAME),  # full-width, as Chinese keyboards type it
    ],
    "name prefix": [
        ("wib", "hartanto-wibowo", Tier.NAME_PREFIX),
        ("Виб", "hartanto-wibowo", Tier.NAME_PREFIX),
        ("阿尔玛", "almas-chukin", Tier.NAME_PREFIX),
        ("moin ul h", "moin-ul-haque", Tier.NAME_PREFIX),
    ],
    "typos": [
        ("wibovo", "hartanto-wibowo", Tier.NAME_WORD),  # w/v is a transliteration, not a typo
        ("berahtali", "yahaya-berakhtali", Tier.NAME_WORD),  # kh/h likewise
        ("hartnto", "hartanto-wibowo", Tier.FUZZY),
        ("wibowp", "hartanto-wibowo", Tier.FUZZY),
        ("berakhtlai", "yahaya-berakhtali", Tier.FUZZY),
        ("Бирахтали", "yahaya-berakhtali", Tier.FUZZY),
        ("Хартнато", "hartanto-wibowo", Tier.FUZZY),
        ("anfenquan", "an-fengquan", Tier.FUZZY),
    ],
    "transliteration": [
        ("Moin", "moin-ul-haque", Tier.NAME_WORD),
        ("Мойн", "moin-ul-haque", Tier.NAME_WORD),
        ("Моин", "moin-ul-haque", Tier.NAME_WORD),
        ("Moyn", "moin-ul-haque", Tier.NAME_WORD),
        ("Phea", "kin-phea", Tier.NAME_WORD),
        ("Феа", "kin-phea", Tier.NAME_WORD),
        ("Fea", "kin-phea", Tier.NAME_WORD),
        ("Вибово", "hartanto-wibowo", Tier.NAME_WORD),
        ("Yakhayya", "yahaya-berakhtali", Tier.NAME_WORD),
        ("anfengquan", "an-fengquan", Tier.EXACT_NAME),
        ("fengquan", "an-fengquan", Tier.NAME_WORD),
        ("baoqing", "li-baoqing", Tier.NAME_WORD),
        ("栗", "li-baoqing", Tier.NAME_WORD),
    ],
    "organisation": [
        ("huadian", "gou-wei", Tier.FIELD),
        ("Хуадянь", "gou-wei", Tier.FIELD),
        ("华电", "gou-wei", Tier.FIELD),
        ("PLN", "hartanto-wibowo", Tier.FIELD),
        ("IEA", "an-fengquan", Tier.FIELD),
        ("МЭА", "an-fengquan", Tier.FIELD),
        ("国际能源署", "an-fengquan", Tier.FIELD),
        ("powerchina", "yao-qiang", Tier.FIELD),
        ("中国电建", "yao-qiang", Tier.FIELD),
        ("电投", "li-baoqing", Tier.FIELD),
    ],
    "country": [
        ("pakistan", "moin-ul-haque", Tier.COUNTRY),
        ("Казахстан", "almas-chukin", Tier.COUNTRY),
        ("柬埔寨", "kin-phea", Tier.COUNTRY),
        ("Türkiye", "yahaya-berakhtali", Tier.COUNTRY),
    ],
    "role words": [
        ("ambassador", "moin-ul-haque", Tier.FIELD),
        ("посол", "moin-ul-haque", Tier.FIELD),
        ("大使", "moin-ul-haque", Tier.FIELD),
        ("economist", "almas-chukin", Tier.FIELD),
        ("экономист", "almas-chukin", Tier.FIELD),
        ("经济学家", "almas-chukin", Tier.FIELD),
    ],
    "country before a word in a role, in every language": [
        ("China", "li-baoqing", Tier.COUNTRY),  # not the ambassador to China
        ("Китай", "li-baoqing", Tier.COUNTRY),
        ("中国", "li-baoqing", Tier.COUNTRY),
    ],
    "Chinese homophones (toneless pinyin)": [
        ("安风全", "an-fengquan", Tier.EXACT_NAME),
        ("安封全", "an-fengquan", Tier.EXACT_NAME),
        ("安丰泉", "an-fengquan", Tier.EXACT_NAME),
        ("安风", "an-fengquan", Tier.NAME_PREFIX),
        ("苟伟", "gou-wei", Tier.EXACT_NAME),  # unconfirmed characters, found by their pinyin
    ],
    "short words with a typo": [
        ("phae", "kin-phea", Tier.FUZZY),
        ("Kin Pea", "kin-phea", Tier.FUZZY),
        ("Kim Phea", "kin-phea", Tier.FUZZY),
        ("moin ul huq", "moin-ul-haque", Tier.FUZZY),
    ],
    "a name equal to the query, not `and` in a role": [
        ("an", "an-fengquan", Tier.NAME_WORD),
        ("ан", "an-fengquan", Tier.NAME_WORD),
        ("Ань", "an-fengquan", Tier.NAME_WORD),  # Palladius
        ("an fengquan", "an-fengquan", Tier.EXACT_NAME),
    ],
    "stop-words in a longer query": [
        ("ambassador of pakistan", "moin-ul-haque", Tier.FIELD),
        ("директор по корпоративному", "hartanto-wibowo", Tier.FIELD),
        ("hartanto and", "hartanto-wibowo", Tier.NAME_WORD),
    ],
    "mixed fields": [
        ("kin cambodia", "kin-phea", Tier.FIELD),
        ("китай хуадянь", "gou-wei", Tier.FIELD),
        ("china hudian", "gou-wei", Tier.FUZZY),
    ],
}
CASES = [(rule, *case) for rule, cases in RULES.items() for case in cases]


@pytest.mark.parametrize(("rule", "query", "slug", "tier"), CASES)
def test_any_spelling_finds_the_person(
    index: SearchIndex, rule: str, query: str, slug: str, tier: Tier
) -> None:
    assert first(index, query) == (slug, tier), rule


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("Kin Phea", ["kin-phea"]),
        ("pakistan", ["moin-ul-haque"]),
        ("华电", ["gou-wei"]),
        ("kin pakistan", []),  # every word must match the same person
        ("zzzzqqqq", []),
        ("%", []),
    ],
)
def test_results_are_precise(index: SearchIndex, query: str, slugs: list[str]) -> None:
    assert [p.slug for p in index.search(query)] == slugs


@pytest.mark.parametrize("query", ["zzzzzz", "qqqq", "ё", "Ё", "xxxxxxxx", "ьььь", "!!!!", "zz", "аааа", "x"])
def test_key_mashing_finds_nobody(index: SearchIndex, query: str) -> None:
    # Collapsed letters once made `zzzzzz` the prefix `z`; a lone `ё` hit the pronoun `её` in a role.
    assert index.search(query) == []
    assert index.matches(query, 50, documents=True) == []


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("Moin", "moin-ul-haque"),
        ("Мойн", "moin-ul-haque"),
        ("Моин", "moin-ul-haque"),
        ("Phea", "kin-phea"),
        ("Феа", "kin-phea"),
        ("wibovo", "hartanto-wibowo"),
        ("berahtali", "yahaya-berakhtali"),
        ("Yakhayya", "yahaya-berakhtali"),  # doubled letters still meet single ones
        ("安丰全", "an-fengquan"),
        ("anfengquan", "an-fengquan"),
        ("wib", "hartanto-wibowo"),
        ("kin", "kin-phea"),
        ("安", "an-fengquan"),
    ],
)
def test_sound_alikes_and_short_prefixes_still_match(index: SearchIndex, query: str, slug: str) -> None:
    assert [p.slug for p in index.search(query)] == [slug]


def test_a_lone_letter_is_the_start_of_a_name(index: SearchIndex) -> None:
    found = index.matches("a")
    assert [m.person.slug for m in found if m.person] == ["almas-chukin", "an-fengquan"]
    assert {m.tier for m in found} == {Tier.NAME_PREFIX}  # `a` is a word of no name: 阿 is no surname
    assert first(index, "moin ul h") == ("moin-ul-haque", Tier.NAME_PREFIX)
    assert first(index, "kin c") == ("kin-phea", Tier.FIELD)  # with other words, a letter may start a field


def test_empty_query_lists_everyone_in_programme_order(index: SearchIndex, content: Content) -> None:
    assert index.search("") == list(content.people)
    assert index.search("   ") == list(content.people)
    assert content.people[-1].is_chair
    assert index.search("", limit=3) == list(content.people[:3])
    listed = [m.key for m in index.matches("", documents=True)]
    assert listed == ["about", *(f"p:{p.slug}" for p in content.people), "initiative"]


def test_ties_keep_programme_order(index: SearchIndex, content: Content) -> None:
    chinese = [p.slug for p in index.search("китай")]
    assert chinese == [p.slug for p in content.people if p.slug in chinese]
    assert {"li-baoqing", "gou-wei", "yao-qiang", "an-fengquan"} <= set(chinese)
    for query in ("china", "中国", "director", "директор"):
        found = index.matches(query)
        orders = [(m.tier, content.people.index(m.person)) for m in found if m.person]
        assert orders == sorted(orders), query


def _with_people(content_documents: dict[str, Any], extra: list[dict[str, Any]]) -> Content:
    documents = copy.deepcopy(content_documents)
    documents["people.toml"]["person"].extend(extra)
    return build_content(documents)


def _person(slug: str, order: int, name: str, role: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "order": order,
        "country": "cn",
        "native": name,
        "name": {"ru": name, "en": name, "zh": name},
        "role": {"ru": role, "en": role, "zh": role},
        "represented": {"ru": "—", "en": "—", "zh": "—"},
    }


def test_ranking_exact_then_prefix_then_other_fields() -> None:
    content = _with_people(
        read_documents(ROOT / "content"),
        [
            _person("kinetic-expert", 11, "Ada Lovelace", "Kinetic energy expert"),
            _person("kin", 12, "Kin", "Engineer"),
        ],
    )
    found = SearchIndex(content).matches("kin")
    assert [(m.person.slug if m.person else m.key, m.tier) for m in found] == [
        ("kin", Tier.EXACT_NAME),  # last in the programme, first by rank
        ("kin-phea", Tier.NAME_WORD),
        ("kinetic-expert", Tier.FIELD),
    ]
    # A word that matches nothing as typed is a typo of the nearest one.
    assert [m.tier for m in SearchIndex(content).matches("kinetik")] == [Tier.FUZZY]


@pytest.mark.parametrize(
    ("query", "key", "tier"),
    [
        ("Huang Zhen", "initiative", Tier.EXACT_NAME),  # signatories named on the initiative card
        ("黄震", "initiative", Tier.EXACT_NAME),
        ("Хуан Чжэнь", "initiative", Tier.EXACT_NAME),
        ("Liu Hanyuan", "initiative", Tier.EXACT_NAME),
        ("刘汉元", "initiative", Tier.EXACT_NAME),
        ("Tongwei", "initiative", Tier.FIELD),
        ("initiative", "initiative", Tier.FIELD),
        ("инициатива", "initiative", Tier.FIELD),
        ("倡议", "initiative", Tier.FIELD),
        ("roundtable", "about", Tier.FIELD),
        ("круглый стол", "about", Tier.FIELD),
        ("Almas Chukin", "p:almas-chukin", Tier.EXACT_NAME),  # a signatory who spoke: found as themselves
    ],
)
def test_documents_first(index: SearchIndex, query: str, key: str, tier: Tier) -> None:
    found = index.matches(query, documents=True)
    assert (found[0].key, found[0].tier) == (key, tier), [m.key for m in found]


def test_a_country_is_the_same_in_every_language(index: SearchIndex) -> None:
    chinese = ["li-baoqing", "gou-wei", "yao-qiang", "an-fengquan"]
    for query in ("China", "Китай", "中国", "china"):
        found = index.matches(query)
        assert [m.person.slug for m in found if m.tier == Tier.COUNTRY and m.person] == chinese, query
    # The ambassador to China and the adviser to Mongolian business in China follow, by the word in the role.
    assert [m.person.slug for m in index.matches("China")[4:] if m.person] == [
        "moin-ul-haque",
        "tuvshin-badral",
    ]


@pytest.mark.parametrize("query", ["an", "ан", "Ань", "AN"])
def test_stop_words_never_match(index: SearchIndex, query: str) -> None:
    assert [p.slug for p in index.search(query)] == ["an-fengquan"]
    assert [m.key for m in index.matches(query, documents=True)] == ["p:an-fengquan"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("what is the date?", "about"),
        ("когда был круглый стол", "about"),
        ("Когда прошёл круглый стол?", "about"),
        ("峰会是什么时候举行的？", "about"),
        ("who chaired it?", "speakers"),
        ("谁主持了峰会", "speakers"),
        ("кто подписал инициативу?", "initiative"),
        ("how do I subscribe to the news?", "news"),
        ("what is this?", "about"),
        ("Kin Phea", None),
        ("China", None),
        ("", None),
    ],
)
def test_a_question_points_to_the_screen_that_answers_it(text: str, key: str | None) -> None:
    assert question_topic(text) == key


def test_documents_are_searchable_only_when_asked(index: SearchIndex) -> None:
    assert [m.key for m in index.matches("круглый стол", documents=True)] == ["about"]
    assert [m.key for m in index.matches("倡议", documents=True)] == ["initiative"]
    assert index.search("круглый стол") == []


def test_folding() -> None:
    assert fold("ЁЛКА Éclair") == "елка eclair"
    assert words("Moin-ul-Haque, \u200bКи\u200bн\u202e 安丰全!") == ["moin", "ul", "haque", "кин", "安丰全"]


def test_limit(index: SearchIndex) -> None:
    assert len(index.search("a", limit=2)) == 2
    assert index.search("a", limit=0) == []
    assert index.search("kin", limit=1)[0].slug == "kin-phea"


NASTY = [
    "",
    " ",
    "'",
    '"',
    "%",
    "_",
    "*",
    "\\",
    "'; DROP TABLE user; --",
    '"kin" OR 1=1',
    "kin* NEAR/2 phea",
    "MATCH 'a*'",
    "\u200b\u200c\u200d\ufeff",
    "\u202ekin\u202c",
    "\u0627\u0644\u0633\u0641\u064a\u0631",  # Arabic, right to left
    "🇵🇰🙂👩🏽‍🔬",
    "a" * 256,
    "安" * 256,
    "ё" * 256,
    "x y " * 64,
    "\x00\x01\x1f\x7f",
    "\ud7ff\ue000\uffff",
    "\U0010ffff",
    "ǅ ß ﬁ İ",
]


@pytest.mark.parametrize("query", NASTY)
def test_nasty_input_is_safe(index: SearchIndex, query: str) -> None:
    found = index.search(query)
    assert all(p.slug for p in found)
    assert index.matches(query, 50, documents=True) is not None


@settings(max_examples=300, deadline=500, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.text(max_size=256) | st.sampled_from(NASTY).map(lambda s: s + "kin"))
def test_any_input_is_safe(query: str) -> None:
    index = _shared_index()
    people = index.search(query)
    matches = index.matches(query, 50, documents=True)
    assert len(matches) <= 50
    tiers = [m.tier for m in index.matches(query)]
    assert tiers == sorted(tiers)
    assert len(people) <= len(index.people)


_INDEX: list[SearchIndex] = []


def _shared_index() -> SearchIndex:
    if not _INDEX:
        _INDEX.append(SearchIndex(load_content(ROOT / "content")))
    return _INDEX[0]
