"""The Mini App's contract, black-box through aiohttp's test client: the page, each API route in each
language, 401 for missing/forged/stale init data, and a subscription that is the bot's own."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.catalog.library import Catalog
from bot.core.i18n import PoI18n
from bot.news.repository import NewsDraft, Newsroom
from bot.store import Store
from tests import updates
from tests.chat_support import LANGUAGES, buttons, one_message
from tests.conftest import Driver, language_of
from tests.webapp.support import PATH, USER_ID, auth, init_data

Client = TestClient[Any, Any]
API_ROUTES = ["session", "speakers", "about", "initiative", "news"]


async def get(client: Client, route: str, headers: dict[str, str]) -> Any:
    response = await client.get(f"{PATH}api/{route}", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_page_loads_telegrams_script_with_security_headers(client: Client) -> None:
    response = await client.get(PATH)
    assert response.status == 200
    page = await response.text()
    assert '<script src="https://telegram.org/js/telegram-web-app.js"></script>' in page
    assert '<script src="app.js" defer></script>' in page
    assert "<script>" not in page  # no inline script: the policy would refuse it anyway
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' https://telegram.org;" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for name, kind in (("app.js", "text/javascript"), ("app.css", "text/css")):
        static = await client.get(PATH + name)
        assert static.status == 200
        assert static.content_type == kind
        assert static.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_page_weighs_under_150_kb(client: Client) -> None:
    total = 0
    for name in ("", "app.js", "app.css"):
        total += len(await (await client.get(PATH + name)).read())
    assert total <= 150 * 1024


@pytest.mark.parametrize("route", API_ROUTES)
@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_every_route_answers_in_the_viewers_language(
    client: Client, route: str, language_code: str, locale: str
) -> None:
    body = await get(client, route, auth(language_code))
    assert body["locale"] == locale
    if route == "session":
        assert language_of(" ".join(body["strings"].values())) == locale
    elif route == "speakers":
        assert len(body["people"]) == 10
        assert language_of(" ".join(p["role"] for p in body["people"])) == locale
    elif route in ("about", "initiative"):
        assert language_of(body["html"]) == locale


async def test_speakers_carry_the_gallerys_fields(client: Client, catalog: Catalog) -> None:
    body = await get(client, "speakers", auth("zh-hans"))
    first = body["people"][0]
    person = catalog.content.people[0]
    assert first["slug"] == person.slug
    assert first["name"] == person.name.zh
    assert first["native"] == person.native
    assert first["flag"] == catalog.content.countries[person.country].flag
    assert first["share"] == person.name.zh
    assert first["role"] == person.role.zh


async def test_the_stored_language_wins_over_the_apps(client: Client, store: Store) -> None:
    await store.users.set_locale(USER_ID, "ru")
    assert (await get(client, "session", auth("zh-hans")))["locale"] == "ru"


async def test_an_unknown_language_gets_the_default(client: Client) -> None:
    assert (await get(client, "session", auth("pt-br")))["locale"] == "en"


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("kin fea", "kin-phea"),
        ("Кин Пхеа", "kin-phea"),
        ("li baoqin", "li-baoqing"),
        ("栗宝卿", "li-baoqing"),
    ],
)
async def test_search_is_the_inline_modes(client: Client, catalog: Catalog, query: str, slug: str) -> None:
    body = await get(client, f"speakers?q={query}", auth("en"))
    expected = [p.slug for p in catalog.search.search(query)]
    assert [p["slug"] for p in body["people"]] == expected
    assert expected[0] == slug


def forged() -> dict[str, str]:
    header = init_data("en")
    return {"Authorization": "tma " + header.replace(f"%22id%22%3A{USER_ID}", "%22id%22%3A1002")}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer x"}, id="other-scheme"),
        pytest.param({"Authorization": "tma "}, id="empty"),
        pytest.param({"Authorization": "tma " + init_data(token="42:" + "A" * 35)}, id="other-bot"),
        pytest.param(forged(), id="forged"),
        pytest.param(auth(age=3601), id="stale"),
    ],
)
@pytest.mark.parametrize("route", [*API_ROUTES, "subscription"])
async def test_missing_forged_or_stale_init_data_is_401(
    client: Client, store: Store, route: str, headers: dict[str, str]
) -> None:
    if route == "subscription":
        response = await client.put(f"{PATH}api/subscription", json={"subscribed": True}, headers=headers)
    else:
        response = await client.get(f"{PATH}api/{route}", headers=headers)
    assert response.status == 401
    assert (await response.json())["error"] == "unauthorized"
    assert not await store.subscriptions.is_subscribed(USER_ID)
    assert not await store.subscriptions.is_subscribed(1002)


@pytest.mark.parametrize(
    ("accept", "locale"), [("ru-RU,ru;q=0.9", "ru"), ("zh-CN", "zh"), ("", "en"), ("de", "en")]
)
async def test_a_401_says_what_to_do_in_the_browsers_language(
    client: Client, i18n: PoI18n, accept: str, locale: str
) -> None:
    headers = {"Accept-Language": accept, **auth(age=7200)}
    response = await client.get(f"{PATH}api/session", headers=headers)
    assert response.status == 401
    expected = i18n.translator(locale)._("The page could not load. Close it and open it again from the chat.")
    assert await response.json() == {"error": "unauthorized", "message": expected}


async def test_init_data_an_hour_old_still_counts(client: Client) -> None:
    assert (await get(client, "session", auth(age=3590)))["locale"] == "en"


async def test_subscribing_is_the_bots_subscription(client: Client, store: Store, driver: Driver) -> None:
    response = await client.put(f"{PATH}api/subscription", json={"subscribed": True}, headers=auth())
    assert response.status == 200
    assert (await response.json())["subscribed"] is True
    assert await store.subscriptions.is_subscribed(USER_ID)
    # The chat's menu agrees at once: it offers Unsubscribe.
    menu = one_message(await driver.feed(updates.message("/start", user_id=USER_ID)))
    assert "🔕 Unsubscribe" in [b.text for b in buttons(menu.reply_markup)]
    assert (await get(client, "news", auth()))["subscribed"] is True

    response = await client.put(f"{PATH}api/subscription", json={"subscribed": False}, headers=auth())
    assert (await response.json())["subscribed"] is False
    assert not await store.subscriptions.is_subscribed(USER_ID)
    menu = one_message(await driver.feed(updates.message("/start", user_id=USER_ID)))
    assert "🔔 Subscribe" in [b.text for b in buttons(menu.reply_markup)]
    # And /subscribe in the chat shows on the page.
    await driver.feed(updates.message("/subscribe", user_id=USER_ID))
    assert (await get(client, "session", auth()))["subscribed"] is True


@pytest.mark.parametrize("body", [{"subscribed": "yes"}, {}, [], "true"])
async def test_a_malformed_subscription_is_400(client: Client, store: Store, body: object) -> None:
    response = await client.put(f"{PATH}api/subscription", json=body, headers=auth())
    assert response.status == 400
    assert not await store.subscriptions.is_subscribed(USER_ID)


def draft(word: str) -> NewsDraft:
    return NewsDraft(texts={"ru": f"Новость {word}", "en": f"News {word}", "zh": f"新闻{word}"})


async def test_news_newest_first_corrected_and_without_retracted(client: Client, newsroom: Newsroom) -> None:
    first = (await newsroom.items.post(draft("one"), actor="test")).item_id
    second = (await newsroom.items.post(draft("two"), actor="test")).item_id
    third = (await newsroom.items.post(draft("three"), actor="test")).item_id
    await newsroom.items.edit(first, {"en": "News one, corrected"}, actor="test")
    await newsroom.items.retract(second, actor="test")
    items = (await get(client, "news", auth("en")))["items"]
    assert [item["id"] for item in items] == [third, first]
    assert "News one, corrected" in items[1]["html"]
    assert items[1]["edited"] is True
    ru = (await get(client, "news", auth("ru")))["items"]
    assert "Новость three" in ru[0]["html"]


async def test_news_html_is_reduced_to_telegrams_tags(client: Client, newsroom: Newsroom) -> None:
    evil = '<b>Bold</b> <img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:x">j</a>'
    await newsroom.items.post(NewsDraft(texts=dict.fromkeys(("ru", "en", "zh"), evil)), actor="test")
    html = (await get(client, "news", auth()))["items"][0]["html"]
    assert "<b>Bold</b>" in html
    for bad in ("<img", "onerror", "<script", "alert(2)", "javascript:"):
        assert bad not in html


async def test_a_search_query_comes_back_escaped_in_json(client: Client) -> None:
    response = await client.get(f"{PATH}api/speakers", params={"q": "<script>"}, headers=auth())
    assert response.content_type == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_init_data_never_reaches_a_log(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    header = auth()
    await get(client, "session", header)
    await client.get(f"{PATH}api/session", headers=auth(age=7200))
    secret = header["Authorization"].split("hash=")[1]
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert time.time()  # the clock is the real one: auth_date is checked against it


async def test_a_search_that_finds_nobody_is_counted_for_editors(client: Client, catalog: Catalog) -> None:
    body = await get(client, "speakers?q=zzqx nobody", auth("en"))
    assert body["people"] == []
    await get(client, "speakers?q=kin phea", auth("en"))  # found: not a miss
    assert [(m.query, m.count) for m in await catalog.misses.top()] == [("zzqx nobody", 1)]
