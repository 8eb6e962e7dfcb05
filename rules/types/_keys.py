"""Which columns an event makes (or types as) keys: primary-key, foreign-key, identity columns."""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from typing import NamedTuple, cast

from dbarch_lint.catalog import Origin
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span, TypeRef
from dbarch_lint.model.regex import lazy
from dbarch_lint.rule import RelatedSpan, Report, RuleContext

KEY_EVENTS: tuple[type[ir.Event], ...] = (
    ir.CreateTable,
    ir.AddColumn,
    ir.AlterColumnType,
    ir.AddConstraint,
    ir.AlterTableAction,  # ALTER COLUMN ... ADD GENERATED ... AS IDENTITY
)
KEY_KINDS = ("primary-key", "foreign-key", "identity")
_ADD_GENERATED = lazy(rb"(?i)\bGENERATED\s+(ALWAYS|BY\s+DEFAULT)\b")


class KeyColumn(NamedTuple):  # (a named tuple: cheaper to make than a frozen dataclass)
    """A column an event declares, types, or constrains as a key.

    `kinds` holds the key kinds that apply (`primary-key`, `foreign-key`, `identity`);
    `pk_width` is the number of columns of its primary key (0 when not part of one);
    `span` is where to report: the type; `origin` is the earlier statement of this migration
    that wrote it (None: this statement) when the event only makes an existing column a key;
    a column typed by an earlier migration is reported at the constraint (`origin` None).
    `declared` is False when the event only adds a constraint to a column that already exists;
    `made` is then where it does so (the constraint, the GENERATED clause).
    """

    table: QName
    column: str
    type: TypeRef
    kinds: frozenset[str]
    pk_width: int
    span: Span
    declared: bool
    origin: Origin | None = None
    made: Span | None = None
    # What each foreign key on it references: (table, column; None: the table's primary key
    # column at the same position, `position`).
    references: tuple[tuple[QName, str | None, int], ...] = ()


def key_columns(
    event: ir.Event, ctx: RuleContext, types: Container[str] | None = None
) -> Iterator[KeyColumn]:
    """Every key column `event` declares, re-types or constrains, when its type is known; not
    one whose type this migration wrote and a later statement of it changes again (a column
    is judged by its type at the end of the migration: that statement is judged instead).
    `types`: only those of these built-in types (as `TypeRef.builtin` names them)."""
    for key in _key_columns(event, ctx, types):
        if types is not None and (key.type.builtin or "") not in types:
            continue
        typed_here = key.declared or key.span != key.made
        # (the later type change sees a key constraint, not an identity: that one stays here)
        constrained = "primary-key" in key.kinds or "foreign-key" in key.kinds
        if not (typed_here and constrained and _retyped_later(ctx, key)):
            yield key


def _retyped_later(ctx: RuleContext, key: KeyColumn) -> bool:
    """Whether a later statement of the file changes the column's type (to another type)."""
    return ctx.retyped_later(ctx.statement.events[-1], key.table, key.column, key.type)


def _key_columns(
    event: ir.Event, ctx: RuleContext, types: Container[str] | None
) -> Iterator[KeyColumn]:
    if type(event) is ir.CreateTable or type(event) is ir.AddColumn:
        if type(event) is ir.CreateTable:
            columns, table_level = event.columns, event.constraints
        else:
            columns, table_level = (cast("ir.AddColumn", event).column,), ()
        # (only key constraints make a key: a column with none, NOT NULL or DEFAULT alone, is
        # passed over without a look at what it has)
        table_keys = [c for c in table_level if c.kind in KEY_KINDS]
        for definition in columns:
            if definition.type is None:
                continue
            if types is not None and (definition.type.builtin or "") not in types:
                continue  # (a column of a type the caller does not ask about)
            constraints = []
            for c in definition.constraints:  # (plain loops: no comprehension per column)
                if c.kind in KEY_KINDS:
                    constraints.append(c)
            for c in table_keys:
                if definition.name in c.columns:
                    constraints.append(c)
            if not constraints:
                continue  # (a key needs a key constraint)
            key = _key(event.table, definition.name, definition.type, constraints, True)
            if key is not None:
                yield key
    elif type(event) is ir.AlterColumnType:
        table = ctx.table(event.table)
        if table is not None:
            live = table.live_constraints()
            constraints = [c.constraint for c in live if event.column in c.columns]
            key = _key(event.table, event.column, event.type, constraints, True)
            if key is not None:
                yield key
    elif type(event) is ir.AddConstraint and event.constraint.kind in KEY_KINDS:
        constraint = event.constraint
        for column in _constrained_columns(event, ctx):
            if _was_key(event.table, column, constraint.kind, ctx):
                continue  # re-created (e.g. to change ON DELETE): the type was chosen back then
            typed = _current_type(event, column, ctx)
            if typed is not None:
                type_, span, origin = _type_place(typed, constraint.span, ctx)
                key = _key(event.table, column, type_, [constraint], False, span)
                if key is not None:
                    width = (
                        len(_constrained_columns(event, ctx)) if "primary-key" in key.kinds else 0
                    )
                    yield key._replace(origin=origin, made=constraint.span, pk_width=width)
    elif type(event) is ir.AlterTableAction and event.action == "AddIdentity" and event.column:
        typed = _current_type(event, event.column, ctx)
        if typed is not None:
            made = text_span(event.span, ctx, _ADD_GENERATED)
            type_, span, origin = _type_place(typed, made, ctx)
            identity = frozenset({"identity"})
            yield KeyColumn(
                event.table, event.column, type_, identity, 0, span, False, origin, made
            )


