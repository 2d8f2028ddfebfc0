"""/speakers with paging, cards with Back and Share, /speaker and free-text search, groups, stale buttons."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, GetMe, SendMessage

from bot.catalog import screens
from bot.catalog.content import Person
from bot.catalog.library import Catalog
from bot.catalog.recent import RecentSearches
from bot.catalog.search import Match, Tier, question_topic
from bot.core.callbacks import MenuAction, MenuCb, SpeakerCb, SpeakersPageCb
from bot.core.i18n import PoI18n
from bot.core.telegram_rules import MESSAGE_LIMIT, html_problems, visible_text
from bot.store import Store
from tests import updates
from tests.chat_support import LANGUAGES, buttons, datas, of, one_answer, one_edit, one_message
from tests.conftest import Driver, language_of

MENU = MenuCb(action=MenuAction.MENU).pack()


class FakeSearch:
    """Stands in for the participant search so the reply rules are tested whatever its ranking does."""

    def __init__(self, results: list[Person]) -> None:
        self.results = results
        self.queries: list[tuple[str, int | None]] = []

    def search(self, query: str, limit: int | None = None) -> list[Person]:
        self.queries.append((query, limit))
        return self.results[:limit]

    def matches(self, query: str, limit: int | None = None, *, documents: bool = False) -> list[Match]:
        return [Match(f"p:{p.slug}", Tier.EXACT_NAME, p) for p in self.search(query, limit)]

    def topic(self, text: str) -> str | None:
        return question_topic(text)


@pytest.fixture
def fake_search(monkeypatch: pytest.MonkeyPatch) -> FakeSearch:
    fake = FakeSearch([])
    monkeypatch.setattr(Catalog, "search", property(lambda self: fake))
    return fake


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_speakers_lists_everyone_in_programme_order(
    driver: Driver, store: Store, catalog: Catalog, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message("/speakers", language_code=code)))
    content = catalog.content
    assert language_of(sent.text) == expected
    names = [p.name.get(expected) for p in content.people]
    positions = [sent.text.index(name) for name in names]
    assert positions == sorted(positions)
    for person in content.people:
        assert content.countries[person.country].flag in sent.text
    assert datas(sent.reply_markup) == [SpeakerCb(slug=p.slug, page=0).pack() for p in content.people] + [
        MENU
    ]
    assert [b.text for b in buttons(sent.reply_markup)][:10] == [
        f"{content.countries[p.country].flag} {p.name.get(expected)}" for p in content.people
    ]


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_speakers_page_with_arrows_when_the_list_is_longer_than_a_page(
    driver: Driver, store: Store, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, code: str, expected: str
) -> None:
    monkeypatch.setattr(screens, "PAGE_SIZE", 3)  # ten people: pages of 3, 3, 3, 1
    people = catalog.content.people

    first = one_message(await driver.feed(updates.message("/speakers", language_code=code)))
    assert datas(first.reply_markup) == [
        *(SpeakerCb(slug=p.slug, page=0).pack() for p in people[:3]),
        SpeakersPageCb(page=1).pack(),
        MENU,
    ]
    assert people[3].name.get(expected) not in first.text

    sent = await driver.feed(updates.callback(SpeakersPageCb(page=1).pack(), language_code=code))
    middle = one_edit(sent)
    assert one_answer(sent).show_alert is not True
    assert language_of(middle.text) == expected
    assert [p.name.get(expected) in middle.text for p in people[:7]] == [False] * 3 + [True] * 3 + [False]
    assert datas(middle.reply_markup)[-3:] == [
        SpeakersPageCb(page=0).pack(),
        SpeakersPageCb(page=2).pack(),
        MENU,
    ]
    assert "◀" in buttons(middle.reply_markup)[-3].text
    assert "▶" in buttons(middle.reply_markup)[-2].text

    last = one_edit(await driver.feed(updates.callback(SpeakersPageCb(page=3).pack(), language_code=code)))
    assert datas(last.reply_markup) == [
        SpeakerCb(slug=people[9].slug, page=3).pack(),
        SpeakersPageCb(page=2).pack(),
        MENU,
    ]


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_speaker_button_edits_into_the_card_with_back_and_share(
    driver: Driver, store: Store, catalog: Catalog, i18n: PoI18n, code: str, expected: str
) -> None:
    person = catalog.content.people[4]
    sent = await driver.feed(updates.callback(SpeakerCb(slug=person.slug, page=0).pack(), language_code=code))
    edit = one_edit(sent)
    t = i18n.translator(expected)
    assert edit.text == screens.person(t, catalog.content, person).text
    back, share, menu = buttons(edit.reply_markup)
    assert menu.callback_data == MENU
    assert back.callback_data == SpeakersPageCb(page=0).pack()
    assert language_of(back.text + share.text) == expected
    assert share.switch_inline_query == person.name.get(expected)
    assert one_answer(sent).show_alert is not True

    # Back returns to the list
    listing = one_edit(await driver.feed(updates.callback(back.callback_data or "", language_code=code)))
    assert person.name.get(expected) in listing.text


async def test_back_returns_to_the_page_the_person_is_on(
    driver: Driver, store: Store, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screens, "PAGE_SIZE", 3)
    person = catalog.content.people[7]  # page 2
    edit = one_edit(await driver.feed(updates.callback(SpeakerCb(slug=person.slug, page=0).pack())))
    assert buttons(edit.reply_markup)[0].callback_data == SpeakersPageCb(page=2).pack()


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
@pytest.mark.parametrize(
    "data",
    [
        SpeakerCb(slug="nobody", page=0).pack(),
        SpeakersPageCb(page=99).pack(),
        SpeakersPageCb(page=-1).pack(),
        "zzz",
        "s:",
        "sp:abc",
        "m:zz",
        "sub:maybe",
        "l:de",
        "s:kin-phea:0:extra",
    ],
)
async def test_stale_or_forged_buttons_get_a_short_alert(
    driver: Driver, data: str, code: str, expected: str
) -> None:
    sent = await driver.feed(updates.callback(data, language_code=code))
    answer = one_answer(sent)
    assert answer.show_alert is True
    assert answer.text
    assert len(answer.text) <= 200
    assert language_of(answer.text) == expected
    assert not of(sent, EditMessageText)
    assert not of(sent, SendMessage)


async def test_message_not_modified_is_not_an_error(driver: Driver) -> None:
    driver.session.add_error_for(
        EditMessageText,
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message",
    )
    sent = await driver.feed(updates.callback(SpeakersPageCb(page=0).pack()))
    assert one_answer(sent).show_alert is not True


async def test_a_message_that_cannot_be_edited_is_sent_anew(driver: Driver) -> None:
    driver.session.add_error_for(EditMessageText, 400, "Bad Request: message to edit not found")
    sent = await driver.feed(updates.callback(SpeakerCb(slug="kin-phea").pack(), user_id=31))
    assert one_message(sent).chat_id == 31
    one_answer(sent)


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_speaker_with_one_match_shows_the_card(
    driver: Driver,
    store: Store,
    catalog: Catalog,
    i18n: PoI18n,
    fake_search: FakeSearch,
    code: str,
    expected: str,
) -> None:
    person = catalog.content.people[2]
    fake_search.results = [person]
    sent = one_message(await driver.feed(updates.message("/speaker chukin", language_code=code)))
    t = i18n.translator(expected)
    assert sent.text == screens.person(t, catalog.content, person).text
    assert fake_search.queries == [("chukin", screens.SEARCH_LIMIT + 3)]


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_speaker_with_several_matches_lists_them_with_buttons(
    driver: Driver, store: Store, catalog: Catalog, fake_search: FakeSearch, code: str, expected: str
) -> None:
    fake_search.results = list(catalog.content.people[6:9])
    sent = one_message(await driver.feed(updates.message("/speaker china", language_code=code)))
    assert language_of(sent.text) == expected
    assert "3" in sent.text
    back = "r" + RecentSearches.token_for("china")
    assert datas(sent.reply_markup) == [
        *(SpeakerCb(slug=p.slug, page=0, back=back).pack() for p in fake_search.results),
        SpeakersPageCb(page=0).pack(),
        MENU,
    ]


async def test_speaker_with_too_many_matches_says_so(
    driver: Driver, store: Store, catalog: Catalog, fake_search: FakeSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screens, "SEARCH_LIMIT", 4)
    fake_search.results = list(catalog.content.people)
    sent = one_message(await driver.feed(updates.message("/speaker a")))
    assert len(datas(sent.reply_markup)) == 4 + 2
    assert "narrow" in sent.text


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_speaker_with_no_match_replies_politely_quoting_escaped(
    driver: Driver, fake_search: FakeSearch, code: str, expected: str
) -> None:
    sent = one_message(await driver.feed(updates.message("/speaker <b>Nobody</b> & co", language_code=code)))
    assert language_of(sent.text) == expected
    assert html_problems(sent.text) == []
    assert "<b>Nobody</b> &amp; co" not in sent.text
    assert "&lt;b&gt;Nobody&lt;/b&gt; &amp; co" in sent.text
    assert datas(sent.reply_markup) == [SpeakersPageCb(page=0).pack(), MENU]


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_speaker_without_a_query_explains_itself(driver: Driver, code: str, expected: str) -> None:
    sent = one_message(await driver.feed(updates.message("/speaker", language_code=code)))
    assert language_of(sent.text) == expected
    assert "/speaker" in sent.text


async def test_speaker_uses_the_real_search(driver: Driver) -> None:
    sent = one_message(await driver.feed(updates.message("/speaker Kin Phea")))
    assert "Kin Phea" in sent.text


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_free_text_in_private_is_a_search(
    driver: Driver, store: Store, catalog: Catalog, fake_search: FakeSearch, code: str, expected: str
) -> None:
    fake_search.results = [catalog.content.people[0]]
    sent = one_message(await driver.feed(updates.message("Moin", language_code=code)))
    assert catalog.content.people[0].name.get(expected) in sent.text
    assert fake_search.queries[0][0] == "Moin"


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
@pytest.mark.parametrize("text", ["x" * 5000, "Ж" * 5000, "🙂" * 5000, "<" * 5000])
async def test_long_input_gets_a_polite_reply(
    driver: Driver, fake_search: FakeSearch, text: str, code: str, expected: str
) -> None:
    for update in (
        updates.message(text, language_code=code),
        updates.message(f"/speaker {text}", language_code=code),
    ):
        sent = one_message(await driver.feed(update))
        assert language_of(sent.text) == expected
        assert len(visible_text(sent.text)) < MESSAGE_LIMIT
        assert text[:100] not in sent.text
    assert fake_search.queries == []


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_free_text_no_match_quotes_briefly(
    driver: Driver, fake_search: FakeSearch, code: str, expected: str
) -> None:
    query = "zz" * 100  # 200 characters: searched, not found, quoted shortened
    sent = one_message(await driver.feed(updates.message(query, language_code=code)))
    assert language_of(sent.text) == expected
    assert query not in sent.text
    assert "zz" * 10 in sent.text


@pytest.mark.parametrize(("code", "expected"), LANGUAGES)
async def test_unknown_command_in_private_points_to_help(driver: Driver, code: str, expected: str) -> None:
    for text in ("/nonsense", "/speakers@other_bot", "/"):
        sent = one_message(await driver.feed(updates.message(text, language_code=code)))
        assert "/help" in sent.text
        assert language_of(sent.text) == expected
        assert datas(sent.reply_markup) == [MENU]


GROUP: dict[str, Any] = {"chat_type": "supergroup", "chat_id": -100777}


async def test_groups_get_answers_only_to_commands_for_this_bot(
    driver: Driver, fake_search: FakeSearch
) -> None:
    for text in ("Kin Phea", "/nonsense", "/speakers@other_bot", "x" * 5000):
        sent = await driver.feed(updates.message(text, **GROUP))
        assert [
            r for r in sent if not isinstance(r, GetMe)
        ] == []  # getMe: the Command filter checks @mentions
    assert fake_search.queries == []
    for text in ("/speakers@roundtable_bot", "/speakers"):
        sent = one_message(await driver.feed(updates.message(text, **GROUP)))
        assert sent.chat_id == -100777


async def test_every_callback_is_answered_exactly_once(driver: Driver) -> None:
    for data in (
        SpeakersPageCb(page=0).pack(),
        SpeakerCb(slug="kin-phea").pack(),
        MenuCb(action=MenuAction.SPEAKERS).pack(),
        "zzz",
    ):
        sent = await driver.feed(updates.callback(data))
        assert len(of(sent, AnswerCallbackQuery)) == 1


async def test_a_button_on_an_inaccessible_message_sends_the_screen_anew(driver: Driver) -> None:
    update = updates.callback(SpeakerCb(slug="kin-phea").pack(), user_id=32)
    message = update["callback_query"]["message"]
    inaccessible = {"chat": message["chat"], "message_id": message["message_id"], "date": 0}
    update["callback_query"]["message"] = inaccessible
    sent = await driver.feed(update)
    assert not of(sent, EditMessageText)
    assert one_message(sent).chat_id == 32
    one_answer(sent)


@pytest.mark.parametrize("data", [SpeakerCb(slug="kin-phea").pack(), MENU, "zzz", "sub:1"])
async def test_a_button_on_an_inline_message_never_fails(driver: Driver, data: str) -> None:
    update = updates.callback(data, user_id=33)
    del update["callback_query"]["message"]
    update["callback_query"]["inline_message_id"] = "AAAAinline"
    sent = await driver.feed(update)
    one_answer(sent)
    assert all(m.chat_id == 33 for m in of(sent, SendMessage))


async def test_a_user_who_never_started_the_bot_still_gets_an_answer(driver: Driver) -> None:
    update = updates.callback(SpeakerCb(slug="kin-phea").pack(), user_id=34)
    del update["callback_query"]["message"]
    update["callback_query"]["inline_message_id"] = "AAAAinline"
    driver.session.add_error_for(SendMessage, 403, "Forbidden: bot can't initiate conversation with a user")
    one_answer(await driver.feed(update))
