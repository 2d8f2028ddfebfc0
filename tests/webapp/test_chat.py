"""The chat side of the Mini App: the menu button in the chat's language, and "Open as a page" on the main
menu and on cards in private chats only, and only when WEBAPP_URL is set."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SetChatMenuButton
from aiogram.types import MenuButtonWebApp

from bot.catalog.library import Catalog
from bot.catalog.screen_cache import cache
from bot.console.session import LocalSession
from bot.core.callbacks import LanguageCb, MenuAction, MenuCb, SpeakerCb
from bot.core.config import Settings
from bot.core.i18n import PoI18n
from bot.news.repository import Newsroom
from bot.runtime.app import create_dispatcher
from bot.store import Store
from tests import updates
from tests.chat_support import LANGUAGES, buttons, of, one_edit, one_message
from tests.conftest import Driver
from tests.webapp.support import WEBAPP_URL

OPEN_AS_PAGE = {"ru": "📱 Открыть как страницу", "en": "📱 Open as a page", "zh": "📱 以页面形式打开"}
MENU_LABEL = {"ru": "Спикеры и новости", "en": "Speakers and news", "zh": "嘉宾与新闻"}


@pytest.fixture(autouse=True)
def fresh_screens() -> None:
    cache.clear()


def web_apps(markup: Any) -> list[tuple[str, str]]:
    return [(b.text, b.web_app.url) for b in buttons(markup) if b.web_app is not None]


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_the_main_menu_opens_the_page_in_private_chats(
    driver: Driver, language_code: str, locale: str
) -> None:
    sent = one_message(await driver.feed(updates.message("/start", language_code=language_code)))
    assert web_apps(sent.reply_markup) == [(OPEN_AS_PAGE[locale], WEBAPP_URL)]


async def test_a_card_opens_the_persons_page(driver: Driver, catalog: Catalog) -> None:
    person = catalog.content.people[4]
    requests = await driver.feed(updates.callback(SpeakerCb(slug=person.slug, page=0).pack()))
    assert web_apps(one_edit(requests).reply_markup) == [
        (OPEN_AS_PAGE["en"], f"{WEBAPP_URL}?person={person.slug}")
    ]
    found = one_message(await driver.feed(updates.message("kin fea")))
    assert web_apps(found.reply_markup) == [(OPEN_AS_PAGE["en"], f"{WEBAPP_URL}?person=kin-phea")]
    deep = one_message(await driver.feed(updates.message(f"/start speaker-{person.slug}")))
    assert web_apps(deep.reply_markup) == [(OPEN_AS_PAGE["en"], f"{WEBAPP_URL}?person={person.slug}")]


async def test_groups_get_no_web_app_buttons(driver: Driver, catalog: Catalog) -> None:
    sent = one_message(await driver.feed(updates.message("/start", chat_type="group", chat_id=-100)))
    assert web_apps(sent.reply_markup) == []
    card = await driver.feed(updates.message("/speaker kin fea", chat_type="group", chat_id=-100))
    assert web_apps(one_message(card).reply_markup) == []
    menu = await driver.feed(updates.callback(MenuCb(action=MenuAction.MENU).pack(), chat_type="group"))
    assert web_apps(one_edit(menu).reply_markup) == []
    slug = catalog.content.people[0].slug
    pressed = await driver.feed(updates.callback(SpeakerCb(slug=slug, page=0).pack(), chat_type="group"))
    assert web_apps(one_edit(pressed).reply_markup) == []


async def test_without_webapp_url_there_is_no_button(
    settings: Settings,
    store: Store,
    catalog: Catalog,
    newsroom: Newsroom,
    i18n: PoI18n,
    bot: Bot,
    session: LocalSession,
) -> None:
    plain = Driver(
        create_dispatcher(settings.model_copy(update={"webapp_url": None}), store, catalog, newsroom, i18n),
        bot,
        session,
    )
    requests = await plain.feed(updates.message("/start"))
    assert web_apps(one_message(requests).reply_markup) == []
    assert of(requests, SetChatMenuButton) == []


@pytest.mark.parametrize(("language_code", "locale"), LANGUAGES)
async def test_the_menu_button_speaks_the_chats_language(
    driver: Driver, language_code: str, locale: str
) -> None:
    requests = await driver.feed(updates.message("/help", language_code=language_code))
    (button,) = of(requests, SetChatMenuButton)
    assert button.chat_id == 1001
    assert button.menu_button == MenuButtonWebApp(text=MENU_LABEL[locale], web_app={"url": WEBAPP_URL})
    # Once per chat and language: the next message sets nothing.
    assert (
        of(await driver.feed(updates.message("/help", language_code=language_code)), SetChatMenuButton) == []
    )


async def test_a_new_language_relabels_the_button(driver: Driver) -> None:
    await driver.feed(updates.message("/help", language_code="en"))
    await driver.feed(updates.callback(LanguageCb(locale="ru").pack()))  # the stored choice
    (button,) = of(await driver.feed(updates.message("/help", language_code="en")), SetChatMenuButton)
    assert isinstance(button.menu_button, MenuButtonWebApp)
    assert button.menu_button.text == MENU_LABEL["ru"]


async def test_groups_keep_their_menu_button(driver: Driver) -> None:
    requests = await driver.feed(updates.message("/help", chat_type="group", chat_id=-100))
    assert of(requests, SetChatMenuButton) == []


async def test_the_default_menu_button_is_set_at_start(
    dp: Dispatcher, bot: Bot, session: LocalSession
) -> None:
    await dp.emit_startup(bot=bot)
    defaults = [r for r in of(session.requests, SetChatMenuButton) if r.chat_id is None]
    assert len(defaults) == 1
    assert defaults[0].menu_button == MenuButtonWebApp(text=MENU_LABEL["en"], web_app={"url": WEBAPP_URL})
    await dp.emit_shutdown(bot=bot)