def _key(
    table: QName,
    column: str,
    type_: TypeRef,
    constraints: list[ir.Constraint],
    declared: bool,
    span: Span | None = None,
) -> KeyColumn | None:
    kinds = frozenset([c.kind for c in constraints if c.kind in KEY_KINDS])
    if not kinds:
        return None
    # (one plain loop, no generator: the first primary key, and what each foreign key references)
    pk: ir.Constraint | None = None
    references: list[tuple[QName, str | None, int]] = []
    for c in constraints:
        if c.kind == "primary-key":
            pk = c if pk is None else pk
        elif c.kind == "foreign-key" and c.ref_table is not None:
            references.append((c.ref_table, _referenced(c, column), _position(c, column)))
    width = 0 if pk is None else 1 if pk.column_level else len(pk.columns)
    at = span or type_.span
    return KeyColumn(table, column, type_, kinds, width, at, declared, references=tuple(references))


def _position(constraint: ir.Constraint, column: str) -> int:
    return constraint.columns.index(column) if column in constraint.columns else 0


def _referenced(constraint: ir.Constraint, column: str) -> str | None:
    """The column a foreign key's `column` references (None: the primary key's)."""
    at = _position(constraint, column)
    return constraint.ref_columns[at] if at < len(constraint.ref_columns) else None


SEQUENCE_TYPES = frozenset(("serial", "serial4", "serial8", "bigserial", "smallserial", "serial2"))


def can_run_out(ctx: RuleContext, key: KeyColumn, event: ir.Event) -> bool:
    """Whether the key is one whose values can run out (RULES.md, DBA102): a single-column
    primary key, an identity or sequence-fed column, or a foreign key to such a key (or to a
    key the replay does not know). A column of a composite primary key that no sequence feeds
    (a slot or revision number beside the real key) cannot."""
    if "identity" in key.kinds or _fed(ctx, event, key.table, key.column, key.type):
        return True
    if "primary-key" in key.kinds and (key.pk_width == 1 or _partitioned(ctx, event, key.table)):
        return True  # (a partitioned table's key must hold the partition key: id plus a day)
    return any(
        _referenced_runs_out(ctx, event, table, column, at, 0)
        for table, column, at in key.references
    ) or ("primary-key" not in key.kinds and not key.references)


def _partitioned(ctx: RuleContext, event: ir.Event, table_name: QName) -> bool:
    """Whether the table is partitioned or a partition (as this event or the replay knows)."""
    if type(event) is ir.CreateTable and event.table == table_name:
        return event.partitioned or event.partition_of is not None
    table = ctx.table(table_name)
    return table is not None and (table.partitioned or table.partition_of is not None)


def _definition(
    ctx: RuleContext, event: ir.Event, table: QName, column: str
) -> ir.ColumnDef | None:
    """The column's definition in this event, or in the CREATE TABLE the replay knows."""
    resolve = ctx.schema.resolve
    made: tuple[ir.ColumnDef, ...] = (event.column,) if type(event) is ir.AddColumn else ()
    if type(event) is ir.CreateTable:
        made = event.columns
    if (type(event) is ir.CreateTable or type(event) is ir.AddColumn) and resolve(
        event.table
    ) == resolve(table):
        found = next((c for c in made if c.name == column), None)
        if found is not None:
            return found
    known = ctx.table(table)
    created = known.created_by if known is not None else None
    if type(created) is ir.CreateTable:
        return next((c for c in created.columns if c.name == column), None)
    return None


def _fed(
    ctx: RuleContext, event: ir.Event, table: QName, column: str, type_: TypeRef | None
) -> bool:
    """Whether a sequence feeds the column (serial, identity, a `nextval()` default)."""
    if type_ is not None and (type_.builtin or "") in SEQUENCE_TYPES:
        return True
    definition = _definition(ctx, event, table, column)
    if definition is None:
        return False
    return any(
        c.kind == "identity" or (c.kind == "default" and "nextval" in c.calls)
        for c in definition.constraints
    )


def _referenced_runs_out(
    ctx: RuleContext, event: ir.Event, table_name: QName, column: str | None, at: int, depth: int
) -> bool:
    """Whether the referenced column is a key that can run out (unknown: it may)."""
    table = ctx.table(table_name)
    if type(event) is ir.CreateTable and (
        ctx.schema.resolve(event.table) == ctx.schema.resolve(table_name)
    ):
        return _self_referenced_runs_out(ctx, event, column, at)
    if table is None or depth > 3:
        return True
    pk = table.primary_key()
    if column is None:
        if pk is None or at >= len(pk.columns):
            return True
        column = pk.columns[at]
    known = table.columns.get(column)
    if known is None or pk is None or column not in pk.columns or len(pk.columns) == 1:
        return True
    if _fed(ctx, event, table.name, column, known.type):
        return True
    return any(
        _referenced_runs_out(
            ctx,
            event,
            c.ref_table,
            _ref_of(c.ref_columns, c.columns, column),
            c.columns.index(column),
            depth + 1,
        )
        for c in table.live_constraints()
        if c.kind == "foreign-key" and column in c.columns and c.ref_table is not None
    )


