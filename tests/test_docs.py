"""Rule documentation: every docstring has the sections, its examples behave, pages are fresh;
and the architecture page keeps up with the tree."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from dbarch_lint import lint_sql
from dbarch_lint.linting.rule_base import REQUIRED_SECTIONS, EngineRule
from dbarch_lint.plugins.host import PluginHost
from tests.conftest import ROOT

RULES = PluginHost(autoload=False).rules()
NOT_FROM_SQL = {"DBA000", "DBA004"}  # a crashing rule, an undecodable file: not SQL examples
# Examples that need a git history (--diff-base): tests/test_out_of_order.py runs them there;
# or a complete history (a folder, not one text alone): tests/test_drop_of_unknown.py.
NOT_ONE_FILE = {"DBA605", "DBA805"}
# Examples written in a Sequelize migration's JavaScript: tests/test_sequelize.py runs them.
NOT_SQL_EXAMPLES = {"DBA606"}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docstring_has_sections(rule: type) -> None:
    doc = rule.doc()
    assert doc.summary and len(doc.summary) <= 100
    for section in REQUIRED_SECTIONS:
        assert doc.sections.get(section), f"{rule.code} lacks '## {section}'"


@pytest.mark.parametrize(
    "rule",
    [r for r in RULES if r.code not in NOT_FROM_SQL | NOT_ONE_FILE | NOT_SQL_EXAMPLES],
    ids=lambda r: r.code,
)
def test_examples_trigger_and_use_instead_does_not(rule: type) -> None:
    doc = rule.doc()
    bad, good = doc.sql_block("Example"), doc.sql_block("Use instead")
    assert bad is not None and good is not None, "both sections need a ```sql block"
    select = [rule.code, "DBA101"] if rule.code == "DBA003" else [rule.code]
    # (a rule of one other dialect is documented in that dialect's SQL)
    dialects = sorted(rule.dialects or ["postgres"])
    dialect = "postgres" if "postgres" in dialects else dialects[0]
    bad_codes = [f.code for f in lint_sql(bad, select=select, dialect=dialect)]
    good_codes = [f.code for f in lint_sql(good, select=select, dialect=dialect)]
    assert rule.code in bad_codes, f"the Example of {rule.code} does not trigger it"
    assert rule.code not in good_codes, f"the Use instead of {rule.code} triggers it"


def test_engine_rules_have_no_check() -> None:
    assert {r.code for r in RULES if issubclass(r, EngineRule)} == {f"DBA00{i}" for i in range(5)}


def test_rule_pages_are_fresh() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, "stale docs, run scripts/generate_docs.py:\n" + result.stdout


ARCHITECTURE = ROOT / "docs" / "architecture.md"
SRC = ROOT / "src" / "dbarch_lint"
# The rooms whose every module the architecture page names (reporting/ is one module per output
# format, parsing/'s dialects are named down to their main modules).
NAMED_MODULE_BY_MODULE = (
    "caching",
    "catalog",
    "inputs",
    "linting",
    "model",
    "orchestration",
    "plugins",
    "runners",
    "server",
)


def _named_in_architecture() -> set[str]:
    return set(re.findall(r"`([\w./]+)`", ARCHITECTURE.read_text(encoding="utf-8")))


def test_the_architecture_page_names_every_room_and_module() -> None:
    """docs/architecture.md keeps up with the tree: each room of src/dbarch_lint (package or
    top-level module) is in its table, and each module of the engine's rooms is named."""
    named = _named_in_architecture()
    rooms = [p for p in SRC.iterdir() if (p / "__init__.py").exists() or p.suffix == ".py"]
    missing = [
        f"{p.name}/" if p.is_dir() else p.name
        for p in rooms
        if p.name != "__init__.py" and f"{p.name}/" not in named and p.name not in named
    ]
    for room in NAMED_MODULE_BY_MODULE:
        for module in sorted((SRC / room).glob("*.py")):
            names = {module.name, module.stem, f"{room}/{module.name}"}
            if module.name != "__init__.py" and not names & named:
                missing.append(f"{room}/{module.name}")
    assert not missing, f"docs/architecture.md does not name {sorted(missing)}"


def test_the_modules_the_architecture_page_names_exist() -> None:
    """Each `*.py` the page names is in the tree (a module moved or renamed is mended there)."""
    known = {p.name for p in SRC.rglob("*.py")} | {p.name for p in (ROOT / "rules").rglob("*.py")}
    paths = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")}
    for folder in ("rules", "scripts", "tests", "benchmarks"):
        paths |= {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*.py")}
    stale = sorted(
        name
        for name in _named_in_architecture()
        if name.endswith(".py") and (name not in paths if "/" in name else name not in known)
    )
    assert not stale, f"docs/architecture.md names modules that do not exist: {stale}"
