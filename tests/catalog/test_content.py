"""The content files: valid in all three languages, and every broken file named with its key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.catalog.content import ContentError, load_content
from bot.core.i18n import LOCALES
from tests.conftest import ROOT, Cli

CONTENT = ROOT / "content"


def test_content_is_complete() -> None:
    content = load_content(CONTENT)
    assert len(content.people) == 10
    assert len(content.guests) == 9
    assert content.chair.slug == "an-fengquan"
    assert content.people[-1].is_chair
    assert str(content.event.date) == "2022-12-20"
    assert [p.slug for p in content.guests][:2] == ["moin-ul-haque", "tuvshin-badral"]
    assert content.initiative.title.zh == "《建设绿色低碳地球—亚洲绿色低碳发展倡议书》"
    assert content.initiative.title.en == (
        "Building a Green and Low-Carbon Earth: Asian Initiative on Green and Low-Carbon Development"
    )


def test_names_are_exactly_as_the_facts_give_them() -> None:
    people = load_content(CONTENT).by_slug
    assert people["li-baoqing"].name.zh == "栗宝卿"
    assert people["an-fengquan"].name.zh == "安丰全"
    assert people["moin-ul-haque"].name.ru == "Мойн уль-Хак"
    assert people["gou-wei"].name.ru == "Гоу Вэй"
    assert "Гу Вэй" in people["gou-wei"].aliases
    # Unconfirmed Chinese names stay in Latin script: no guessed characters.
    for slug in ("tuvshin-badral", "kin-phea", "hartanto-wibowo", "gou-wei", "yao-qiang"):
        assert people[slug].name.zh == people[slug].name.en


def test_content_check_passes(cli: Cli) -> None:
    result = cli("content", "check")
    assert result.returncode == 0, result.stderr
    assert "10 people" in result.stdout


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("people.toml", 'slug = "kin-phea"', 'slug = "Kin Phea"', "people.toml: person[4].slug"),
        ("people.toml", 'slug = "kin-phea"', 'slug = "gou-wei"', "people.toml: person[7].slug: duplicate"),
        (
            "people.toml",
            "order = 1\n",
            "order = 1\ncolour = 'green'\n",
            "people.toml: person[0].colour: unknown key",
        ),
        ("event.toml", "date = 2022-12-20", "date = 2022-13-20", "event.toml: not valid TOML"),
        ("initiative.toml", "signatories_count = 30", "signatories_count = 0", "initiative.toml: initiative"),
    ],
)
def test_broken_content_is_refused_naming_file_and_key(
    broken: Path, file: str, old: str, new: str, expected: str
) -> None:
    replace(broken / file, old, new)
    with pytest.raises(ContentError) as info:
        load_content(broken)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


@pytest.mark.parametrize("locale", LOCALES)
def test_a_missing_language_is_refused(broken: Path, locale: str) -> None:
    people = broken / "people.toml"
    lines = people.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith("role = {"))
    lines[i] = lines[i].replace(f"{locale} = ", f"x{locale} = ", 1)
    people.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(broken)
    assert f"people.toml: person[0].role.{locale}: missing key" in info.value.problems


def test_content_check_cli_exits_1_naming_the_problem(cli: Cli, broken: Path) -> None:
    replace(broken / "countries.toml", 'code = "kh"', 'code = "KH!"')
    result = cli("content", "check", env={"CONTENT_DIR": str(broken)})
    assert result.returncode == 1
    assert "countries.toml: country[" in result.stderr
    assert "Traceback" not in result.stderr


def test_content_check_refuses_a_card_telegram_would_refuse(cli: Cli, broken: Path) -> None:
    people = broken / "people.toml"
    lines = people.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith("represented = {"))
    lines[i] = lines[i].replace('en = "', 'en = "' + "Long. " * 800, 1)
    people.write_text("".join(lines), encoding="utf-8")
    result = cli("content", "check", env={"CONTENT_DIR": str(broken)})
    assert result.returncode == 1
    assert "screen person moin-ul-haque (en): text is too long" in result.stderr
    assert "(ru)" not in result.stderr
