"""DBA420 unique-constraint-on-existing-data."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.catalog.volatility import function_volatility
from dbarch_lint.model import ir
from dbarch_lint.model.ir import SERIAL_BASE_TYPES, QName, quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule

# What a column added in this migration holds in every existing row, when nothing wrote to it.
_NULLS = "null"  # no default: NULL everywhere (distinct from each other in a unique index)
_DISTINCT = "distinct"  # a sequence or a volatile default: a new value per row
_ONE_VALUE = "one value"  # a constant (or stable) default: the same value in every row
_DATA = "data"  # anything else: an existing column, an expression, a column written to since
# Data changes that can write into a column (a DELETE or a SELECT cannot make duplicates).
_WRITES = frozenset(("insert", "update", "copy", "merge"))


class UniqueConstraintOnExistingData(StatementRule):
    """A UNIQUE index or constraint (or a PRIMARY KEY) is added on the existing data of a table.

    ## What it does
    Flags `CREATE UNIQUE INDEX [CONCURRENTLY]`, `ALTER TABLE ... ADD [CONSTRAINT ...] UNIQUE
    (...)` and `ADD [CONSTRAINT ...] PRIMARY KEY (...)` on a table that was not created earlier
    in the same migration, when the key's rows can already hold equal values: a key over an
    existing column or an expression, or over columns added in this migration with one
    default value for every row (`ADD COLUMN code text DEFAULT 'x' UNIQUE` included, which
    fails on any table with two rows). A PRIMARY KEY is a unique constraint too and fails the
    same way, so it is flagged alike. Off by default: the migration may know its data.

    Not flagged: a key over columns a unique index or constraint (or the primary key) already
    covers, in part or whole, as when a migration swaps a primary key for a unique constraint
    on the same columns; a key with a column added in this migration without a default (it is
    NULL in every row, and NULLs never collide unless the index says `NULLS NOT DISTINCT`) or
    filled by a sequence, an identity or a volatile default (`gen_random_uuid()`), as long as
    nothing wrote to the table since the column was added; and `ADD CONSTRAINT ... UNIQUE
    USING INDEX` / `PRIMARY KEY USING INDEX`, whose unique index exists already (its build is
    where duplicates fail, and that statement is the one flagged).

    ## Why is this bad?
    PostgreSQL checks every existing row while it builds the unique index: one pair of
    duplicates (or, for a primary key, duplicates or a NULL) and the statement fails with
    `could not create unique index` (SQLSTATE 23505), and the migration with it, after
    holding its lock for the whole build. A failed `CREATE UNIQUE INDEX CONCURRENTLY` leaves
    an INVALID index behind that must be dropped before trying again. Look for duplicates
    first (and clean them up, or make the application stop writing them) and deploy the
    constraint once the query returns nothing.

    ## Example
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    ```

    ## Use instead
    ```sql
    -- Run first, and deduplicate until it returns no rows:
    -- SELECT email, count(*) FROM users GROUP BY email HAVING count(*) > 1;
    ALTER TABLE users ADD COLUMN external_id text;
    CREATE UNIQUE INDEX CONCURRENTLY users_external_id_key ON users (external_id);
    ```

    ## Known limits
    Whether the table holds duplicates is a question about data, which a linter cannot
    answer: the rule says the statement can fail, not that it will. PostgreSQL only.

    ## References
    - Atlas, migration analyzer MF101 ("add unique index to existing column")
    - PostgreSQL documentation, `CREATE INDEX` ("Building Indexes Concurrently": a failed
      build leaves an invalid index) and `ALTER TABLE ... ADD table_constraint`
    """

    code = "DBA420"
    name = "unique-constraint-on-existing-data"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.INFO
    default_enabled = False
    targets = (ir.CreateIndex, ir.AddConstraint, ir.AddColumn)

    def check(
        self, event: ir.CreateIndex | ir.AddConstraint | ir.AddColumn, ctx: RuleContext
    ) -> Iterator[Report]:
        if ctx.is_new_table(event.table) or _created_by_this_statement(event, ctx):
            return
        if isinstance(event, ir.AddColumn):
            yield from _new_column_key(event, ctx)
            return
        if isinstance(event, ir.CreateIndex):
            if not event.unique:
                return
            keys: list[str | None] = [e.column for e in event.elems]
            kind, null_distinct = "UNIQUE index", not event.nulls_not_distinct
            name = quote_ident(event.name) if event.name else "(unnamed)"
        else:
            constraint = event.constraint
            if constraint.kind not in ("unique", "primary-key") or constraint.using_index:
                return
            keys = list(constraint.columns)
            primary = constraint.kind == "primary-key"
            kind = "PRIMARY KEY" if primary else "UNIQUE constraint"
            # (a primary key refuses NULLs: an all-NULL new column fails it too, but that is
            # not a duplicate: DBA507's and PostgreSQL's NOT NULL check's business)
            null_distinct = not primary
            name = quote_ident(ctx.constraint_name(event.table, constraint))
        nulls_equal = isinstance(event, ir.CreateIndex) and event.nulls_not_distinct
        if _unique_already(event.table, keys, nulls_equal, ctx):
            return
        contents = [_contents(event, key, ctx) for key in keys]
        if not contents or any(c == _DISTINCT for c in contents):
            return
        if null_distinct and any(c == _NULLS for c in contents):
            return
        yield _report(ctx, event, kind, name, keys, all(c == _ONE_VALUE for c in contents))


def _new_column_key(event: ir.AddColumn, ctx: RuleContext) -> Iterator[Report]:
    """`ADD COLUMN c ... DEFAULT 'x' UNIQUE`: every row gets the same value, then the check."""
    column = event.column
    for constraint in column.constraints:
        if constraint.kind in ("unique", "primary-key") and _filled(column) == _ONE_VALUE:
            kind = "PRIMARY KEY" if constraint.kind == "primary-key" else "UNIQUE constraint"
            name = quote_ident(ctx.constraint_name(event.table, constraint))
            yield _report(ctx, event, kind, name, [column.name], True, constraint.span)
            return


def _report(
    ctx: RuleContext,
    event: ir.Event,
    kind: str,
    name: str,
    keys: list[str | None],
    one_value: bool,
    span: ir.Span | None = None,
) -> Report:
    table = ctx.shown(event.table)  # type: ignore[attr-defined]
    columns = ", ".join("(expression)" if k is None else quote_ident(k) for k in keys)
    if one_value:
        message = (
            f"{kind} {name} on {table} ({columns}): every existing row has the same value "
            "there (the new column's default), so it fails as soon as the table has two rows"
        )
        hint = "add the column without a default (or with a per-row one), fill it, then the key"
    else:
        message = (
            f"{kind} {name} on the existing rows of {table} ({columns}) fails if they "
            "hold duplicates, after holding its lock for the whole build"
        )
        listed = ", ".join(k for k in keys if k is not None) if None not in keys else ""
        query = (
            f"`SELECT {listed}, count(*) FROM {table} GROUP BY {listed} HAVING count(*) > 1`"
            if listed
            else "a GROUP BY ... HAVING count(*) > 1 query over the key"
        )
        hint = f"check first that {query} returns no rows, and deduplicate if it does"
    return ctx.report(span or event.span, message, hint=hint)


def _created_by_this_statement(event: ir.Event, ctx: RuleContext) -> bool:
    """Whether an earlier event of this statement created the table (`CREATE SCHEMA s CREATE
    TABLE t ... CREATE UNIQUE INDEX ... ON t`)."""
    key = ctx.schema.resolve(event.table)  # type: ignore[attr-defined]
    for earlier in ctx.statement.events:
        if earlier is event:
            return False
        if isinstance(earlier, ir.CreateTable) and ctx.schema.resolve(earlier.table) == key:
            return True
    return False


def _unique_already(
    table_name: QName, keys: list[str | None], nulls_equal: bool, ctx: RuleContext
) -> bool:
    """Whether a valid unique index (or primary key) over some of the key's columns exists
    already: then no two rows can hold the same key. (For `NULLS NOT DISTINCT`, only one that
    says so too: NULLs it lets through would be duplicates.)"""
    table = ctx.table(table_name)
    if table is None or None in keys:
        return False
    wanted = set(keys)
    return any(
        index.unique
        and index.predicate is None
        and index.columns
        and None not in index.columns
        and set(index.columns) <= wanted
        and (index.nulls_not_distinct or not nulls_equal)
        for index in table.live_indexes()
    )


def _contents(event: ir.Event, column: str | None, ctx: RuleContext) -> str:
    """What the existing rows hold in a key column (an expression: data)."""
    table_name: QName = event.table  # type: ignore[attr-defined]
    if column is None or not ctx.is_new_column(table_name, column):
        return _DATA
    added = _addition(table_name, column, ctx)
    if added is None:
        return _DATA
    at, definition = added
    if _written_since(table_name, column, at, ctx):
        return _DATA
    return _filled(definition)


def _addition(table: QName, column: str, ctx: RuleContext) -> tuple[int, ir.ColumnDef] | None:
    """The statement of this file that added the column (the latest), and its definition."""
    key = ctx.schema.resolve(table)
    found: tuple[int, ir.ColumnDef] | None = None
    for statement in ctx.statements[: ctx.statement.index + 1]:
        for event in statement.events:
            if (
                isinstance(event, ir.AddColumn)
                and event.column.name == column
                and ctx.schema.resolve(event.table) == key
            ):
                found = (statement.index, event.column)
    return found


def _written_since(table: QName, column: str, at: int, ctx: RuleContext) -> bool:
    """Whether a statement after `at` and before this one may have written into the column
    (a data change, or a type change whose USING computes new values)."""
    key = ctx.schema.resolve(table)
    for statement in ctx.statements[at + 1 : ctx.statement.index]:
        for event in statement.events:
            if isinstance(event, ir.DataChange) and event.kind in _WRITES:
                if event.table is None or ctx.schema.resolve(event.table) == key:
                    return True
            elif (
                isinstance(event, ir.AlterColumnType)
                and event.column == column
                and event.using
                and ctx.schema.resolve(event.table) == key
            ):
                return True
    return False


def _filled(column: ir.ColumnDef) -> str:
    """What ADD COLUMN puts into the existing rows."""
    if column.type is not None and (column.type.builtin or "") in SERIAL_BASE_TYPES:
        return _DISTINCT
    if column.get("identity") is not None:
        return _DISTINCT
    if column.get("generated") is not None:
        return _DATA  # (computed from the row's other columns)
    default = column.get("default")
    if default is None or default.null_default:
        return _NULLS
    if any(function_volatility(call) in ("volatile", None) for call in default.calls):
        return _DISTINCT  # (a volatile default is evaluated once per row)
    return _ONE_VALUE
