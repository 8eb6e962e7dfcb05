"""The rule-authoring surface: everything a rule module needs, in one import.

    from dbarch_lint.rule import StatementRule, SchemaRule, RuleContext, Report, Rewrite, Severity

A rule imports this module, the model (`dbarch_lint.model`: the IR, spans, findings) and the
replayed schema (`dbarch_lint.catalog`), and nothing else (an import-linter contract in
pyproject.toml says so). Re-exports only: the definitions live in `dbarch_lint.linting`,
`dbarch_lint.runners` and `dbarch_lint.plugins`.
"""

from __future__ import annotations

from dbarch_lint.linting.context import (
    COLUMN_TYPE_EVENTS,
    DOWN,
    REPEATABLE,
    UP,
    MigrationFile,
    RelatedSpan,
    Report,
    Rewrite,
    RuleContext,
    SchemaContext,
    TypedColumn,
    per_event,
)
from dbarch_lint.linting.rule_base import EngineRule, OptionsT, Rule, SchemaRule, StatementRule
from dbarch_lint.model.findings import Applicability, FixAvailability, Severity
from dbarch_lint.plugins.markers import hookimpl
from dbarch_lint.runners import CONCURRENT_ALONE, TURN_OFF, named
from dbarch_lint.runners.out_of_order import APPLIES, REFUSES, SKIPS, UNKNOWN
from dbarch_lint.runners.prisma_hints import prisma_hint, prisma_name_kind
from dbarch_lint.runners.transactions import (
    CLOSING,
    EXPLICIT,
    IMPLICIT,
    OPENING,
    OUTSIDE,
    RUNNER,
)

__all__ = [
    "APPLIES",
    "CLOSING",
    "COLUMN_TYPE_EVENTS",
    "CONCURRENT_ALONE",
    "DOWN",
    "EXPLICIT",
    "IMPLICIT",
    "OPENING",
    "OUTSIDE",
    "REFUSES",
    "REPEATABLE",
    "RUNNER",
    "SKIPS",
    "TURN_OFF",
    "UNKNOWN",
    "UP",
    "Applicability",
    "EngineRule",
    "FixAvailability",
    "MigrationFile",
    "OptionsT",
    "RelatedSpan",
    "Report",
    "Rewrite",
    "Rule",
    "RuleContext",
    "SchemaContext",
    "SchemaRule",
    "Severity",
    "StatementRule",
    "TypedColumn",
    "hookimpl",
    "named",
    "per_event",
    "prisma_hint",
    "prisma_name_kind",
]
