"""The layers point one way: each package of `bot/` imports only the packages below it (docs/architecture.md).

Every import counts, those inside functions included, so a lazy import cannot hide a wrong dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# What each package may import, besides itself. `cli` (the entry point) may import anything.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "store": {"core"},
    "catalog": {"core", "store"},
    "news": {"core", "store", "catalog"},
    "webapp": {"core", "store", "catalog", "news"},
    "runtime": {"core", "store", "catalog", "news", "webapp"},
    "console": {"core", "store", "catalog", "news", "webapp", "runtime"},
}


def bot_imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package of bot) for every `import bot.x…` / `from bot.x… import …` in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "bot" else [f"bot.{a.name}" for a in node.names]
        found += [(node.lineno, name.split(".")[1]) for name in names if name.startswith("bot.")]
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_lower_layers(package: str) -> None:
    allowed = ALLOWED[package] | {package}
    wrong = [
        f"{path.relative_to(BOT.parent)}:{line} imports bot.{target}"
        for path in sorted((BOT / package).rglob("*.py"))
        for line, target in bot_imports(path)
        if target not in allowed
    ]
    assert not wrong, "\n".join(wrong)


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in BOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(ALLOWED)


def test_the_check_catches_a_wrong_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bot.news.items import render_item\n    import bot.catalog.cards\n")
    assert bot_imports(sample) == [(2, "news"), (3, "catalog")]
