"""The toneless pinyin of every Chinese character pypinyin knows, without importing pypinyin at run time.

pypinyin's dictionaries cost ~55 MB of memory in the serving process; search needs one reading per
character (a query is read character by character, names too). `pinyin.txt` holds pypinyin's first reading
of each character as `lazy_pinyin` writes it (ü as `v`), and is loaded on the first Chinese text into a
compact array (~200 KB). `python -m bot.catalog.pinyin` regenerates it after a pypinyin upgrade;
`tests/catalog/test_pinyin.py` checks it against the installed pypinyin.
"""

from __future__ import annotations

import functools
import sys
from array import array
from pathlib import Path

TABLE = Path(__file__).with_name("pinyin.txt")


class _Table:
    """Code point → reading: one array of indexes into the distinct readings per block of code points."""

    def __init__(self, text: str) -> None:
        lines = text.splitlines()
        self.readings = ["", *lines[0].split()]
        self.blocks: dict[int, array[int]] = {}
        for line in lines[1:]:
            start_hex, indexes = line.split(" ", 1)
            code = int(start_hex, 16)
            for index in indexes.split(","):
                block = self.blocks.get(code >> 12)
                if block is None:
                    block = self.blocks[code >> 12] = array("H", bytes(2 << 12))
                block[code & 0xFFF] = int(index)
                code += 1

    def get(self, code: int) -> str:
        block = self.blocks.get(code >> 12)
        return "" if block is None else self.readings[block[code & 0xFFF]]


@functools.cache
def _table() -> _Table:
    return _Table(TABLE.read_text(encoding="ascii"))


def reading(char: str) -> str:
    """The first toneless reading of a Chinese character in lower case, ü as `v` (`绿` → `lv`); "" if none."""
    return _table().get(ord(char))


def generate() -> str:
    """The table's text from the installed pypinyin."""
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import PINYIN_DICT

    table = {}
    for code in sorted(PINYIN_DICT):
        syllable = "".join(lazy_pinyin(chr(code), style=Style.NORMAL, errors="ignore"))
        syllable = syllable.lower()
        if syllable.isascii() and syllable.isalpha():
            table[code] = syllable
    readings = sorted(set(table.values()))
    index = {r: i + 1 for i, r in enumerate(readings)}
    lines = [" ".join(readings)]
    run: list[str] = []
    start = previous = -2
    for code, syllable in table.items():
        if code != previous + 1:
            if run:
                lines.append(f"{start:x} {','.join(run)}")
            run, start = [], code
        run.append(str(index[syllable]))
        previous = code
    if run:
        lines.append(f"{start:x} {','.join(run)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    TABLE.write_text(generate(), encoding="ascii")
    sys.stdout.write(f"wrote {TABLE}\n")
