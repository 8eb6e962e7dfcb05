"""DBA102 integer-key-column."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, TypeRef
from dbarch_lint.rule import (
    COLUMN_TYPE_EVENTS,
    Applicability,
    FixAvailability,
    Report,
    Rewrite,
    RuleContext,
    Severity,
    StatementRule,
    TypedColumn,
    prisma_hint,
)
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.types._fixes import (
    IDENTITY,
    made_foreign_key_later,
    referenced_later,
    retype,
)
from dbarch_lint.rules.types._keys import (
    KEY_EVENTS,
    KEY_KINDS,
    KeyColumn,
    can_run_out,
    had_key,
    key_columns,
    report,
)

# builtin name -> (the integer type it is, its largest value)
NARROW_TYPES = {
    "int4": ("integer", "2,147,483,647"),
    "serial": ("integer", "2,147,483,647"),
    "serial4": ("integer", "2,147,483,647"),
    "int2": ("smallint", "32,767"),
    "smallserial": ("smallint", "32,767"),
    "serial2": ("smallint", "32,767"),
}
SERIALS = {"serial", "serial4", "smallserial", "serial2"}
ROLE_WORDS = {"primary-key": "primary key", "foreign-key": "foreign key", "identity": "identity"}


class IntegerKeyColumnOptions(msgspec.Struct, frozen=True, kw_only=True):
    """DBA102's options: `scope`, which integer columns it flags (`keys` or `all`)."""

    scope: str = "keys"

    def __post_init__(self) -> None:
        if self.scope not in ("keys", "all"):
            raise ValueError(f"scope must be 'keys' or 'all', not {self.scope!r}")


class IntegerKeyColumn(StatementRule[IntegerKeyColumnOptions]):
    """A primary-key, foreign-key or identity column declared `integer` or `smallint`.

    ## What it does
    Flags `integer`/`int`/`int4` and `smallint`/`int2` columns (and `serial`/`serial4`,
    `smallserial`/`serial2`, which are integer and smallint columns fed by a sequence) that are
    keys: part of a PRIMARY KEY or FOREIGN KEY, or an identity column. It looks at CREATE TABLE
    (column and table constraints), ADD COLUMN, ALTER TABLE ... ADD PRIMARY KEY / FOREIGN KEY on a
    column whose type the replayed schema knows, and ALTER COLUMN ... TYPE on a known key column.
    A `serial` column that is not a key is left to DBA101 (unless `scope = "all"`).

    Only keys that can run out are flagged: a single-column primary key, an identity or
    sequence-fed column (`serial`, a `nextval()` default), or a foreign key to such a key (or to
    a table the replay does not know). A column of a composite primary key that no sequence
    feeds (a slot or revision number beside the real key) is not flagged, nor is a foreign key
    to one; a partitioned table's composite key (the real key plus the partition key) is.

    ## Why is this bad?
    A 32-bit key runs out at 2,147,483,647 (a smallint at 32,767); busy tables get there, and
    sequences also burn values on rolled-back inserts. Widening the key later is an
    `ALTER COLUMN ... TYPE bigint` that rewrites the table and every referencing table under an
    ACCESS EXCLUSIVE lock. `bigint` costs four more bytes a row, usually nothing after alignment.

    ## Example
    ```sql
    CREATE TABLE orders (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id integer REFERENCES customers (id)
    );
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id bigint REFERENCES customers (id)
    );
    ```

    ## Options
    - `scope` (`"keys"` or `"all"`, default `"keys"`): `"all"` flags every integer and smallint
      column, key or not.

    The finding points at the column's type. A column that a later statement of the same
    migration makes a key (pg_dump writes `CREATE TABLE t (id integer NOT NULL, ...)`, then
    `ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id)` and the foreign keys) is
    reported once, at the type in the CREATE TABLE (or the ADD COLUMN or ALTER COLUMN ... TYPE
    that gave it that type), naming the statement that made it a key; a `-- noqa` there
    suppresses it. A column typed by an earlier migration is reported where this one makes it a
    key. A key column whose type a later statement of the migration changes again (`ALTER
    COLUMN id TYPE bigint`) is judged by that statement, its type at the end of the migration.

    ## Fix
    `--fix --unsafe-fixes` widens a key column declared in a table the same migration creates
    (it holds no rows yet): a `serial` key becomes `bigint GENERATED ALWAYS AS IDENTITY`, any
    other key (an identity, a foreign key, a key the application fills) `bigint`, never an
    identity. Unsafe: an identity column generated always refuses explicit values, and the
    application reads 64-bit values. A key made by a later statement has no fix.

    ## Known limits
    A key added later (ADD PRIMARY KEY / FOREIGN KEY, `ALTER COLUMN ... ADD GENERATED ... AS
    IDENTITY`) is flagged only when the replay knows the column's type, and only the first time
    the column becomes that kind of key: dropping and re-creating a foreign key (say, to change
    ON DELETE) is not flagged again.

    ## References
    - PostgreSQL documentation, "Numeric Types"
    """

    code = "DBA102"
    name = "integer-key-column"
    family = "types"
    severity = Severity.WARNING
    targets = KEY_EVENTS
    fix_availability = FixAvailability.SOMETIMES  # (on a table this migration creates)
    fix_applicability = Applicability.UNSAFE

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        kind = type(event)
        if kind is ir.AddConstraint and event.constraint.kind not in KEY_KINDS:
            return NOTHING  # (a key only where it adds a key constraint)
        if kind is ir.AlterTableAction and (event.action != "AddIdentity" or not event.column):
            return NOTHING  # (only ADD GENERATED ... AS IDENTITY makes a key)
        types_columns = kind in COLUMN_TYPE_EVENTS
        narrow = ctx.columns_of_type(event, *NARROW_TYPES) if types_columns else ()
        if types_columns and not narrow:
            return NOTHING  # (the key columns of these events are typed here too: none is narrow)
        return self._reports(event, ctx, narrow)

    def _reports(
        self, event: Any, ctx: RuleContext, narrow: tuple[TypedColumn, ...]
    ) -> Iterator[Report]:
        scope_all = self.options.scope == "all"
        keys = {(k.table, k.column): k for k in key_columns(event, ctx, NARROW_TYPES)}
        for key in keys.values():
            if not can_run_out(ctx, key, event):
                continue  # (a slot or revision number beside the real key)
            if scope_all and not key.declared and ctx.is_new_column(key.table, key.column):
                continue  # already flagged where this file declared it
            if had_key(ctx, key):
                continue  # already flagged at its type, when this migration first made it a key
            yield _report(ctx, key.table, key.column, key.type, key, _fix(event, ctx, key))
        if scope_all:
            for table, column, type_, _ in narrow:
                if (table, column) not in keys:
                    yield _report(ctx, table, column, type_, None)


def _fix(event: Any, ctx: RuleContext, key: KeyColumn) -> Rewrite | None:
    """`bigint`, or for a serial that is not a foreign key `bigint GENERATED ALWAYS AS
    IDENTITY`, at the type the event declares (never where a later statement made it a key)."""
    if not key.declared or key.origin is not None or key.span != key.type.span:
        return None
    keyed = "primary-key" in key.kinds or "identity" in key.kinds
    if (
        not _references_widen(ctx, key)
        or (keyed and referenced_later(ctx, key.table))
        or made_foreign_key_later(ctx, key.table, key.column)
    ):
        return None  # (the two ends of a foreign key would differ: DBA802)
    serial = (key.type.builtin or "") in SERIALS and "foreign-key" not in key.kinds
    text = IDENTITY if serial else "bigint"
    return retype(event, ctx, key.type, text, f"Declare it {text}")


def _references_widen(ctx: RuleContext, key: KeyColumn) -> bool:
    """Whether every key a foreign key `key` references is bigint, or unknown, or declared in
    this migration where its own fix widens it."""
    for table, column, _ in key.references:
        known = ctx.table(table)
        if known is None or (ctx.is_new_table(table) and not referenced_later(ctx, table)):
            continue
        referenced = known.columns.get(column) if column else None
        if column is None:
            primary = known.primary_key()
            referenced = known.columns.get(primary.columns[0]) if primary else None
        if referenced is not None and referenced.type is not None and _narrow(referenced.type):
            return False
    return True


def _narrow(type_: TypeRef) -> bool:
    return (type_.builtin or "") in NARROW_TYPES


def _report(
    ctx: RuleContext,
    table: QName,
    column: str,
    type_: TypeRef,
    key: KeyColumn | None,
    fix: Rewrite | None = None,
) -> Report:
    builtin = type_.builtin or ""
    kinds = key.kinds if key is not None else frozenset()
    base, limit = NARROW_TYPES[builtin]
    written = f"{type_.name} ({base})" if builtin in SERIALS else base
    roles = ", ".join(ROLE_WORDS[k] for k in ROLE_WORDS if k in kinds)
    name = ctx.shown_column(table, column)
    what = f"Column {ctx.shown(table)}.{name}" + (f" ({roles})" if roles else "")
    message = f"{what} is {written}{'[]' if type_.array else ''}, which runs out at {limit}"
    if builtin in SERIALS:
        hint = f"declare it `{name} bigint GENERATED ALWAYS AS IDENTITY`"
    elif key is not None and not key.declared and key.span == key.made:
        alter = (
            f"MODIFY {name} BIGINT ...` (MODIFY restates the whole column: keep its NOT NULL, "
            "DEFAULT and AUTO_INCREMENT)"
            if ctx.dialect == "mysql"
            else f"ALTER COLUMN {name} TYPE bigint`"
        )
        hint = f"widen it first: `ALTER TABLE {ctx.shown(table)} {alter}"
    else:
        hint = f"declare it `{name} bigint`"
    if "foreign-key" in kinds and builtin not in SERIALS:
        hint += " (a bigint foreign key may reference an integer key)"
    hint += prisma_hint(ctx.runner, "foreign-key" if "foreign-key" in kinds else "key")
    if key is None:
        return ctx.report(type_.span, message, hint=hint)
    if fix is not None:  # (only at a type this statement declares: `report` would put it there)
        return ctx.report(key.span, message, hint=hint, fix=fix)
    return report(ctx, key, message, hint)
