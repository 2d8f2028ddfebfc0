"""`python -m bot news …` for the editor: post with a photo or a document, post --at, scheduled, cancel, edit,
retract; every refusal is one clear line and stores nothing."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Cli

ITEM = 'ru = "Встреча"\nen = "A meeting"\nzh = "会面"\n'


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"), "TIMEZONE": "Europe/Moscow"}


def rows(env: dict[str, str], sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(env["DATABASE_PATH"]) as conn:
        return conn.execute(sql).fetchall()


def test_post_at_schedules_in_the_time_zone_then_cancel(
    cli: Cli, tmp_path: Path, env: dict[str, str]
) -> None:
    item = tmp_path / "item.toml"
    item.write_text(ITEM, encoding="utf-8")
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
    result = cli("news", "post", str(item), "--at", f"{day} 09:30", env=env)
    assert result.returncode == 0, result.stderr
    assert f"scheduled for {day} 09:30 Europe/Moscow" in result.stdout
    assert rows(env, "SELECT send_at, released_at FROM news_item") == [(f"{day}T06:30:00Z", None)]  # UTC+3
    listed = cli("news", "scheduled", env=env)
    assert f"#1  {day} 09:30 Europe/Moscow" in listed.stdout
    assert cli("news", "cancel", "1", env=env).returncode == 0
    assert "nothing is scheduled" in cli("news", "scheduled", env=env).stdout
    again = cli("news", "cancel", "1", env=env)
    assert again.returncode == 1
    assert "not waiting" in again.stderr
    log = cli("news", "log", env=env).stdout
    assert "cancelled" in log
    assert "scheduled" in log


@pytest.mark.parametrize(
    ("at", "expected"),
    [("tomorrow", "not a time"), ("2001-01-01 10:00", "has passed"), ("2999-01-01 10:00", "a year")],
)
def test_a_bad_time_is_refused_and_nothing_is_stored(
    cli: Cli, tmp_path: Path, env: dict[str, str], at: str, expected: str
) -> None:
    item = tmp_path / "item.toml"
    item.write_text(ITEM, encoding="utf-8")
    result = cli("news", "post", str(item), "--at", at, env=env)
    assert result.returncode == 1
    assert expected in result.stderr
    assert not Path(env["DATABASE_PATH"]).exists() or rows(env, "SELECT count(*) FROM news_item") == [(0,)]


@pytest.mark.parametrize("kind", ["photo", "document"])
def test_a_photo_or_document_is_taken_by_path(
    cli: Cli, tmp_path: Path, env: dict[str, str], kind: str
) -> None:
    (tmp_path / "file.bin").write_bytes(b"0" * 64)
    item = tmp_path / "item.toml"
    item.write_text(f'{kind} = "file.bin"\n' + ITEM, encoding="utf-8")
    assert cli("news", "post", str(item), env=env).returncode == 0
    assert rows(env, "SELECT media_kind, media_path, media_file_id FROM news_item") == [
        (kind, str((tmp_path / "file.bin").resolve()), None)
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('photo = "missing.jpg"\n', "cannot read"),
        ('photo = "a.bin"\ndocument = "a.bin"\n', "not both"),
        ('photo = "a.bin"\nru = "' + "Я" * 1100 + '"\n', "too long"),
    ],
)
def test_bad_media_files_are_refused(
    cli: Cli, tmp_path: Path, env: dict[str, str], extra: str, expected: str
) -> None:
    (tmp_path / "a.bin").write_bytes(b"0" * 64)
    item = tmp_path / "item.toml"
    body = ITEM.replace('ru = "Встреча"\n', "") if 'ru = "' in extra else ITEM
    item.write_text(extra + body, encoding="utf-8")
    result = cli("news", "post", str(item), env=env)
    assert result.returncode == 1
    assert expected in result.stderr


def test_edit_and_retract_from_the_shell(cli: Cli, tmp_path: Path, env: dict[str, str]) -> None:
    item = tmp_path / "item.toml"
    item.write_text(ITEM, encoding="utf-8")
    posted = cli("news", "post", str(item), env=env)
    assert "nobody is subscribed" in posted.stdout
    fix = tmp_path / "fix.toml"
    fix.write_text('en = "A <b>second</b> meeting"\n', encoding="utf-8")
    result = cli("news", "edit", "1", str(fix), env=env)
    assert result.returncode == 0, result.stderr
    assert "no copy had been delivered" in result.stdout
    assert rows(env, "SELECT text_en, text_ru FROM news_item") == [("A <b>second</b> meeting", "Встреча")]
    bad = tmp_path / "bad.toml"
    bad.write_text('en = "<b>unclosed"\nde = "x"\n', encoding="utf-8")
    refused = cli("news", "edit", "1", str(bad), env=env)
    assert refused.returncode == 1
    assert "unknown key 'de'" in refused.stderr
    assert cli("news", "retract", "1", env=env).returncode == 0
    assert rows(env, "SELECT retracted_at IS NOT NULL FROM news_item") == [(1,)]
    twice = cli("news", "retract", "1", env=env)
    assert twice.returncode == 1
    assert "already been retracted" in twice.stderr
    missing = cli("news", "retract", "99", env=env)
    assert missing.returncode == 1
    assert "there is no news #99" in missing.stderr


def test_edit_titles_from_the_shell(cli: Cli, tmp_path: Path, env: dict[str, str]) -> None:
    item = tmp_path / "item.toml"
    item.write_text(ITEM + '[title]\nru = "Заголовок"\nen = "Title"\nzh = "标题"\n', encoding="utf-8")
    assert cli("news", "post", str(item), env=env).returncode == 0
    fix = tmp_path / "fix.toml"
    fix.write_text('title_en = "A better title"\n', encoding="utf-8")
    result = cli("news", "edit", "1", str(fix), env=env)
    assert result.returncode == 0, result.stderr
    assert rows(env, "SELECT title_ru, title_en, text_en FROM news_item") == [
        ("Заголовок", "A better title", "A meeting")
    ]
    long = tmp_path / "long.toml"
    long.write_text(f'title_zh = "{"长" * 300}"\n', encoding="utf-8")
    refused = cli("news", "edit", "1", str(long), env=env)
    assert refused.returncode == 1
    assert "title is longer" in refused.stderr
    bare = tmp_path / "bare.toml"
    bare.write_text(ITEM, encoding="utf-8")
    assert cli("news", "post", str(bare), env=env).returncode == 0
    partial = cli("news", "edit", "2", str(fix), env=env)
    assert partial.returncode == 1
    assert "has no title" in partial.stderr
    assert rows(env, "SELECT title_en FROM news_item WHERE id = 2") == [(None,)]
