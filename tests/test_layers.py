"""The import layers of DESIGN.md, enforced."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN = {
    "src/dbarch_lint/ir.py": ("dbarch_lint",),
    "src/dbarch_lint/source.py": ("dbarch_lint",),
    "src/dbarch_lint/parsing": (
        "dbarch_lint.rules",
        "dbarch_lint.engine",
        "dbarch_lint.cli",
        "dbarch_lint.reporting",
    ),
    "src/dbarch_lint/reporting": (
        "dbarch_lint.rules",
        "dbarch_lint.parsing",
        "dbarch_lint.engine",
        "dbarch_lint.schema",
        "dbarch_lint.context",
        "dbarch_lint.cli",
        "dbarch_lint.api",
    ),
    "src/dbarch_lint/runners": (
        "dbarch_lint.rules",
        "dbarch_lint.parsing",
        "dbarch_lint.engine",
        "dbarch_lint.cli",
        "dbarch_lint.reporting",
        "dbarch_lint.api",
        "dbarch_lint.schema",
        "dbarch_lint.context",
    ),
    "rules": (
        "dbarch_lint.parsing",
        "dbarch_lint.engine",
        "dbarch_lint.cli",
        "dbarch_lint.reporting",
        "dbarch_lint.api",
    ),
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


CASES = [
    (path, banned)
    for where, banned in FORBIDDEN.items()
    for path in ([ROOT / where] if where.endswith(".py") else sorted((ROOT / where).rglob("*.py")))
]


@pytest.mark.parametrize(
    "path,banned", CASES, ids=lambda c: str(c.relative_to(ROOT)) if isinstance(c, Path) else ""
)
def test_module_respects_layers(path: Path, banned: tuple[str, ...]) -> None:
    bad = sorted(m for m in imports(path) if any(m == b or m.startswith(b + ".") for b in banned))
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
