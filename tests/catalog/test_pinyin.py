"""The shipped pinyin table is pypinyin's, and the serving process never imports the big libraries."""

from __future__ import annotations

import subprocess
import sys

from bot.catalog import pinyin


def test_the_table_is_the_installed_pypinyins() -> None:
    assert pinyin.TABLE.read_text(encoding="ascii") == pinyin.generate(), (
        "pinyin.txt is stale: python -m bot.catalog.pinyin"
    )


def test_readings() -> None:
    assert [pinyin.reading(c) for c in "安丰全绿"] == ["an", "feng", "quan", "lv"]
    assert pinyin.reading("a") == ""
    assert pinyin.reading("\U0010ffff") == ""


def test_serving_imports_no_transliteration_library_until_a_query_needs_it() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import bot.runtime.polling\n"
        "from bot.catalog.content import load_content\n"
        "from bot.catalog.search import SearchIndex\n"
        "index = SearchIndex(load_content(Path('content')))\n"
        "index.matches('安风全', 5); index.matches('kin', 5)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pypinyin', 'rapidfuzz'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == "[]"
