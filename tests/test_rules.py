"""The built-in rules against their fixtures, and against the conventions that let a reader find
them.

- Every fixture under tests/fixtures/<family>/ (a `.sql` file, or a folder replayed in order)
  produces exactly its expected findings (`dbarch_lint.testing.run_fixture`).
- Beside a fixture file `X.sql`, `X.fixed.sql` holds its text after `--fix --unsafe-fixes`;
  every rule that makes fixes has one for its `<CODE>.sql`. After changing a fix, rewrite them with
  `DBARCH_UPDATE_FIXED=1 pytest tests/test_rules.py` and read the diff.
- A rule's file, class, code, name and family agree: `rules/<family>/dba401_<name>.py` holds
  `class <Name>` (the name in CamelCase) with code DBA401, the digit after DBA naming the family
  (`FAMILIES` in rules/__init__.py, in code order); the engine's own codes live together in
  rules/engine/codes.py.
- The context's helpers for what rules used to copy: `columns_of_type`, `is_new_column`.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from dbarch_lint.catalog.schema import Origin, Schema
from dbarch_lint.linting.context import RuleContext, Settings
from dbarch_lint.linting.rule_base import EngineRule, Rule
from dbarch_lint.model.findings import FixAvailability
from dbarch_lint.model.ir import QName, Statement
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.parser import parse_postgres
from dbarch_lint.plugins.host import PluginHost
from dbarch_lint.rules import FAMILIES
from dbarch_lint.testing import fixed_fixture, run_fixture
from tests.conftest import ROOT
from tests.rule_manifest import manifest_text

FIXTURES = Path(__file__).parent / "fixtures"
FIXED = ".fixed.sql"
CASES = sorted(
    p
    for family in FIXTURES.iterdir()
    if family.is_dir()
    for p in family.iterdir()
    if (p.suffix == ".sql" and not p.name.endswith(FIXED)) or p.is_dir()
)
RULES = PluginHost(autoload=False).rules()
FIXABLE = [r for r in RULES if r.fix_availability is not FixAvailability.NEVER]
# Each fixture file with its fix expectation: every fixable rule's own, and any other written.
FIXED_CASES = sorted(
    {FIXTURES / r.family / f"{r.code}.sql" for r in FIXABLE}
    | {p.with_name(p.name.removesuffix(FIXED) + ".sql") for p in FIXTURES.rglob(f"*{FIXED}")}
)


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(fixture: Path) -> None:
    expected, actual = run_fixture(fixture)
    assert actual == expected


@pytest.mark.parametrize("fixture", FIXED_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixes_give_the_fixed_fixture(fixture: Path) -> None:
    fixed = fixed_fixture(fixture)
    expectation = fixture.with_name(fixture.stem + FIXED)
    if os.environ.get("DBARCH_UPDATE_FIXED"):
        with open(expectation, "w", encoding="utf-8", newline="") as handle:
            handle.write(fixed)
    assert expectation.exists(), f"no {expectation.name}: run with DBARCH_UPDATE_FIXED=1"
    with open(expectation, encoding="utf-8", newline="") as handle:
        assert fixed == handle.read()
    assert fixed != fixture.read_text(encoding="utf-8"), "the fixture has nothing to fix"


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("-"))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_file_class_code_name_and_family_agree(rule: type[Rule]) -> None:
    package, family, module = rule.__module__.rsplit(".", 2)
    assert package == "dbarch_lint.rules" and family == rule.family
    assert rule.code[:3] == "DBA" and rule.code[3] == str(FAMILIES.index(rule.family))
    assert rule.__name__.rstrip("_") == _camel(rule.name)  # (SyntaxError_: not the builtin)
    if issubclass(rule, EngineRule):
        assert module == "codes"
    else:
        assert module == f"{rule.code.lower()}_{rule.name.replace('-', '_')}"


@pytest.mark.parametrize("family", FAMILIES)
def test_a_family_registers_each_of_its_rule_modules_in_code_order(family: str) -> None:
    registered = importlib.import_module(f"dbarch_lint.rules.{family}").RULES
    modules = sorted(p.stem for p in (ROOT / "rules" / family).glob("dba[0-9][0-9][0-9]_*.py"))
    if family != "engine":
        assert [r.__module__.rpartition(".")[2] for r in registered] == modules
    assert [r.code for r in registered] == sorted(r.code for r in registered)


def test_the_manifest_is_what_the_rule_modules_say() -> None:
    """The built-in rules are registered from `rules/manifest.py` (their modules imported as
    they check): it must say what the modules say."""
    manifest = ROOT / "rules" / "manifest.py"
    text = manifest_text()
    if os.environ.get("DBARCH_UPDATE_MANIFEST"):
        manifest.write_text(text, encoding="utf-8")
    assert manifest.read_text(encoding="utf-8") == text, (
        "rules/manifest.py is stale: run with DBARCH_UPDATE_MANIFEST=1"
    )


def test_a_registered_rule_is_its_module_s_rule_once_loaded() -> None:
    registered = PluginHost(autoload=False).rules(registered=True)
    assert [r.code for r in registered] == [r.code for r in RULES]
    for rule, own in zip(registered, RULES, strict=True):
        assert rule.rule_class() is own and rule.info() == own.info()
        assert (rule.severity, rule.default_enabled, rule.dialects) == (
            own.severity,
            own.default_enabled,
            own.dialects,
        )
        assert getattr(rule, "targets", ()) == getattr(own, "targets", ())


def test_the_engine_calls_a_registered_rule_s_own_check_bound_when_its_event_first_comes() -> None:
    from dbarch_lint.linting.checking import _dispatch
    from dbarch_lint.model.ir import CreateTable

    registered = PluginHost(autoload=False).rules(registered=True)
    instances = [rule() for rule in registered]
    dispatch, _ = _dispatch(instances, "postgres")
    assert dispatch == {}  # (nothing bound, no rule's module imported, before an event comes)
    bound = dispatch[CreateTable]
    expected = [
        r
        for r in instances
        if CreateTable in getattr(r, "targets", ()) and r.applies_to("postgres")
    ]
    assert [dispatch.rule_of[check] for check in bound] == expected and bound
    for check in bound:
        rule = dispatch.rule_of[check]
        assert type(getattr(check, "__self__", None)) is rule.rule_class()
    assert dispatch[CreateTable] is bound


def test_the_context_finds_columns_by_builtin_type_and_new_columns() -> None:
    sql = "CREATE TABLE t (a timetz, b int, c timestamp(3)[], d pg_catalog.varchar(5), e json);\n"
    (create,) = parse_postgres(SourceFile("m.sql", sql)).statements[0].events
    schema = Schema()
    ctx = RuleContext("m.sql", 0, schema, Settings())
    found = ctx.columns_of_type(create, "timestamp", "varchar", "timetz")
    assert [(column, builtin) for _, column, _, builtin in found] == [
        ("a", "timetz"),
        ("c", "timestamp"),
        ("d", "varchar"),
    ]
    assert ctx.columns_of_type(create, "jsonb") == ()
    schema.apply(Statement(0, create.span, "", (create,)), Origin(0, 0, "m.sql", create.span))
    assert ctx.is_new_column(QName(None, "t"), "b")
    assert not ctx.is_new_column(QName(None, "t"), "z")
    assert not RuleContext("n.sql", 1, schema, Settings()).is_new_column(QName(None, "t"), "b")
