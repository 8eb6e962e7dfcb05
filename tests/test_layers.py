"""The layers of DESIGN.md, enforced: the import-linter contracts in pyproject.toml (one-way
layers, no cycles inside a package), and the built-in rules' own contract (they live outside
src/, where import-linter cannot look)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# What a rule may import of ours: the rule-authoring surface, the model, the catalog, and the
# helpers of the built-in rules themselves.
RULE_IMPORTS = ("dbarch_lint.rule", "dbarch_lint.model", "dbarch_lint.catalog", "dbarch_lint.rules")


def test_the_import_contracts_hold(tmp_path: Path) -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert command is not None, "import-linter is part of the test extra"
    result = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _ours(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found.update(names if node.module == "dbarch_lint" else [node.module])
    return {name for name in found if name.split(".")[0] == "dbarch_lint"}


@pytest.mark.parametrize(
    "path", sorted((ROOT / "rules").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_a_rule_imports_only_the_authoring_surface_the_model_and_the_catalog(path: Path) -> None:
    allowed = tuple(f"{prefix}." for prefix in RULE_IMPORTS)
    bad = sorted(m for m in _ours(path) if m not in RULE_IMPORTS and not m.startswith(allowed))
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
