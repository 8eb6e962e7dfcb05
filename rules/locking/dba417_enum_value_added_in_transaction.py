"""DBA417 enum-value-added-in-transaction."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dbarch_lint.catalog import Origin
from dbarch_lint.model import ir
from dbarch_lint.rule import RelatedSpan, Report, RuleContext, Severity, StatementRule


class EnumValueAddedInTransaction(StatementRule):
    """`ALTER TYPE ... ADD VALUE` inside a transaction block that then uses the new value.

    ## What it does
    Flags `ALTER TYPE ... ADD VALUE` inside a transaction block (an explicit `BEGIN`, or a
    runner that wraps the file) when a later statement of the same transaction uses the new
    value: a string literal equal to the new label, or a cast to the type. For a target below
    PostgreSQL 12 any `ADD VALUE` inside a transaction block is flagged, unless the type was
    created in the same transaction. It applies whatever the type's age.

    ## Why is this bad?
    Before PostgreSQL 12, `ALTER TYPE ... ADD VALUE` cannot run inside a transaction block at
    all (unless the type is new in that transaction). From 12 on it can, but the new value
    cannot be used until the transaction commits, even when the type itself is new in it:
    PostgreSQL raises `unsafe use of new value` and the migration fails.

    ## Example
    ```sql
    BEGIN;
    ALTER TYPE order_status ADD VALUE 'refunded';
    UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TYPE order_status ADD VALUE 'refunded';
    COMMIT;
    BEGIN;
    UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    COMMIT;
    ```

    ## Known limits
    A use is recognised in the statement text (a literal equal to the label, `::type`,
    `CAST(... AS type)`); a value that reaches the type through a function or a column of
    another type is not seen.

    ## References
    - PostgreSQL documentation, `ALTER TYPE` (Notes: "the new value cannot be used until after
      the transaction has been committed"); release notes of PostgreSQL 12
    """

    code = "DBA417"
    name = "enum-value-added-in-transaction"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.AlterEnum,)

    def check(self, event: ir.AlterEnum, ctx: RuleContext) -> Iterator[Report]:
        if event.old_value is not None or not ctx.in_transaction:
            return
        label = "'" + event.new_value.replace("'", "''") + "'"
        if ctx.settings.pg_version < 12:
            if _created_in_this_transaction(ctx, event.name):
                return  # allowed before 12 (from 12 on its new values are unusable too)
            yield ctx.report(
                event.span,
                f"ALTER TYPE {ctx.shown(event.name)} ADD VALUE {label} cannot run inside a "
                "transaction block before PostgreSQL 12: the migration fails",
                hint="run it in a migration of its own, outside a transaction block",
            )
            return
        use = _first_use(ctx, event, label)
        if use is None:
            return
        line = ctx.line_of(use.span.start)
        yield ctx.report(
            event.span,
            f"The new value {label} of {ctx.shown(event.name)} is used on line {line} before the "
            "transaction that added it commits: PostgreSQL refuses it (unsafe use of new value) "
            "and the migration fails",
            hint="COMMIT after `ADD VALUE`, and use the value in a later transaction",
            related=[
                RelatedSpan(
                    Origin(ctx.file_index, use.index, ctx.path, use.span),
                    f"uses {label} or casts to {ctx.shown(event.name)}",
                )
            ],
        )


def _created_in_this_transaction(ctx: RuleContext, name: ir.QName) -> bool:
    return any(
        isinstance(earlier, ir.CreateEnum)
        and earlier.name.name == name.name
        and (
            earlier.name.schema is None or name.schema is None or earlier.name.schema == name.schema
        )
        for statement in ctx.transaction()
        for earlier in statement.events
    )


def _first_use(ctx: RuleContext, event: ir.AlterEnum, label: str) -> ir.Statement | None:
    """The first later statement of this transaction that uses the label or casts to the type."""
    index = ctx.statement.index
    name = event.name.name
    # (the cast's pattern, compiled only for a text that may hold the type's name: compiling
    # costs more than reading a file; an ASCII text and name that fail a plain test cannot match)
    lowered = name.lower() if name.isascii() else None
    cast: re.Pattern[str] | None = None
    for statement in ctx.statements[index + 1 :]:
        if ctx.transactions[statement.index] != ctx.transactions[index]:
            return None  # the transaction ended
        if any(isinstance(e, ir.AlterEnum) for e in statement.events):
            continue  # `ADD VALUE ... BEFORE 'new'` may name it
        text = ctx.text[statement.span.start : statement.span.end].decode("utf-8", "replace")
        if label in text:
            return statement
        if lowered is not None and text.isascii() and lowered not in text.lower():
            continue
        if cast is None:
            cast = re.compile(
                rf"(?:::|\bAS)\s*(?:[\w\"]+\s*\.\s*)?\"?{re.escape(name)}\b", re.IGNORECASE
            )
        if cast.search(text):
            return statement
    return None
