"""The Mini App in a real browser (Debian's Chromium, headless): the gallery in three languages, the search,
a person's page with Share and Back, the subscribe switch, the dark theme. One browser for the whole run."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.chat_support import LANGUAGES
from tests.webapp.browser_support import CHROMIUM, DARK, Site, open_page

# One browser for the run: under xdist (`--dist loadgroup`, pyproject) these tests share one worker.
pytestmark = pytest.mark.xdist_group("browser")
_users = itertools.count(5001)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One browser for the run (only this module uses one). Module-scoped, not session-scoped: Playwright's
    sync API keeps an event loop running on this thread while it lives, which asyncio tests cannot share."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    site = Site(Path(tmp_path_factory.mktemp("webapp")))
    yield site
    site.close()


def names(page: Page) -> list[str]:
    return page.locator(".person .name").all_inner_texts()


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
def test_the_gallery_shows_everyone_in_the_viewers_language(
    browser: Browser, site: Site, language_code: str, locale: str
) -> None:
    page = open_page(browser, site, language_code, user_id=next(_users))
    people = site.catalog.content.people
    assert names(page) == [p.name.get(locale) for p in people]
    assert page.evaluate("document.documentElement.lang") == locale
    tabs = page.locator("#tabs button").all_inner_texts()
    assert len(tabs) == 4
    page.context.close()


def test_kin_fea_finds_kin_phea(browser: Browser, site: Site) -> None:
    page = open_page(browser, site, user_id=next(_users))
    page.fill(".search", "kin fea")
    expect(page.locator(".person").first).to_have_attribute("data-slug", "kin-phea")
    assert names(page)[0] == "Kin Phea"
    assert len(names(page)) < 10
    page.context.close()


def test_a_persons_page_shares_and_goes_back(browser: Browser, site: Site) -> None:
    page = open_page(browser, site, user_id=next(_users))
    page.click(".person[data-slug=kin-phea]")
    page.wait_for_selector(".profile")
    assert "Kin Phea" in page.inner_text(".profile")
    assert page.evaluate("Telegram.WebApp.BackButton.isVisible") is True
    page.click(".profile .action")  # Share
    assert page.evaluate("window.__shared.query") == "Kin Phea"
    page.evaluate("window.__back()")  # Telegram's Back button
    page.wait_for_selector(".gallery")
    assert len(names(page)) == 10
    assert page.evaluate("Telegram.WebApp.BackButton.isVisible") is False
    page.context.close()


def test_in_a_plain_browser_the_page_has_its_own_back_button(browser: Browser, site: Site) -> None:
    page = open_page(browser, site, user_id=next(_users), platform="unknown")
    page.click(".person[data-slug=kin-phea]")
    page.click(".profile .action.secondary")
    page.wait_for_selector(".gallery")
    assert len(names(page)) == 10
    page.context.close()


def test_a_cards_button_opens_the_persons_page(browser: Browser, site: Site) -> None:
    page = open_page(browser, site, "ru", user_id=next(_users), query="?person=li-baoqing")
    page.wait_for_selector(".profile")
    person = site.catalog.content.by_slug["li-baoqing"]
    assert person.name.ru in page.inner_text(".profile")
    assert person.native in page.inner_text(".profile")
    page.context.close()


def test_the_subscribe_switch_is_the_bots_subscription(browser: Browser, site: Site) -> None:
    user_id = next(_users)
    page = open_page(browser, site, "zh-hans", user_id=user_id)
    page.click("#tabs button[data-page=news]")
    switch = page.locator("#subscribe")
    switch.wait_for()
    assert not switch.is_checked()
    with page.expect_response("**/api/subscription"):
        switch.click()
    assert site.call(site.store.subscriptions.is_subscribed(user_id))
    assert switch.is_checked()
    with page.expect_response("**/api/subscription"):
        switch.click()
    assert not site.call(site.store.subscriptions.is_subscribed(user_id))
    page.context.close()


def test_init_data_from_yesterday_gets_a_sentence_not_a_page(browser: Browser, site: Site) -> None:
    page = open_page(browser, site, "ru", user_id=next(_users), age=86400, ready=False)
    expect(page.locator("#view .hint")).to_have_text(
        "Страница не загрузилась. Закройте её и откройте снова из чата."
    )
    assert page.locator(".person").count() == 0
    page.context.close()


def test_the_dark_theme_applies(browser: Browser, site: Site) -> None:
    page = open_page(browser, site, user_id=next(_users), dark=True)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(33, 33, 33)" == _rgb(DARK["bg_color"])
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.context.close()


def test_chinese_uses_a_cjk_font_and_fits_360_px(browser: Browser, site: Site) -> None:
    page = open_page(browser, site, "zh-hans", user_id=next(_users), width=360)
    assert "Noto Sans CJK SC" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    page.context.close()


def _rgb(color: str) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"
