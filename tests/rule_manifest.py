"""`rules/manifest.py`, generated from the rule modules (tests/test_rules.py compares)."""

from __future__ import annotations

import importlib
import subprocess
import sys

from dbarch_lint.linting.rule_base import EngineRule, Rule, SchemaRule, StatementRule
from dbarch_lint.model import ir
from dbarch_lint.rules import FAMILIES

HEAD = '''"""What the built-in rules are, so that they are registered without importing their
modules (`dbarch_lint.rules`). Generated from the modules: after changing a rule, run
`DBARCH_UPDATE_MANIFEST=1 pytest tests/test_rules.py -k manifest`. Each entry: module, class,
kind, (code, name, family, severity, enabled by default, dialects, fix availability, fix
applicability), targeted IR events, whether it sees skipped events, (summary, documentation,
"Why is this bad?")."""

from typing import Any

RULES: tuple[tuple[Any, ...], ...] = (
'''


def _entry(rule: type[Rule]) -> tuple[object, ...]:
    if issubclass(rule, StatementRule):
        kind = "statement"
        for target in rule.targets:
            assert getattr(ir, target.__name__) is target, target
        targets = tuple(t.__name__ for t in rule.targets)
        sees_skipped = rule.sees_skipped
    else:
        assert issubclass(rule, (SchemaRule, EngineRule)), rule
        kind = "schema" if issubclass(rule, SchemaRule) else "engine"
        targets, sees_skipped = (), False
    info = rule.info()
    metadata = (
        rule.code,
        rule.name,
        rule.family,
        rule.severity.value,
        rule.default_enabled,
        tuple(sorted(rule.dialects)) if rule.dialects is not None else None,
        rule.fix_availability.value,
        rule.fix_applicability.value,
    )
    documentation = (info.summary, info.description, info.rationale)
    return (rule.__module__, rule.__name__, kind, metadata, targets, sees_skipped, documentation)


def manifest_text() -> str:
    """The manifest as the modules say, ruff-formatted."""
    rules = sorted(
        (r for f in FAMILIES for r in importlib.import_module(f"dbarch_lint.rules.{f}").RULES),
        key=lambda r: r.code,
    )
    text = HEAD + "".join(f"    {_entry(rule)!r},\n" for rule in rules) + ")\n"
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", "rules/manifest.py", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout
