"""DBA405 rewriting-column-default."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from dbarch_lint.catalog.volatility import function_volatility
from dbarch_lint.model import ir
from dbarch_lint.model.ir import SERIAL_BASE_TYPES, quote_ident
from dbarch_lint.model.regex import lazy
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules.locking._sql import clause

_DEFAULT_WORD = lazy(r"(?i)^DEFAULT\s+")


class RewritingColumnDefaultOptions(msgspec.Struct, frozen=True, kw_only=True):
    """DBA405's options: `stable_functions`, the functions (by name) you vouch are not volatile."""

    stable_functions: tuple[str, ...] = ()


class RewritingColumnDefault(StatementRule[RewritingColumnDefaultOptions]):
    """A column is added to an existing table with a value that rewrites the table.

    ## What it does
    Flags `ALTER TABLE ... ADD COLUMN` on a table that was not created earlier in the same
    migration when the new column's value must be computed row by row: a volatile `DEFAULT`
    (`random()`, `gen_random_uuid()`, `clock_timestamp()`, `nextval()`, ...), a `serial` type,
    `GENERATED ... AS IDENTITY` (an implicit `nextval`), or a domain type with `CHECK` or
    `NOT NULL` constraints (known from the replay; with or without a default). Below
    PostgreSQL 11 any non-null default rewrites. Literals, casts, operators and stable or
    immutable built-ins such as `now()` or `CURRENT_TIMESTAMP` are stored once and are fine on
    11+. A function the volatility table (from PostgreSQL's catalog) does not know is flagged
    as "could not prove non-volatile"; option `stable-functions` lists the ones you vouch for.

    ## Why is this bad?
    PostgreSQL has to write the value into every existing row: it rewrites the whole table
    under an ACCESS EXCLUSIVE lock, blocking reads and writes for the whole rewrite.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN token uuid;
    ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();  -- new rows
    -- then fill the old rows in batches: UPDATE orders SET token = gen_random_uuid() WHERE ...
    ```

    ## References
    - PostgreSQL 11 release notes: "Allow ALTER TABLE to add a column with a non-null default
      without doing a table rewrite" (only when the default is not volatile)
    - PostgreSQL documentation, `ALTER TABLE ... ADD COLUMN`, "Function Volatility Categories"
    """

    code = "DBA405"
    name = "rewriting-column-default"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.AddColumn,)

    def check(self, event: ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
        column = event.column
        why = _why(column, ctx, self.options.stable_functions)
        if why is None or ctx.is_new_table(event.table):
            return
        reason, proven = why
        name, table = quote_ident(column.name), ctx.shown(event.table)
        lead = f"Adding column {name} to {table} {reason}"
        if proven:
            message = (
                f"{lead}: the whole table is rewritten under an ACCESS EXCLUSIVE lock, "
                "blocking reads and writes for the whole rewrite"
            )
        else:
            message = (
                f"{lead}, which could not be proven non-volatile: if it is volatile, the whole "
                "table is rewritten under an ACCESS EXCLUSIVE lock, blocking reads and writes"
            )
        yield ctx.report(column.span, message, hint=_hint(column, table, ctx))


def _why(
    column: ir.ColumnDef, ctx: RuleContext, vouched: tuple[str, ...]
) -> tuple[str, bool] | None:
    """What makes the new column's value computed per row (and whether that is certain)."""
    kinds = {c.kind: c for c in column.constraints}
    if "identity" in kinds:
        return "as an identity column (each row takes a nextval)", True
    if column.type is not None and column.type.builtin in SERIAL_BASE_TYPES:
        return f"of type {column.type.builtin} (each row takes a nextval)", True
    if column.type is not None and ctx.schema.domain_constrained(column.type):
        domain = ".".join(quote_ident(n) for n in column.type.names)
        return f"of domain {domain}, whose constraints are checked on every row", True
    default = kinds.get("default")
    if default is None or default.null_default:
        return None
    expression = _expression(default, ctx)
    if ctx.settings.pg_version < 11:
        return f"with DEFAULT {expression} (before PostgreSQL 11 any default rewrites)", True
    unknown = None
    for call in default.calls:
        if call in vouched:
            continue
        volatility = function_volatility(call)
        if volatility == "volatile":
            return f"with the volatile DEFAULT {expression}", True
        if volatility is None and unknown is None:
            unknown = call
    if unknown is not None:
        return f"with DEFAULT {expression} calling {unknown}()", False
    return None


def _expression(default: ir.Constraint, ctx: RuleContext) -> str:
    return _DEFAULT_WORD.sub("", clause(ctx, default.span), count=1)


def _hint(column: ir.ColumnDef, table: str, ctx: RuleContext) -> str:
    name = quote_ident(column.name)
    type_ = str(column.type) if column.type is not None else "<type>"
    if column.type is not None and column.type.builtin in SERIAL_BASE_TYPES:
        type_ = SERIAL_BASE_TYPES[column.type.builtin]
    if column.type is not None and ctx.schema.domain_constrained(column.type):
        return (
            f"`ALTER TABLE {table} ADD COLUMN {name} <the domain's base type>;`, its checks as "
            "`ADD CONSTRAINT ... CHECK (...) NOT VALID` then `VALIDATE CONSTRAINT`, and fill "
            "the old rows in batches"
        )
    default = next((c for c in column.constraints if c.kind == "default"), None)
    steps = [f"`ALTER TABLE {table} ADD COLUMN {name} {type_};`"]
    if default is not None:
        steps.append(
            f"`ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT {_expression(default, ctx)};` "
            "for new rows"
        )
    steps.append("then fill the old rows in batches")
    return ", ".join(steps)
