"""The built-in rules, one module per rule in family packages, registered as a plugin."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from dbarch_lint.rule import Rule, hookimpl

FAMILIES = (
    "engine",
    "types",
    "constraints",
    "indexing",
    "locking",
    "compatibility",
    "transactions",
    "security",
    "consistency",
    "mysql",
)


@hookimpl
def dbarch_lint_rules() -> Sequence[type[Rule]]:
    """Every built-in rule (each family package lists its rules in `RULES`)."""
    found: list[type[Rule]] = []
    for family in FAMILIES:
        module = importlib.import_module(f"dbarch_lint.rules.{family}")
        found.extend(module.RULES)
    return found
