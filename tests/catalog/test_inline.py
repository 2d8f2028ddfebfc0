"""Inline mode through the real Dispatcher: what `@bot <query>` answers, in each language, page by page."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aiogram.methods import AnswerInlineQuery, TelegramMethod
from aiogram.types import InlineQueryResultArticle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog.content import build_content, read_documents
from bot.catalog.handlers.inline import PAGE_SIZE
from bot.catalog.library import Catalog
from bot.core.telegram_rules import html_problems
from bot.store import Store
from tests import updates
from tests.conftest import ROOT, Driver, language_of

BOT_LINK = "https://t.me/roundtable_bot?start="


def the_answer(sent: list[TelegramMethod[Any]]) -> AnswerInlineQuery:
    answers = [r for r in sent if isinstance(r, AnswerInlineQuery)]
    assert len(answers) == 1
    return answers[0]


def articles(answer: AnswerInlineQuery) -> list[InlineQueryResultArticle]:
    assert all(isinstance(r, InlineQueryResultArticle) for r in answer.results)
    return [r for r in answer.results if isinstance(r, InlineQueryResultArticle)]


def button_url(article: InlineQueryResultArticle) -> str:
    assert article.reply_markup is not None
    [[button]] = article.reply_markup.inline_keyboard
    assert button.url is not None
    return button.url


def card_text(article: InlineQueryResultArticle) -> str:
    text = getattr(article.input_message_content, "message_text", None)
    assert isinstance(text, str)
    return text


@pytest.mark.parametrize(
    ("language_code", "about_title", "chair_title"),
    [
        ("ru", "Азиатский круглый стол", "Ан Фэнцюань"),
        ("en", "2022 Asia Roundtable Summit", "An Fengquan"),
        ("zh-hans", "2022亚洲绿色低碳发展圆桌峰会", "安丰全"),
    ],
)
async def test_empty_query_lists_the_roundtable_everyone_and_the_initiative(
    driver: Driver, store: Store, catalog: Catalog, language_code: str, about_title: str, chair_title: str
) -> None:
    answer = the_answer(await driver.feed(updates.inline_query("", language_code=language_code)))
    results = articles(answer)
    people = catalog.content.people
    assert [r.id for r in results] == ["about", *(f"p:{p.slug}" for p in people), "initiative"]
    assert results[0].title.startswith(about_title)
    assert results[-2].title == chair_title  # the chair closes the programme
    assert answer.is_personal is True
    assert answer.cache_time == 30
    assert answer.next_offset == ""
    assert answer.button is None
    assert button_url(results[0]) == BOT_LINK + "about"
    assert button_url(results[-1]) == BOT_LINK + "initiative"
    for result in results:
        assert len(result.id.encode()) <= 64
        assert html_problems(card_text(result)) == []


@pytest.mark.parametrize(
    ("language_code", "title", "words"),
    [
        ("ru", "Ан Фэнцюань", ["Международного энергетического агентства", "Председатель круглого стола"]),
        ("en", "An Fengquan", ["International Energy Agency", "Chair of the roundtable"]),
        ("zh", "安丰全", ["国际能源署", "圆桌峰会主持人"]),
    ],
)
async def test_a_result_is_the_card_in_the_users_language(
    driver: Driver, language_code: str, title: str, words: list[str]
) -> None:
    answer = the_answer(await driver.feed(updates.inline_query("anfengquan", language_code=language_code)))
    [result] = articles(answer)
    assert result.id == "p:an-fengquan"
    assert result.title == title
    assert result.description is not None
    assert words[0] in result.description
    card = card_text(result)
    context, card = card.split("\n\n", 1)  # the line naming the event, for a chat that does not know it
    assert context.startswith("<i>")
    assert "2022" in context
    assert language_of(context) == language_code
    assert card.startswith(f"<b>{title}</b>")
    assert words[1] in card
    assert language_of(card.replace("(安丰全)", "")) == language_code  # the native spelling aside
    assert html_problems(card) == []
    assert button_url(result) == BOT_LINK + "speaker-an-fengquan"
    assert answer.is_personal is True


# Each matching rule, typed by a Russian, an English and a Chinese user.
RULES = [
    ("ru", "Кин Феа", "kin-phea"),
    ("en", "kin phea", "kin-phea"),
    ("zh", "安丰全", "an-fengquan"),
    ("ru", "виб", "hartanto-wibowo"),
    ("en", "wib", "hartanto-wibowo"),
    ("zh", "阿尔玛", "almas-chukin"),
    ("ru", "Бирахтали", "yahaya-berakhtali"),
    ("en", "wibovo", "hartanto-wibowo"),
    ("en", "berahtali", "yahaya-berakhtali"),
    ("zh", "anfenquan", "an-fengquan"),
    ("ru", "Мойн", "moin-ul-haque"),
    ("en", "Moin", "moin-ul-haque"),
    ("ru", "Моин", "moin-ul-haque"),
    ("en", "Fea", "kin-phea"),
    ("zh", "fengquan", "an-fengquan"),
    ("ru", "МЭА", "an-fengquan"),
    ("en", "IEA", "an-fengquan"),
    ("en", "huadian", "gou-wei"),
    ("en", "PLN", "hartanto-wibowo"),
    ("zh", "华电", "gou-wei"),
    ("ru", "Казахстан", "almas-chukin"),
    ("en", "pakistan", "moin-ul-haque"),
    ("zh", "柬埔寨", "kin-phea"),
    ("ru", "посол", "moin-ul-haque"),
    ("en", "ambassador", "moin-ul-haque"),
    ("zh", "大使", "moin-ul-haque"),
    ("ru", "ЁЛКИН ФЕА", None),
    ("en", "PHEA,  Kin", "kin-phea"),
]


@pytest.mark.parametrize(("language_code", "query", "slug"), RULES)
async def test_any_spelling_through_inline_mode(
    driver: Driver, store: Store, catalog: Catalog, language_code: str, query: str, slug: str | None
) -> None:
    answer = the_answer(await driver.feed(updates.inline_query(query, language_code=language_code)))
    results = articles(answer)
    if slug is None:
        assert results == []
        return
    assert results[0].id == f"p:{slug}"
    person = catalog.content.person(slug)
    assert person is not None
    assert results[0].title == person.name.get(language_code)


@pytest.mark.parametrize(
    ("language_code", "text"),
    [("ru", "Никого не нашлось"), ("en", "Nothing found"), ("zh", "未找到")],
)
async def test_nothing_found_offers_to_open_the_bot(driver: Driver, language_code: str, text: str) -> None:
    answer = the_answer(await driver.feed(updates.inline_query("zzzzqqqq", language_code=language_code)))
    assert answer.results == []
    assert answer.button is not None
    assert answer.button.text.startswith(text)
    assert answer.button.start_parameter == "speakers"
    assert answer.next_offset == ""
    assert answer.is_personal is True


async def _with_many_people(catalog: Catalog, count: int) -> None:
    documents = read_documents(ROOT / "content")
    people = documents["people.toml"]["person"]
    template = people[0]
    for i in range(count):
        extra = copy.deepcopy(template)
        extra["slug"] = f"guest-{i}"
        extra["order"] = 100 + i
        extra["aliases"] = []
        extra["native"] = f"Guest {i}"
        extra["name"] = {"ru": f"Гость {i}", "en": f"Guest {i}", "zh": f"嘉宾{i}"}
        people.append(extra)
    await catalog.load_content(build_content(documents, version="many"))


async def _all_pages(driver: Driver, query: str, language_code: str = "en") -> list[AnswerInlineQuery]:
    answers = [the_answer(await driver.feed(updates.inline_query(query, language_code=language_code)))]
    while answers[-1].next_offset:
        offset = answers[-1].next_offset
        update = updates.inline_query(query, language_code=language_code, offset=offset)
        answers.append(the_answer(await driver.feed(update)))
    return answers


async def test_pages_with_next_offset(driver: Driver, store: Store, catalog: Catalog) -> None:
    await _with_many_people(catalog, 60)  # 70 people, the roundtable and the initiative: 72 entries
    pages = await _all_pages(driver, "")
    full, rest = divmod(72, PAGE_SIZE)
    assert [len(p.results) for p in pages] == [PAGE_SIZE] * full + ([rest] if rest else [])
    assert [p.next_offset for p in pages] == [str(PAGE_SIZE * n) for n in range(1, len(pages))] + [""]
    ids = [r.id for p in pages for r in p.results]
    assert len(set(ids)) == 72
    assert ids[0] == "about"
    assert ids[-1] == "initiative"
    assert all(p.is_personal for p in pages)
    guests = await _all_pages(driver, "guest", language_code="ru")
    assert [r.id for p in guests for r in p.results] == [f"p:guest-{i}" for i in range(60)]
    assert articles(guests[0])[0].title == "Гость 0"
    assert articles(guests[-1])[-1].title == "Гость 59"


@pytest.mark.parametrize("offset", ["abc", "-1", "1e3", " 50", "50 ", "٥٠", "9" * 64, "999999", "0x10"])
async def test_a_garbage_offset_ends_the_list(driver: Driver, offset: str) -> None:
    answer = the_answer(await driver.feed(updates.inline_query("", offset=offset)))
    assert answer.results == []
    assert answer.next_offset == ""
    assert answer.button is None


async def test_results_follow_a_content_reload(driver: Driver, catalog: Catalog) -> None:
    before = the_answer(await driver.feed(updates.inline_query("guest")))
    assert before.results == []
    await _with_many_people(catalog, 1)
    after = the_answer(await driver.feed(updates.inline_query("guest")))
    assert [r.id for r in after.results] == ["p:guest-0"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.text(max_size=256),
    offset=st.one_of(st.just(""), st.text(max_size=70)),
    language_code=st.sampled_from(["ru", "en", "zh-hans", "de", ""]),
)
async def test_any_inline_query_gets_a_valid_answer(
    driver: Driver, query: str, offset: str, language_code: str
) -> None:
    # The Driver fails the test if a handler raised or Telegram would refuse the answer.
    answer = the_answer(
        await driver.feed(updates.inline_query(query, offset=offset, language_code=language_code))
    )
    assert len(answer.results) <= 50
    assert answer.is_personal is True
