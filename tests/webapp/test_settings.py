"""WEBAPP_URL, WEBAPP_HOST, WEBAPP_PORT: read once, with errors a person can act on."""

from __future__ import annotations

import pytest

from bot.core.config import SettingsError, load_settings
from bot.webapp.markup import reduce_html


def test_off_by_default_on_all_interfaces_port_8080() -> None:
    settings = load_settings(_env_file=None)
    assert settings.webapp_url is None
    assert (settings.webapp_host, settings.webapp_port) == ("0.0.0.0", 8080)  # noqa: S104


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://bot.example.org/app/", "https://bot.example.org/app/"),
        ("https://x.org/app", "https://x.org/app/"),
    ],
)
def test_the_url_is_kept_as_a_folder(given: str, kept: str) -> None:
    assert load_settings(_env_file=None, webapp_url=given).webapp_url == kept


@pytest.mark.parametrize("url", ["http://bot.example.org/app/", "bot.example.org", "https://x.org/app/?a=1"])
def test_a_url_telegram_would_not_open_is_refused(url: str) -> None:
    with pytest.raises(SettingsError, match=r"^WEBAPP_URL: must be the public https URL"):
        load_settings(_env_file=None, webapp_url=url)


def test_a_bad_port_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"^WEBAPP_PORT: must be a port number"):
        load_settings(_env_file=None, webapp_port="80000")


@pytest.mark.parametrize(
    ("given", "reduced"),
    [
        (
            "<b>a</b><strong>b</strong><i>c</i><u>d</u><s>e</s><code>f</code>",
            "<b>a</b><b>b</b><i>c</i><u>d</u><s>e</s><code>f</code>",
        ),
        (
            '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>',
            '<span class="spoiler">x</span><span class="spoiler">y</span>',
        ),
        (
            '<a href="https://x.org/?a=1&amp;b=2" onclick="x()">l</a>',
            '<a href="https://x.org/?a=1&amp;b=2" rel="noopener" target="_blank">l</a>',
        ),
        ('<a href="javascript:alert(1)">l</a>', "l"),
        ("<script>alert(1)</script><style>*{}</style>ok", "ok"),
        ('<img src=x onerror="alert(1)">&lt;b&gt;', "&lt;b&gt;"),
        ("<div><p>text</p></div>", "text"),
        ("<b><i>open", "<b><i>open</i></b>"),
        ("</b>stray", "stray"),
    ],
)
def test_html_is_reduced_to_telegrams_tags(given: str, reduced: str) -> None:
    assert reduce_html(given) == reduced
