"""Security properties that hold for the whole code base."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT, TOKEN

# `read` is the store's own: a query taking its turn with the transactions (bot/store/db.py).
SQL_METHODS = {"execute", "executemany", "executescript", "execute_fetchall", "execute_insert", "read"}


def sql_calls() -> list[tuple[Path, int, ast.expr]]:
    calls = []
    for path in (ROOT / "bot").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_METHODS
                and node.args
            ):
                calls.append((path, node.lineno, node.args[0]))
    return calls


def is_safe_sql(path: Path, arg: ast.expr) -> bool:
    """A literal, or an f-string that only formats a PRAGMA's integer; db.py runs migration literals and
    passes on the literal its `read` was given."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return True
    if isinstance(arg, ast.Name) and path.name == "db.py" and arg.id in {"statement", "sql"}:
        return True
    if isinstance(arg, ast.JoinedStr):
        head = arg.values[0]
        return isinstance(head, ast.Constant) and str(head.value).startswith("PRAGMA ")
    return False


def test_all_sql_is_parameterised() -> None:
    calls = sql_calls()
    assert len(calls) > 10
    unsafe = [f"{path.relative_to(ROOT)}:{line}" for path, line, arg in calls if not is_safe_sql(path, arg)]
    assert not unsafe, f"SQL built from values instead of parameters: {unsafe}"


def test_no_token_or_secret_in_the_repository() -> None:
    import re

    token = re.compile(r"\b\d{8,10}:AA[A-Za-z0-9_-]{30,}\b")
    for path in ROOT.rglob("*"):
        if ".venv" in path.parts or ".git" in path.parts or not path.is_file():
            continue
        if path.suffix in {".py", ".toml", ".md", ".po", ".pot", ".yaml", ".yml", ".cfg", ".txt", ""}:
            text = path.read_text(encoding="utf-8", errors="ignore")
            found = {m.group(0) for m in token.finditer(text)} - {TOKEN}  # the tests' made-up token
            assert not found, f"{path} contains something like a bot token"
