"""`python -m bot news post FILE --dry-run` shows each language as it will be sent and sends nothing; the same
file posted twice within a day is refused unless `--again`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import Cli

ITEM = """\
ru = "Подписанты <b>встретились</b>."
en = "The signatories <b>met</b>."
zh = "签署方再次会面。"
"""


def env_for(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_PATH": str(tmp_path / "bot.sqlite3")}


def items(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM news_item WHERE post_key IS NULL").fetchone()[0])


def test_dry_run_shows_every_language_and_stores_nothing(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "item.toml"
    path.write_text(ITEM, encoding="utf-8")
    result = cli("news", "post", str(path), "--dry-run", env=env_for(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for header, text in [
        ("── ru", "Подписанты <b>встретились</b>."),
        ("── en", "The signatories <b>met</b>."),
    ]:
        assert header in out
        assert text in out
    assert "签署方再次会面。" in out
    assert "To stop receiving news, send /unsubscribe" in out  # the footer, as subscribers get it
    assert "nothing stored or sent; it would go now to 0 subscriber(s)" in out
    assert items(tmp_path) == 0


def test_the_same_file_twice_is_refused_unless_again(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "item.toml"
    path.write_text(ITEM, encoding="utf-8")
    env = env_for(tmp_path)
    assert cli("news", "post", str(path), env=env).returncode == 0
    again = cli("news", "post", str(path), env=env)
    assert again.returncode == 1
    assert "news #" in again.stderr
    assert "same texts was posted less than a day ago; nothing was sent" in again.stderr
    assert "--again" in again.stderr
    assert items(tmp_path) == 1
    dry = cli("news", "post", str(path), "--dry-run", env=env)
    assert "note: news #" in dry.stdout
    assert cli("news", "post", str(path), "--again", env=env).returncode == 0
    assert items(tmp_path) == 2
    changed = tmp_path / "other.toml"
    changed.write_text(ITEM.replace("met", "met again"), encoding="utf-8")
    assert cli("news", "post", str(changed), env=env).returncode == 0  # other texts: no question
    assert items(tmp_path) == 3
