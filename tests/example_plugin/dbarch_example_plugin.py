"""An example dbarch-lint plugin: a rule (ACME001) and an output format (`count`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dbarch_lint.model.findings import LintResult
from dbarch_lint.model.ir import CreateTable
from dbarch_lint.reporting import Reporter, ReporterOptions
from dbarch_lint.rule import Report, Rule, RuleContext, Severity, StatementRule, hookimpl


@dataclass(frozen=True)
class TemporaryTableNameOptions:
    """ACME001's options: `prefixes`, the table name prefixes that mark scaffolding."""

    prefixes: tuple[str, ...] = ("tmp_", "temp_")


class TemporaryTableName(StatementRule[TemporaryTableNameOptions]):
    """A table whose name marks it as temporary scaffolding (`tmp_`, `temp_`, `_old`).

    ## What it does
    Flags CREATE TABLE of a table whose name starts with one of the option `prefixes`.

    ## Why is this bad?
    Scaffolding tables left behind in a migration outlive the deploy they were made for.

    ## Example
    ```sql
    CREATE TABLE tmp_orders (id bigint);
    ```

    ## Use instead
    ```sql
    CREATE TEMPORARY TABLE orders_scratch (id bigint);
    ```

    ## Options
    - `prefixes` (list of strings, default `["tmp_", "temp_"]`)
    """

    code = "ACME001"
    name = "scaffolding-table-name"
    family = "acme"
    severity = Severity.WARNING
    targets = (CreateTable,)

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        if not event.temporary and event.table.name.startswith(self.options.prefixes):
            yield ctx.report(
                event.span, f"Table {event.table} looks like scaffolding", "drop it or rename it"
            )


class CountReporter(Reporter):
    """One line: the number of findings per code."""

    name = "count"

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        counts: dict[str, int] = {}
        for finding in result.findings:
            counts[finding.code] = counts.get(finding.code, 0) + 1
        return " ".join(f"{code}={n}" for code, n in sorted(counts.items())) + "\n"


@hookimpl
def dbarch_lint_rules() -> Sequence[type[Rule]]:
    return [TemporaryTableName]


@hookimpl
def dbarch_lint_reporters() -> Mapping[str, type[Reporter]]:
    return {"count": CountReporter}