def _ref_of(ref_columns: list[str], columns: list[str], column: str) -> str | None:
    at = columns.index(column)
    return ref_columns[at] if at < len(ref_columns) else None


def _self_referenced_runs_out(
    ctx: RuleContext, event: ir.CreateTable, column: str | None, at: int
) -> bool:
    """A foreign key to the table the same CREATE TABLE makes."""
    pks = [c for d in event.columns for c in d.constraints if c.kind == "primary-key"]
    pks += [c for c in event.constraints if c.kind == "primary-key"]
    if not pks:
        return True
    pk_columns = pks[0].columns
    if column is None:
        if at >= len(pk_columns):
            return True
        column = pk_columns[at]
    if len(pk_columns) <= 1 or column not in pk_columns:
        return True
    definition = next((d for d in event.columns if d.name == column), None)
    return _fed(ctx, event, event.table, column, definition.type if definition else None)


def _constrained_columns(event: ir.AddConstraint, ctx: RuleContext) -> tuple[str, ...]:
    constraint = event.constraint
    if constraint.columns or not constraint.using_index:
        return constraint.columns
    table = ctx.table(event.table)
    schema = table.name.schema if table is not None else event.table.schema
    index = ctx.schema.index(QName(schema, constraint.using_index))
    if index is None:
        return ()
    return tuple(c for c in index.columns if c is not None)


def _was_key(table_name: QName, column: str, kind: str, ctx: RuleContext) -> bool:
    """Whether the column already had (or had and dropped) a key constraint of this kind."""
    table = ctx.table(table_name)
    return table is not None and any(
        c.kind == kind and column in c.columns for c in table.constraints
    )


def _type_place(
    typed: tuple[TypeRef, Origin | None, bool], made: Span, ctx: RuleContext
) -> tuple[TypeRef, Span, Origin | None]:
    """Where to report a key made of an existing column: at its type when this migration wrote
    it (this statement: origin None), else at what made it a key (`made`)."""
    type_, origin, here = typed
    if here:
        return type_, type_.span, None
    if origin is not None and origin.file_index == ctx.file_index and origin.path == ctx.path:
        return type_, type_.span, origin
    return type_, made, None


def report(ctx: RuleContext, key: KeyColumn, message: str, hint: str) -> Report:
    """A report at the key's type (in an earlier statement of this migration, when that wrote
    it), naming what made the column a key."""
    if key.origin is None or key.made is None:
        return ctx.report(key.span, message, hint=hint)
    made = Origin(ctx.file_index, ctx.statement.index, ctx.path, key.made)
    related = (RelatedSpan(made, f"made a key here (line {ctx.line_of(key.made.start)})"),)
    return Report(key.span, message, hint, related, key.origin)


def had_key(ctx: RuleContext, key: KeyColumn) -> bool:
    """Whether this migration already made the column a key (of any kind) after writing its
    type: it was reported at the type then, and a report there is made once."""
    table = ctx.table(key.table)
    if table is None or key.origin is None:
        return False
    return any(
        c.kind in KEY_KINDS
        and key.column in c.columns
        and c.origin is not None
        and c.origin.file_index == ctx.file_index
        for c in table.constraints
    )


def _current_type(
    event: ir.Event, column: str, ctx: RuleContext
) -> tuple[TypeRef, Origin | None, bool] | None:
    """The column's type just before `event`, with the statement that wrote it and whether
    that is this one: earlier sub-commands of the same ALTER TABLE first (`ADD COLUMN id int,
    ADD PRIMARY KEY (id)`), then the replayed schema."""
    found: TypeRef | None = None
    table_name = getattr(event, "table", None)
    for earlier in ctx.statement.events if ctx.statement is not None else ():
        if earlier is event:
            break
        if getattr(earlier, "table", None) != table_name:
            continue
        if type(earlier) is ir.AddColumn and earlier.column.name == column:
            found = earlier.column.type
        elif type(earlier) is ir.AlterColumnType and earlier.column == column:
            found = earlier.type
    if found is not None:
        return found, None, True
    table = ctx.table(table_name) if table_name is not None else None
    known = table.columns.get(column) if table is not None else None
    if known is None or known.type is None:
        return None
    return known.type, known.type_origin, False


def text_span(span: Span, ctx: RuleContext, pattern: re.Pattern[bytes]) -> Span:
    """Where `pattern` first matches inside an exact `span` of the file (else `span` itself)."""
    if span.extent != "exact" or span.end <= span.start:
        return span
    match = pattern.search(ctx.text, span.start, span.end)
    return Span(match.start(), match.end()) if match else span
