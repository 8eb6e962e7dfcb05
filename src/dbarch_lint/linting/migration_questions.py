"""What a rule asks about what the migration did before and after its statement: is a table,
column, constraint, default or enum value new in it, is a name one it gave, what later
statements do to a column (`RuleContext`'s history questions, a mixin of
`linting/context.py`)."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dbarch_lint.catalog import Origin, Schema, Table
from dbarch_lint.linting.migration_index import (
    RENAME_KINDS,
    TypedColumn,
    columns_by_type,
    created_tables,
    dropped_tables,
    names_column,
    renamed_to,
    retyped_columns,
    same_type,
    table_events,
    type_names,
    written_at,
)
from dbarch_lint.model.ir import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    CreateTable,
    CreateTableAs,
    DropObjects,
    Event,
    QName,
    RenameColumn,
    RenameObject,
    RenameTable,
    Statement,
    TypeRef,
)

if TYPE_CHECKING:
    from dbarch_lint.linting.context import Settings

# Columns every table has without declaring them.
_SYSTEM_COLUMNS = frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"})


class MigrationQuestions:
    """What this migration did before this statement, and does after it."""

    __slots__ = ()

    if TYPE_CHECKING:  # (`RuleContext`'s fields, which these read)
        path: str
        file_index: int
        schema: Schema
        settings: Settings
        statement: Statement
        statements: tuple[Statement, ...]

    def is_new_table(self, name: QName) -> bool:
        """Whether the table was created earlier in this migration (nobody reads it yet).

        A table the replay never saw is an existing table; one this file created and dropped
        again is new (a lock taken on it before the drop was taken on a new table).
        """
        table = self.schema.table(name)
        # Unknown, or known only from an index on it (a materialized view): perhaps created
        # (and dropped again) earlier in this file.
        if table is None or table.origin is None:
            index = self.statement.index
            changes = created_tables(self.statements).get(name.name, ())
            return next((created for at, created in reversed(changes) if at < index), False)
        if table.origin.file_index != self.file_index:
            return False
        # (`may_have_existed` only of a table that may have: most are not, a call saved)
        return not table.maybe_existing or not self.may_have_existed(table)

    def may_have_existed(self, table: Table) -> bool:
        """Whether a table this migration created may have existed with rows before it: made by
        `CREATE TABLE IF NOT EXISTS` of a name the replay had never had (histories retrofitted
        onto running installs write it so; one the history made and dropped is gone), unless
        the config says the history starts from an empty database (`if-not-exists = "new"`) or
        this file dropped the name before."""
        origin = table.origin
        if not table.maybe_existing or origin is None:
            return False
        if self.settings.if_not_exists == "new" or origin.file_index != self.file_index:
            return False
        if origin.path != self.path:
            return False  # (a down migration: what its up migration made counts as new)
        drops = dropped_tables(self.statements).get(table.name.name, ())
        return not any(at < origin.stmt_index for at in drops)

    def _restated(self, table: Table | None, origin: Origin | None) -> bool:
        """Whether `origin` is the `CREATE TABLE IF NOT EXISTS` of a table that may have
        existed (`may_have_existed`): what it defines may have been there before."""
        return (
            table is not None
            and origin is not None
            and table.origin is not None
            and (origin.file_index, origin.stmt_index)
            == (table.origin.file_index, table.origin.stmt_index)
            and self.may_have_existed(table)
        )

    def is_new_column(self, table: QName, column: str) -> bool:
        """Whether the column of a known table was added earlier in this migration (with its
        table, or by ADD COLUMN): nobody reads it yet."""
        known = self.schema.table(table)
        added = known.columns.get(column) if known is not None else None
        origin = added.origin if added is not None else None
        if self._restated(known, origin):
            return False
        return origin is not None and origin.file_index == self.file_index

    def columns_of_type(self, event: Event, *builtins: str) -> tuple[TypedColumn, ...]:
        """The columns `event` (one of `COLUMN_TYPE_EVENTS`) declares or changes to one of the
        built-in types named (as `TypeRef.builtin` names them: `varchar`, `bpchar`, `int4`,
        `serial`, ...), in the order it writes them; arrays of those types included."""
        by_type = columns_by_type(event)
        if by_type.keys().isdisjoint(builtins):  # (most events: none)
            return ()
        if len(builtins) == 1:
            return self._final(event, by_type[builtins[0]])
        found = [by_type[builtin] for builtin in builtins if builtin in by_type]
        if len(found) == 1:
            return self._final(event, found[0])
        typed = tuple(sorted(itertools.chain.from_iterable(found), key=written_at))
        return self._final(event, typed)

    def _final(self, event: Event, typed: tuple[TypedColumn, ...]) -> tuple[TypedColumn, ...]:
        """The columns whose type `event` writes for good: not those a later statement of the
        migration (or a later part of this one) gives another type (a column is judged by its
        state at the end of the migration, where that type is written)."""
        if not typed:
            return typed
        statement, statements = self.statement, self.statements
        if statement is None or (
            not retyped_columns(statements)
            and statement.index < len(statements)
            and statements[statement.index] is statement
        ):
            return typed  # (no type change in the file: `retyped_later` is False of each column)
        # (a list made in one frame: a generator would be resumed for each column)
        return tuple([c for c in typed if not self.retyped_later(event, c[0], c[1], c[2])])

    def retyped_later(self, event: Event, table: QName, column: str, type_: TypeRef) -> bool:
        """Whether, after `event` of this statement, the migration changes the column's type
        from `type_` to another one (before the table or the column goes away or changes its
        name: then it is another object). Restating the type it has changes nothing."""
        statement = self.statement
        if statement is None:
            return False
        statements = self.statements
        if (
            (table.name, column) not in retyped_columns(statements)
            and statement.index < len(statements)
            and statements[statement.index] is statement  # (not a function body's statement)
        ):
            return False  # (no statement of the file changes a column of that name's type)
        events = statement.events
        at = next((i for i, e in enumerate(events) if e is event), len(events))
        resolve = self.schema.resolve
        target = resolve(table)
        later = itertools.chain(events[at + 1 :], self.later_events(target))
        current = type_
        for later_event in later:
            if type(later_event) is DropObjects:
                if later_event.kind == "table" and any(
                    resolve(name) == target for name in later_event.names
                ):
                    return False
                continue
            named = getattr(later_event, "table", None)
            if type(named) is not QName or resolve(named) != target:
                continue
            if type(later_event) is AlterColumnType and later_event.column == column:
                if not same_type(current, later_event.type):
                    return True
                current = later_event.type
            elif type(later_event) is CreateTable and later_event.if_not_exists:
                continue  # (the table exists: it does nothing)
            elif type(later_event) in (CreateTable, CreateTableAs, RenameTable) or (
                names_column(later_event, column)
            ):
                return False
        return False

    def later_events(self, table: QName) -> Iterator[Event]:
        """The events of this file's later statements that name a table of `table`'s
        unqualified name (as the table they act on, or among those they drop): the file's are
        indexed once, so a file of many tables is not walked once a column."""
        naming = table_events(self.statements).get(table.name, ())
        after = bisect.bisect_right(naming, self.statement.index, key=lambda entry: entry[0])
        return (event for _, event in naming[after:])

    def column_absent(self, table: QName, column: str) -> bool:
        """Whether the replay knows the table's whole definition (created in the history) and
        it has no such column, nor does this statement add one of that name: a statement on
        the column fails (or, with IF EXISTS, does nothing), so nothing running reads it."""
        known = self.schema.table(table)
        if known is None or not known.complete or known.origin is None:
            return False
        if column in known.columns or column in _SYSTEM_COLUMNS:
            return False
        return not any(
            getattr(event, "table", None) == table
            and (
                (type(event) is AddColumn and event.column.name == column)
                or (type(event) is RenameColumn and event.new == column)
            )
            for event in self.statement.events
        )

    def constraint_absent(self, table: QName, name: str) -> bool:
        """Whether the replay knows the table's whole definition and it has no live constraint
        of that name (nor does this statement add one): dropping it fails, or does nothing."""
        known = self.schema.table(table)
        if known is None or not known.complete or known.origin is None:
            return False
        if name.endswith("_not_null"):
            return False  # (PostgreSQL 18 names NOT NULL constraints: the replay does not)
        if any(c.name == name for c in known.live_constraints()):
            return False
        return not any(
            getattr(event, "table", None) == table and type(event) is AddConstraint
            for event in self.statement.events
        )

    def restates_type(self, event: Event) -> bool:
        """Whether `event` sets a column's type to the type the replay knows it has (as ORMs
        and re-runnable migrations restate them): convention rules do not judge it again."""
        if type(event) is not AlterColumnType:
            return False
        table = self.schema.table(event.table)
        known = table.columns.get(event.column) if table is not None else None
        return known is not None and known.type is not None and same_type(known.type, event.type)

    def is_new_object(self, kind: str, name: QName, table: QName | None = None) -> bool:
        """Whether an index, view, function, type, sequence, trigger ... (`kind` as in
        `DropObjects`), or a constraint of `table`, was created earlier in this migration
        (renames made since keep its age: it is found under its new name)."""
        if kind in ("constraint", "table constraint") and table is not None:
            return self.is_new_constraint(table, name.name)
        if kind == "index":
            index = self.schema.index(name)
            origin = index.origin if index is not None else None
            if index is not None and self._restated(self.schema.table(index.table), origin):
                return False
        else:
            origin = self.schema.object_origin(kind, name)
        return self._in_this_migration(origin)

    def is_new_constraint(self, table: QName, name: str) -> bool:
        """Whether the constraint of that name on the table was added earlier in this migration
        (with its table, or by ADD CONSTRAINT)."""
        if self.is_new_table(table):
            return True
        known = self.schema.table(table)
        info = known.constraint(name) if known is not None else None
        if info is not None and self._restated(known, info.origin):
            return False
        return info is not None and self._in_this_migration(info.origin)

    def has_default(self, table: QName, column: str) -> bool | None:
        """Whether the column has a default just before this statement (None: the replay does
        not know the column)."""
        known = self.schema.table(table)
        if known is None:
            return None
        if column in known.defaults:
            return True
        return False if column in known.columns else None

    def is_new_default(self, table: QName, column: str) -> bool:
        """Whether the column's default was set earlier in this migration on a column that had
        none before it (Django's AddField sets one and drops it): no running code relies on it.
        A default that was there before the migration and only changed in it is not new."""
        if self.is_new_table(table) or self.is_new_column(table, column):
            return True
        known = self.schema.table(table)
        origin = known.defaults.get(column) if known is not None else None
        return not self._restated(known, origin) and self._in_this_migration(origin)

    def is_new_enum_value(self, type_name: QName, value: str) -> bool:
        """Whether the enum label was added earlier in this migration (with its type, or by
        `ADD VALUE`; a `RENAME VALUE` since keeps its age)."""
        added = self.schema.enum_values.get(type_name.name, {}).get(value)
        if not self.is_new_object("type", type_name):
            return self._in_this_migration(added)
        created = self.schema.object_origin("type", type_name)
        if created is None or created.path != self.path or added != created:
            return True  # (or added by ADD VALUE after the CREATE)
        # A type created in place of one this file renamed away or dropped (rename the old
        # enum, create the new one, move the column over) has labels running code uses.
        return not any(
            (type(event) is RenameObject or type(event) is DropObjects)
            and event.kind == "type"
            and type_name.name in type_names(event)
            for statement in self.statements[: created.stmt_index]
            for event in statement.events
        )

    def is_renamed_here(self, kind: str, name: str, table: QName | None = None) -> bool:
        """Whether an earlier statement of this migration gave the name to what has it (a
        table, column, constraint, view, ..., `enum value` of type `table`): running code never
        used that name, so a rename away from it breaks nothing (the first rename did).
        Columns, constraints and enum values go by the table's or type's name."""
        key = (RENAME_KINDS.get(kind, kind), f"{table.name}.{name}" if table else name)
        return any(at < self.statement.index for at in renamed_to(self.statements).get(key, ()))

    def _in_this_migration(self, origin: Origin | None) -> bool:
        return origin is not None and origin.file_index == self.file_index
