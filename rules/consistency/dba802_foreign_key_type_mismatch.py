"""DBA802 foreign-key-type-mismatch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from dbarch_lint.model import ir
from dbarch_lint.model.ir import DISPLAY_TYPE_NAMES, SERIAL_BASE_TYPES, QName, TypeRef
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.consistency._model import column_types, create_table_columns
from dbarch_lint.rules.constraints._events import table_constraints

# Spellings of the same built-in type, by catalog name; serial types count as their integer.
ALIASES = {
    "serial": "int4",
    "serial4": "int4",
    "int": "int4",
    "integer": "int4",
    "bigserial": "int8",
    "serial8": "int8",
    "bigint": "int8",
    "smallserial": "int2",
    "serial2": "int2",
    "smallint": "int2",
    "decimal": "numeric",
    "boolean": "bool",
    "real": "float4",
    "float": "float8",
    "char": "bpchar",
    "character": "bpchar",
}
# Built-in types whose names cannot be a user's domain over another type.
BUILTIN = frozenset(
    {
        *("int2", "int4", "int8", "numeric", "float4", "float8", "bool", "money", "oid"),
        *("text", "varchar", "bpchar", "name", "uuid", "bytea", "xml", "bit", "varbit"),
        *("date", "time", "timetz", "timestamp", "timestamptz", "interval"),
        *("json", "jsonb", "inet", "cidr", "macaddr", "macaddr8"),
    }
)


Columns = dict[str, TypeRef | None]


class ForeignKeyTypeMismatch(StatementRule):
    """A foreign key column whose type differs from the column it references.

    ## What it does
    Flags a foreign key where a referencing column and the referenced column have different
    types (name, modifiers or array-ness), when the replay knows both: e.g. `integer` referencing
    `bigint`, `varchar(20)` referencing `varchar(40)`, `text` referencing `varchar`. `serial`,
    `bigserial` and `smallserial` count as the integer types they stand for.

    ## Why is this bad?
    PostgreSQL accepts the key when the types are comparable, but the mismatch bites later: an
    `integer` column referencing a `bigint` key fails with `integer out of range` once the parent
    ids pass 2^31, a shorter `varchar` cannot hold every parent value, and a cross-type
    comparison can keep the planner from using the index behind joins and cascades.

    ## Example
    ```sql
    CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    CREATE TABLE orders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id integer NOT NULL REFERENCES customers (id)
    );
    ```

    ## Use instead
    ```sql
    CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    CREATE TABLE orders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id bigint NOT NULL REFERENCES customers (id)
    );
    ```

    ## Known limits
    Only the statement that defines the foreign key is checked: an `ALTER COLUMN ... TYPE` that
    later changes one side is not. Domains, enums and other user-defined types are compared only
    with the same type name.
    """

    code = "DBA802"
    name = "foreign-key-type-mismatch"
    family = "consistency"
    severity = Severity.WARNING
    targets = (ir.CreateTable, ir.AddColumn, ir.AddConstraint)

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most ADD COLUMN and ADD CONSTRAINT events add no foreign key)
        if type(event) is not ir.CreateTable:
            added = event.column.constraints if type(event) is ir.AddColumn else (event.constraint,)
            if not _any_foreign_key(added):
                return NOTHING
        return self._reports(event, ctx)

    def _reports(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        if type(event) is ir.CreateTable:
            if event.if_not_exists and ctx.table(event.table) is not None:
                return
            constraints = table_constraints(event)
            if not _any_foreign_key(constraints):
                return  # (the columns are not worth looking up)
            local = create_table_columns(ctx, event) or {c.name: c.type for c in event.columns}
            own_pk = _own_primary_key(event)
            for constraint in constraints:
                yield from _check(ctx, event.table, local, constraint, own_pk)
            return
        added: tuple[ir.Constraint, ...] = (
            event.column.constraints if type(event) is ir.AddColumn else (event.constraint,)
        )
        if not _any_foreign_key(added):
            return  # (the columns are not worth looking up)
        table = ctx.table(event.table)
        local = column_types(ctx, table, event.table) if table is not None else {}
        if type(event) is ir.AddColumn:
            local[event.column.name] = event.column.type
        for constraint in added:
            yield from _check(ctx, event.table, local, constraint, None)


def _any_foreign_key(constraints: Iterable[ir.Constraint]) -> bool:
    # (a plain loop: no generator, no call for each constraint)
    for constraint in constraints:
        if constraint.kind == "foreign-key" and constraint.ref_table is not None:
            return True
    return False


def _own_primary_key(event: ir.CreateTable) -> tuple[str, ...]:
    for constraint in table_constraints(event):
        if constraint.kind == "primary-key":
            return constraint.columns
    return ()


def _check(
    ctx: RuleContext,
    table: QName,
    local: Columns,
    constraint: ir.Constraint,
    own_pk: tuple[str, ...] | None,
) -> Iterator[Report]:
    if constraint.kind != "foreign-key" or constraint.ref_table is None:
        return
    ref = constraint.ref_table
    creating = own_pk is not None
    referenced: Columns
    if ctx.schema.resolve(ref) == ctx.schema.resolve(table) and (
        creating or ctx.table(ref) is ctx.table(table)
    ):
        referenced = local  # the table references itself
        ref_columns = list(constraint.ref_columns) or (
            list(own_pk) if own_pk is not None else _pk(ctx, ref)
        )
    else:
        target = ctx.table(ref)
        if target is None:
            return
        ref_columns = list(constraint.ref_columns) or _pk(ctx, ref)
        # (only the referenced columns: a table can have many)
        referenced = {
            name: target.columns[name].type for name in ref_columns if name in target.columns
        }
    if len(ref_columns) != len(constraint.columns):
        return
    for column, ref_column in zip(constraint.columns, ref_columns, strict=True):
        mine, theirs = local.get(column), referenced.get(ref_column)
        if mine is None or theirs is None or _same(mine, theirs):
            continue
        name, wanted = ctx.shown_column(table, column), _display(theirs)
        if _declared_here(ctx, mine):
            span, hint = mine.span, f"declare `{name} {wanted}`"
        else:
            span = constraint.span
            alter = (
                f"ALTER TABLE {ctx.shown(table)} MODIFY {name} {wanted} ...;` (restating the rest "
                "of the column"
                if ctx.dialect == "mysql"
                else f"ALTER TABLE {ctx.shown(table)} ALTER COLUMN {name} TYPE {wanted};"
            )
            hint = f"make the types equal first, e.g. `{alter}" + (
                ")" if ctx.dialect == "mysql" else "`"
            )
        yield ctx.report(
            span,
            f"Foreign key column {name} of {ctx.shown(table)} is {_text(mine)} but references "
            f"{ctx.shown(ref)}.{ctx.shown_column(ref, ref_column)}, which is {_text(theirs)}",
            hint=hint,
        )


def _pk(ctx: RuleContext, ref: QName) -> list[str]:
    target = ctx.table(ref)
    key = target.primary_key() if target is not None else None
    return list(key.columns) if key is not None else []


def _declared_here(ctx: RuleContext, type_: TypeRef) -> bool:
    """Whether this statement writes the type (not a column declared before it: in an earlier
    file its offsets say nothing about this one)."""
    return any(written is type_ for written in _types_written(ctx.statement.events))


def _types_written(events: tuple[ir.AnyEvent, ...]) -> Iterator[TypeRef | None]:
    for event in events:
        if type(event) is ir.CreateTable:
            yield from (column.type for column in event.columns)
        elif type(event) is ir.AddColumn:
            yield event.column.type
        elif type(event) is ir.AlterColumnType:
            yield event.type


def _canonical(type_: TypeRef) -> tuple[str, tuple[int | str, ...], bool] | None:
    """Comparable (name, modifiers, array), or None when the type cannot be compared."""
    if type_.pct_type:
        return None
    builtin = type_.builtin
    name = ALIASES.get(builtin, builtin) if builtin is not None else ".".join(type_.names)
    return name, type_.mods, type_.array


def _same(mine: TypeRef, theirs: TypeRef) -> bool:
    a, b = _canonical(mine), _canonical(theirs)
    if a is None or b is None or a == b:
        return True
    # A domain or other user type: its base type is unknown here.
    return a[0] != b[0] and not (a[0] in BUILTIN and b[0] in BUILTIN)


def _text(type_: TypeRef) -> str:
    """A type as written in SQL (`numeric(10,2)`, not `pg_catalog.numeric(10,2)`)."""
    builtin = type_.builtin
    name = DISPLAY_TYPE_NAMES.get(builtin, builtin) if builtin else ".".join(type_.names)
    mods = f"({','.join(str(m) for m in type_.mods)})" if type_.mods else ""
    return name + mods + ("[]" if type_.array else "")


def _display(type_: TypeRef) -> str:
    """The referenced type as a column of the referencing table should be declared."""
    base = SERIAL_BASE_TYPES.get(type_.builtin or "")
    return base + ("[]" if type_.array else "") if base else _text(type_)
