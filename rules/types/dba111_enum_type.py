"""DBA111 enum-type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbarch_lint.model import ir
from dbarch_lint.model.ir import Span
from dbarch_lint.model.regex import lazy
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule

_TYPE_KEYWORD = lazy(rb"(?i)\bTYPE\s+")


class EnumType(StatementRule):
    """A `CREATE TYPE ... AS ENUM`.

    ## What it does
    Flags every `CREATE TYPE ... AS ENUM`.

    ## Why is this bad?
    An enum's values can be added (`ALTER TYPE ... ADD VALUE`, which cannot run inside a
    transaction block before PostgreSQL 12, and whose new value cannot be used before it is
    committed) and renamed, but never removed or reordered: retiring a value means creating a
    new type and rewriting every column that uses it under an ACCESS EXCLUSIVE lock. Enum values
    are also invisible to foreign keys and carry no attributes. A `text` column with a named
    CHECK constraint can be changed without a rewrite (`ADD CONSTRAINT ... NOT VALID`, then
    `VALIDATE CONSTRAINT`); a lookup table referenced by a foreign key can gain, retire and
    describe values with plain DML.

    ## Example
    ```sql
    CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        status text NOT NULL
            CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'shipped'))
    );
    ```

    ## References
    - PostgreSQL documentation, "Enumerated Types" and `ALTER TYPE`
    """

    code = "DBA111"
    name = "enum-type"
    family = "types"
    dialects = frozenset({"postgres"})
    severity = Severity.INFO
    targets = (ir.CreateEnum,)

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        values = ", ".join(f"'{v}'" for v in event.values[:3])
        values += ", ..." if len(event.values) > 3 else ""
        yield ctx.report(
            _name_span(event.span, ctx),
            f"Enum type {ctx.shown(event.name)} ({values or 'no values'}): enum values cannot be "
            "removed or reordered without rewriting every column that uses it",
            hint="use a text column with a named CHECK constraint (`CHECK (col IN (...))`), or a "
            "lookup table with a foreign key",
        )


def _name_span(span: Span, ctx: RuleContext) -> Span:
    """The type's name after `CREATE TYPE`, when the statement text is at hand."""
    if span.extent != "exact" or span.end <= span.start:
        return span
    match = _TYPE_KEYWORD.search(ctx.text, span.start, span.end)
    return Span.at(match.end(), "word") if match else span
