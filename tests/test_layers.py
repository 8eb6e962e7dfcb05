"""The layers of DESIGN.md, enforced: the import-linter contracts in pyproject.toml (one-way
layers, no cycles inside a package), the built-in rules' own contract (they live outside src/,
where import-linter cannot look), the leaves that import nothing of ours (which a layer list
cannot say of two modules on one layer), and the engine's rooms kept small."""

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


SRC = ROOT / "src" / "dbarch_lint"


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at its top or inside a function (`TYPE_CHECKING` included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_the_leaves_import_nothing_of_ours() -> None:
    """The hook markers import nothing of ours (every layer's built-in plugin may use them),
    the cache's `files` module only the standard library (the rest of the cache is built on
    it), and the model nothing of ours outside itself."""
    markers = _imports(SRC / "plugins" / "markers.py")
    assert {m for m in markers if m.split(".")[0] == "dbarch_lint"} == set()
    files = {m.split(".")[0] for m in _imports(SRC / "caching" / "files.py")}
    assert files <= set(sys.stdlib_module_names) | {"_blake2"}, files
    for path in sorted((SRC / "model").glob("*.py")):
        ours = {m for m in _imports(path) if m.split(".")[0] == "dbarch_lint"}
        assert all(m.startswith("dbarch_lint.model") for m in ours), (path.name, ours)


# The engine's rooms stay small enough to read: no module of linting/ or catalog/ over ~400
# lines (issue #14; a module that grows past it is split where a natural cut exists).
ENGINE_MODULE_LINES = 420


@pytest.mark.parametrize(
    "path",
    sorted([*(SRC / "linting").glob("*.py"), *(SRC / "catalog").glob("*.py")]),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_no_engine_module_is_over_about_400_lines(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= ENGINE_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines"
