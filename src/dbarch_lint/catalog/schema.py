"""The schema timeline: every migration replayed in order into tables, columns, constraints and
indexes, each remembering where it was created and dropped.

Statement rules see the schema as it is just before their statement (the replay is live while
they run); schema rules see the end state and, through `created`/`dropped`, the whole history.
Unknown stays unknown: a table the replay never saw created is a placeholder with
`complete = False`, and rules do not guess about it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Container, Sequence
from typing import Any, TypeVar

import msgspec
from msgspec import field

from dbarch_lint.catalog import naming
from dbarch_lint.catalog.records import Column, ConstraintInfo, Index, Origin, Table
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, quote_ident

_T = TypeVar("_T")


class Schema:
    """The replayed schema. `apply` moves it forward one statement."""

    def __init__(self) -> None:
        self.search_path: tuple[str, ...] = ("public",)
        self.default_access_method: str | None = (
            None  # SET default_table_access_method (None: heap)
        )
        self.tables: dict[QName, Table] = {}  # live, by resolved name
        self.relations: dict[QName, str] = {}  # live relation names -> kind (index, view, ...)
        self.indexes: dict[QName, Index] = {}  # live, by resolved name
        self.types: dict[QName, str] = {}
        self.domain_checks: dict[QName, int] = {}  # domain -> its CHECK and NOT NULL constraints
        # Views, functions, types, sequences, triggers ...: where each was created, by kind and
        # unqualified name (what the compatibility rules ask: "created in this migration?").
        self.objects: dict[tuple[str, str], Origin] = {}
        # Functions and procedures by unqualified name: SECURITY DEFINER, and the search_path
        # they set (None: none), as their last CREATE or ALTER left them.
        self.function_security: dict[str, tuple[bool, tuple[str, ...] | None]] = {}
        # Referenced table -> the tables that may hold a foreign key to it (an ordered set, and a
        # superset: renames and drops leave names behind, so `_referencing` checks each).
        self._referrers: dict[QName, dict[QName, None]] = {}
        # In a fork: this fork's own versions of the objects it has changed or created (see
        # `fork`). None: the schema owns every object it holds.
        self._own: _Own | None = None

    # --- lookups -------------------------------------------------------------------------

    def resolve(self, name: QName) -> QName:
        """The schema-qualified name a CREATE of `name` makes."""
        if name.schema is not None:
            return name
        schema = next((s for s in self.search_path if s not in ("$user", "pg_temp")), "public")
        return QName(schema, name.name)

    def _visible(self, known: Container[QName], name: QName) -> QName | None:
        """The name in `known` that `name` refers to (following search_path), if any."""
        if name.schema is not None:
            return name if name in known else None
        for schema in self.search_path:
            qualified = QName(schema, name.name)
            if qualified in known:
                return qualified
        return None

    def table(self, name: QName) -> Table | None:
        """The live table `name` refers to (following search_path), if the replay knows it."""
        found = self._visible(self.tables, name)
        # (else where a CREATE of the name would have put it: a search_path of only pg_temp)
        return self.tables.get(found or self.resolve(name))

    def object_origin(self, kind: str, name: QName) -> Origin | None:
        """Where a live view, function, type, sequence, trigger ... of that name was created."""
        return self.objects.get((kind, name.name))

    def index(self, name: QName) -> Index | None:
        """The live index `name` refers to."""
        found = self._visible(self.indexes, name)
        return self.indexes[found] if found is not None else None

    def _table_or_placeholder(self, name: QName) -> Table:
        """The table `name` refers to, ready to change; a placeholder when the replay has none."""
        table = self.table(name)
        if table is None:
            table = Table(self.resolve(name), None, complete=False)
            self._add_table(table)
            return table
        return self._writable(table)

    def _add_table(self, table: Table) -> None:
        self.tables[table.name] = table
        self.relations[table.name] = "table"
        if self._own is not None:
            self._own.tables[id(table)] = table

    # --- forks ---------------------------------------------------------------------------

    def fork(self) -> Schema:
        """A copy to replay into without changing this schema (a down migration).

        Copy-on-write: the fork shares every table, column, constraint and index with this
        schema until it first changes one, and then changes a copy of its own. This schema must
        not change while the fork is in use.
        """
        other = Schema()
        other.search_path = self.search_path
        other.default_access_method = self.default_access_method
        other.tables = dict(self.tables)
        other.relations = dict(self.relations)
        other.indexes = dict(self.indexes)
        other.types = dict(self.types)
        other.domain_checks = dict(self.domain_checks)
        other.objects = dict(self.objects)
        other.function_security = dict(self.function_security)
        other._referrers = {name: dict(tables) for name, tables in self._referrers.items()}
        other._own = _Own()
        return other

    # Each `_writable...` gives the version of an object this schema may change: the object
    # itself, or in a fork its own copy (made on the first change, and put where the original
    # was). A table's copy starts with copies of its containers only (the dict of columns and
    # the lists of constraints and indexes); their members are copied as they change.

    def _writable(self, table: Table) -> Table:
        own = self._own
        if own is None:
            return table
        mine = own.tables.get(id(table))
        if mine is None:
            mine = _clone(table)
            mine.columns = dict(table.columns)
            mine.constraints = list(table.constraints)
            mine.indexes = list(table.indexes)
            own.tables[id(table)] = own.tables[id(mine)] = mine
            if self.tables.get(table.name) is table:
                self.tables[table.name] = mine
        return mine

    def _writable_column(self, table: Table, name: str) -> Column | None:
        """Column `name` of `table` (a writable table)."""
        column = table.columns.get(name)
        own = self._own
        if own is None or column is None or id(column) in own.columns:
            return column
        mine = table.columns[name] = _clone(column)
        own.columns[id(mine)] = mine
        return mine

    def _writable_constraint(
        self, table: Table | None, info: ConstraintInfo, near: QName | None = None
    ) -> ConstraintInfo:
        """A constraint of `table` (a writable table; None: find the table that holds it, trying
        table `near` first)."""
        own = self._own
        if own is None:
            return info
        mine = own.constraints.get(id(info))
        if mine is None:
            if table is None:
                holder = self._holder(near, lambda t: t.constraints, info)
                if holder is not None:
                    return self._writable_constraint(self._writable(holder), info)
            mine = own.constraints[id(info)] = _clone(info)
            own.constraints[id(mine)] = mine
            if table is not None:
                _replace(table.constraints, info, mine)
                for index in table.indexes:
                    if index.constraint is info:
                        self._writable_index(table, index).constraint = mine
        return mine

    def _writable_index(self, table: Table | None, index: Index) -> Index:
        """An index of `table` (a writable table; None: find the table that holds it)."""
        own = self._own
        if own is None:
            return index
        mine = own.indexes.get(id(index))
        if mine is None:
            if table is None:
                holder = self._holder(index.table, lambda t: t.indexes, index)
                if holder is not None:
                    return self._writable_index(self._writable(holder), index)
            mine = own.indexes[id(index)] = _clone(index)
            own.indexes[id(mine)] = mine
            if table is not None:
                _replace(table.indexes, index, mine)
            key = QName(index.table.schema, index.name)
            if self.indexes.get(key) is index:
                self.indexes[key] = mine
        return mine

    def _holder(
        self, near: QName | None, items: Callable[[Table], Sequence[object]], item: object
    ) -> Table | None:
        """The live table whose `items` hold `item` (table `near` is tried first)."""
        first = self.tables.get(near) if near is not None else None
        candidates = [first] if first is not None else []
        for table in [*candidates, *self.tables.values()]:
            if any(held is item for held in items(table)):
                return table
        return None

    # --- replay --------------------------------------------------------------------------

    def apply(self, statement: ir.Statement, origin: Origin) -> None:
        """Replay one statement."""
        events = statement.events
        if len(events) > 1 and statement.kind == "AlterTableStmt":
            # PostgreSQL runs an ALTER TABLE's drops before its other sub-commands (its
            # AT_PASS_DROP), so `DROP CONSTRAINT t_pkey, ADD PRIMARY KEY ...` names the new key
            # t_pkey again.
            events = tuple(sorted(events, key=lambda e: not isinstance(e, _DROPS)))
        for event in events:
            handler = _HANDLERS.get(type(event))
            if handler is not None:
                handler(self, event, origin)

    def _create_table(self, event: ir.CreateTable, origin: Origin) -> None:
        name = self.resolve(event.table)
        if name in self.tables and (event.if_not_exists or self.tables[name].origin is not None):
            if event.if_not_exists:
                return
            # PostgreSQL would refuse to create it again, so the replay missed a drop (a CASCADE,
            # a partition dropped with its parent, a DO block): the new definition wins.
            self._drop_table(self._writable(self.tables[name]), origin)
        complete = not event.like and not event.of_type
        table = Table(
            name,
            origin,
            complete,
            partitioned=event.partitioned,
            temporary=event.temporary,
            unlogged=event.unlogged,
            access_method=event.access_method or self.default_access_method,
            created_by=event,
        )
        parents = ((event.partition_of,) if event.partition_of else ()) + event.inherits
        for parent_name in parents:
            parent = self.table(parent_name)
            if parent is None or not parent.complete:
                table.complete = False
            else:
                for column in parent.columns.values():
                    self._add_column_to(
                        table, Column(column.name, column.type, column.not_null, origin)
                    )
        if event.partition_of is not None:
            table.partition_of = self.resolve(event.partition_of)
        self._add_table(table)
        for definition in event.columns:
            self._add_column(table, definition, origin)
        for constraint in event.constraints:
            self._add_constraint(table, constraint, origin)

    def _add_column(self, table: Table, column: ir.ColumnDef, origin: Origin) -> None:
        known = table.columns.get(column.name)
        not_null = any(
            c.kind in ("not-null", "primary-key", "identity") for c in column.constraints
        )
        if known is not None and column.type is None:  # partition column WITH OPTIONS
            known = self._writable_column(table, column.name)
            assert known is not None
            known.not_null = known.not_null or not_null
        else:
            self._add_column_to(table, Column(column.name, column.type, not_null, origin))
        for constraint in column.constraints:
            if constraint.kind in ("primary-key", "unique", "check", "foreign-key", "exclude"):
                self._add_constraint(table, constraint, origin)

    def _add_column_to(self, table: Table, column: Column) -> None:
        table.columns[column.name] = column
        if self._own is not None:
            self._own.columns[id(column)] = column

    def _set_not_null(self, table: Table, names: list[str]) -> None:
        for name in names:
            column = self._writable_column(table, name)
            if column is not None:
                column.not_null = True

    def constraint_name(
        self, table: QName, constraint: ir.Constraint, freed: Container[str] = ()
    ) -> str:
        """The name a constraint added to `table` now gets: its own, or PostgreSQL's invention
        (`freed`: names of constraints the same statement drops first)."""
        known = self.table(table) or Table(self.resolve(table), None, complete=False)
        return constraint.name or self._generated_constraint_name(
            known, constraint.kind, naming.named_columns(constraint), freed
        )

    def _add_constraint(self, table: Table, constraint: ir.Constraint, origin: Origin) -> None:
        columns = naming.named_columns(constraint)
        name = constraint.name or self._generated_constraint_name(table, constraint.kind, columns)
        ref_table = None
        if constraint.ref_table is not None:
            referenced = self.table(constraint.ref_table)
            ref_table = referenced.name if referenced else self.resolve(constraint.ref_table)
        info = ConstraintInfo(
            name=name,
            kind=constraint.kind,
            columns=columns,
            constraint=constraint,
            origin=origin,
            validated=not constraint.not_valid,
            ref_table=ref_table,
            ref_columns=list(constraint.ref_columns),
        )
        if constraint.kind == "foreign-key" and not info.ref_columns and ref_table is not None:
            referenced = self.tables.get(ref_table)
            pk = referenced.primary_key() if referenced else None
            info.ref_columns = list(pk.columns) if pk else []
        table.constraints.append(info)
        if ref_table is not None:
            self._referrers.setdefault(ref_table, {})[table.name] = None
        if self._own is not None:
            self._own.constraints[id(info)] = info
        if constraint.kind == "primary-key":
            self._set_not_null(table, columns)
        if constraint.kind in naming.INDEX_BACKED:
            if constraint.using_index:
                index = self.index(QName(table.name.schema, constraint.using_index))
                if index is not None:
                    index = self._writable_index(None, index)
                    self._rename_index(index, name)
                    index.constraint = info
                    info.columns = [c for c in index.columns if c is not None]
                    if constraint.kind == "primary-key":
                        self._set_not_null(table, info.columns)
                    return
            index = Index(
                name=name,
                table=table.name,
                columns=list(columns),
                unique=constraint.kind != "exclude",
                method="btree" if constraint.kind != "exclude" else "gist",
                predicate=None,
                predicate_not_null=None,
                origin=origin,
                constraint=info,
                include=list(constraint.include),
                mentions=set(constraint.include),
            )
            self._register_index(table, index)

    def _generated_constraint_name(
        self, table: Table, kind: ir.ConstraintKind, columns: list[str], freed: Container[str] = ()
    ) -> str:
        constraints = {c.name for c in table.live_constraints() if c.name not in freed}
        relations = _Without(self.relation_names(table.name.schema), freed)
        return naming.invented_constraint_name(
            table.name.name, kind, columns, constraints, relations
        )

    def invented_index_name(self, table: QName, keys: Sequence[str]) -> str:
        """The name PostgreSQL gives an unnamed index on `table` (a resolved name):
        `<table>_<keys>_idx`, numbered on a clash (`keys`: `IndexElem.name_part`s)."""
        parts = list(keys) or ["expr"]
        return naming.choose_name(
            table.name, "_".join(parts), "idx", self.relation_names(table.schema)
        )

    def relation_names(self, schema: str | None) -> Container[str]:
        """The names taken in a schema's relation namespace (tables, indexes, views, ...)."""
        return _RelationNames(self.relations, schema)

    def shown(self, name: QName) -> str:
        """A table name as a statement must write it under the current search_path: quoted where
        needed, schema-qualified only when the unqualified name would find another table."""
        table = self.table(QName(None, name.name))
        if table is not None and table.name == name:
            return quote_ident(name.name)
        if name.schema is None or (table is None and self.resolve(QName(None, name.name)) == name):
            return quote_ident(name.name)
        return str(name)

    def _register_index(self, table: Table, index: Index) -> None:
        table.indexes.append(index)
        if self._own is not None:
            self._own.indexes[id(index)] = index
        key = QName(table.name.schema, index.name)
        self.indexes[key] = index
        self.relations[key] = "index"

    def _rename_index(self, index: Index, new: str) -> None:
        old_key = QName(index.table.schema, index.name)
        self.indexes.pop(old_key, None)
        self.relations.pop(old_key, None)
        index.name = new
        key = QName(index.table.schema, new)
        self.indexes[key] = index
        self.relations[key] = "index"

    def _drop_index(self, index: Index, origin: Origin) -> None:
        index.dropped = origin
        key = QName(index.table.schema, index.name)
        self.indexes.pop(key, None)
        self.relations.pop(key, None)

    def _create_index(self, event: ir.CreateIndex, origin: Origin) -> None:
        table = self._table_or_placeholder(event.table)
        schema = table.name.schema
        if event.name and event.if_not_exists and QName(schema, event.name) in self.relations:
            return
        columns: list[str | None] = [e.column for e in event.elems]
        name = event.name
        if not name:
            name = self.invented_index_name(table.name, [e.name_part for e in event.elems])
        index = Index(
            name=name,
            table=table.name,
            columns=columns,
            unique=event.unique,
            method=event.method,
            predicate=event.predicate,
            predicate_not_null=event.predicate_not_null,
            origin=origin,
            key_options=[e.options for e in event.elems],
            include=list(event.include),
            nulls_not_distinct=event.nulls_not_distinct,
            mentions={
                *(c for e in event.elems for c in e.expression_columns),
                *event.include,
                *event.predicate_columns,
            },
        )
        self._register_index(table, index)

    def _drop_table(self, table: Table, origin: Origin) -> None:
        table.dropped = origin
        self.tables.pop(table.name, None)
        self.relations.pop(table.name, None)
        for index in table.live_indexes():
            self._drop_index(self._writable_index(table, index), origin)
        for constraint in table.live_constraints():
            self._writable_constraint(table, constraint).dropped = origin

    def _drop(self, event: ir.DropObjects, origin: Origin) -> None:
        for name in event.names:
            self.objects.pop((event.kind, name.name), None)
            if event.kind in ("function", "procedure"):
                self.function_security.pop(name.name, None)
            if event.kind in ("table", "foreign table"):
                table = self.table(name)
                if table is not None:
                    self._drop_table(self._writable(table), origin)
            elif event.kind == "index":
                index = self.index(name)
                if index is not None:
                    self._drop_index(self._writable_index(None, index), origin)
            elif event.kind == "schema":
                for table in [t for t in self.tables.values() if t.name.schema == name.name]:
                    self._drop_table(self._writable(table), origin)
                for key in [k for k in self.relations if k.schema == name.name]:
                    self.relations.pop(key, None)
                    self.indexes.pop(key, None)
            elif event.kind in ("type", "domain"):
                self.types.pop(self.resolve(name), None)
            else:
                self.relations.pop(self.resolve(name), None)

    def _alter(self, event: _TableEvent, origin: Origin) -> None:
        table = self._table_or_placeholder(event.table)
        if isinstance(event, ir.AddColumn):
            if not (event.if_not_exists and event.column.name in table.columns):
                self._add_column(table, event.column, origin)
        elif isinstance(event, ir.DropColumn):
            table.columns.pop(event.column, None)
            for constraint in table.live_constraints():
                if event.column in constraint.columns:
                    self._writable_constraint(table, constraint).dropped = origin
            for index in table.live_indexes():
                if event.column in index.columns or event.column in index.mentions:
                    self._drop_index(self._writable_index(table, index), origin)
        elif isinstance(event, ir.AlterColumnType):
            column = self._writable_column(table, event.column)
            if column is not None:
                column.type = event.type
        elif isinstance(event, (ir.SetNotNull, ir.DropNotNull)):
            column = self._writable_column(table, event.column)
            if column is not None:
                column.not_null = isinstance(event, ir.SetNotNull)
        elif isinstance(event, ir.AddConstraint):
            self._add_constraint(table, event.constraint, origin)
        elif isinstance(event, ir.DropConstraint):
            dropped = table.constraint(event.name)
            if dropped is not None:
                dropped = self._writable_constraint(table, dropped)
                dropped.dropped = origin
                for index in table.live_indexes():
                    if index.constraint is dropped:
                        self._drop_index(self._writable_index(table, index), origin)
        elif isinstance(event, ir.ValidateConstraint):
            validated = table.constraint(event.name)
            if validated is not None:
                self._writable_constraint(table, validated).validated = True
        elif isinstance(event, ir.RenameColumn):
            self._rename_column(table, event.old, event.new)
        elif isinstance(event, ir.RenameTable):
            self.tables.pop(table.name, None)
            self.relations.pop(table.name, None)
            old = table.name
            table.name = QName(old.schema, event.new)
            self.tables[table.name] = table
            self.relations[table.name] = "table"
            for info in table.constraints:
                if info.ref_table is not None:
                    self._referrers.setdefault(info.ref_table, {})[table.name] = None
            for other in self._referencing(old):
                for info in other.constraints:
                    if _refers_to(info, old):
                        self._writable_constraint(other, info).ref_table = table.name
                self._referrers.setdefault(table.name, {})[other.name] = None
            for index in table.indexes:
                self._writable_index(table, index).table = table.name

    def _rename_column(self, table: Table, old: str, new: str) -> None:
        column = self._writable_column(table, old)
        if column is not None:
            del table.columns[old]
            column.name = new
            table.columns[new] = column
        # (Only the constraints and indexes that name the column change.)
        for info in table.constraints:
            if old in info.columns:
                info = self._writable_constraint(table, info)
                info.columns = [new if c == old else c for c in info.columns]
        for index in table.indexes:
            if old in index.columns or old in index.include or old in index.mentions:
                index = self._writable_index(table, index)
                index.columns = [new if c == old else c for c in index.columns]
                index.include = [new if c == old else c for c in index.include]
                if old in index.mentions:
                    index.mentions = (index.mentions - {old}) | {new}
        for other in self._referencing(table.name, old):
            for info in other.constraints:
                if _refers_to(info, table.name) and old in info.ref_columns:
                    info = self._writable_constraint(other, info)
                    info.ref_columns = [new if c == old else c for c in info.ref_columns]

    def _referencing(self, name: QName, column: str | None = None) -> list[Table]:
        """The live tables with a constraint that references table `name` (and its `column`, if
        given), ready to change."""
        found: list[Table] = []
        for referrer in self._referrers.get(name, ()):
            table = self.tables.get(referrer)
            if table is not None and any(
                _refers_to(info, name) and (column is None or column in info.ref_columns)
                for info in table.constraints
            ):
                found.append(table)
        return [self._writable(table) for table in found]

    def _rename_object(self, event: ir.RenameObject, origin: Origin) -> None:
        if event.kind == "index":
            index = self.index(event.name)
            if index is not None:
                index = self._writable_index(None, index)
                self._rename_index(index, event.new)
                if index.constraint is not None:
                    info = self._writable_constraint(None, index.constraint, index.table)
                    index.constraint = info
                    info.name = event.new
        elif event.kind == "constraint" and event.table is not None:
            table = self.table(event.table)
            constraint = table.constraint(event.name.name) if table else None
            if constraint is not None and table is not None:
                table = self._writable(table)
                constraint = self._writable_constraint(table, constraint)
                constraint.name = event.new
                for index in table.live_indexes():
                    if index.constraint is constraint:
                        self._rename_index(self._writable_index(table, index), event.new)
        elif event.kind in ("function", "procedure"):
            security = self.function_security.pop(event.name.name, None)
            if security is not None:
                self.function_security[event.new] = security

    def _set(self, event: ir.SetParameter, origin: Origin) -> None:
        if event.name == "search_path":
            values = tuple(v.strip().strip('"') for v in event.value or ("public",))
            self.search_path = tuple(v for v in values if v) or ("public",)
        elif event.name == "default_table_access_method":
            self.default_access_method = event.value[0].strip().strip('"') if event.value else None

    def _create_as(self, event: ir.CreateTableAs, origin: Origin) -> None:
        name = self.resolve(event.table)
        if event.materialized:
            self.relations[name] = "materialized view"
            self.objects[("materialized view", name.name)] = origin
            return
        table = Table(name, origin, complete=False, temporary=event.temporary, created_by=event)
        self._add_table(table)

    def _table_action(self, event: ir.AlterTableAction, origin: Origin) -> None:
        if event.objtype != "table":
            return
        # An attached partition shares its parent's keys and indexes. (A detached one keeps the
        # copies it was given, so DETACH leaves the link in place.)
        if event.action == "AttachPartition" and event.partition:
            child, parent = self.table(event.partition), self.table(event.table)
            if child is not None and child is not parent:
                child = self._writable(child)
                child.partition_of = parent.name if parent else self.resolve(event.table)
        elif event.action in ("SetLogged", "SetUnLogged", "SetAccessMethod"):
            table = self.table(event.table)
            if table is not None:
                table = self._writable(table)
                if event.action == "SetAccessMethod":
                    table.access_method = event.column
                else:
                    table.unlogged = event.action == "SetUnLogged"

    def _create_view(self, event: ir.CreateView, origin: Origin) -> None:
        self.relations[self.resolve(event.view)] = "view"
        self.objects.setdefault(("view", event.view.name), origin)  # (OR REPLACE keeps it)

    def _create_function(self, event: ir.CreateFunction, origin: Origin) -> None:
        kind = "procedure" if event.procedure else "function"
        self.objects.setdefault((kind, event.name.name), origin)
        self.function_security[event.name.name] = (event.security_definer, event.search_path)

    def _alter_function(self, event: ir.AlterFunction, origin: Origin) -> None:
        definer, search_path = self.function_security.get(event.name.name, (False, None))
        if event.security_definer is not None:
            definer = event.security_definer
        if event.search_path is not None:
            search_path = event.search_path
        self.function_security[event.name.name] = (definer, search_path)

    def _create_object(self, event: ir.CreateObject, origin: Origin) -> None:
        self.objects.setdefault((event.kind, event.name.name), origin)
        name = self.resolve(event.name)
        if event.kind == "sequence":
            self.relations[name] = "sequence"
        elif event.kind in ("type", "domain"):
            self.types[name] = event.kind
            if event.kind == "type":
                self.relations[name] = "type"
            else:
                self.domain_checks[name] = event.checks

    def _alter_domain(self, event: ir.AlterDomain, origin: Origin) -> None:
        name = self._visible(self.types, event.name)
        if name in self.domain_checks and event.action != "other":
            change = 1 if event.action == "add-check" else -1
            self.domain_checks[name] = max(0, self.domain_checks[name] + change)

    def domain_constrained(self, type_ref: ir.TypeRef) -> bool | None:
        """Whether a type is a domain whose values are checked (None: the replay does not know
        the type; False: a known type that is no such domain)."""
        names = type_ref.names
        if not names:
            return None
        name = self._visible(self.types, QName(names[-2] if len(names) > 1 else None, names[-1]))
        return self.domain_checks.get(name, 0) > 0 if name is not None else None

    def _create_enum(self, event: ir.CreateEnum, origin: Origin) -> None:
        self.types[self.resolve(event.name)] = "enum"
        self.objects.setdefault(("type", event.name.name), origin)


def _refers_to(info: ConstraintInfo, table: QName) -> bool:
    return (
        info.ref_table is not None and info.ref_table.name == table.name and info.ref_table == table
    )


class _RelationNames:
    """`name in names`: whether a relation of that name lives in one schema (no copying)."""

    def __init__(self, relations: dict[QName, str], schema: str | None) -> None:
        self.relations, self.schema = relations, schema

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and QName(self.schema, name) in self.relations


class _Without:
    """A namespace without some of its names (those a statement frees before it adds)."""

    def __init__(self, names: Container[str], freed: Container[str]) -> None:
        self.names, self.freed = names, freed

    def __contains__(self, name: object) -> bool:
        return name in self.names and name not in self.freed


class _Own(msgspec.Struct):
    """A fork's own objects, by id: its copies (under the ids of the originals too, so that a
    reference to a shared original finds the copy) and the objects it created."""

    tables: dict[int, Table] = field(default_factory=dict)
    columns: dict[int, Column] = field(default_factory=dict)
    constraints: dict[int, ConstraintInfo] = field(default_factory=dict)
    indexes: dict[int, Index] = field(default_factory=dict)


def _replace(items: list[_T], old: _T, new: _T) -> None:
    """Put `new` where `old` is in `items` (found by identity)."""
    for position, item in enumerate(items):
        if item is old:
            items[position] = new
            return


def _clone(obj: _T) -> _T:
    """A shallow copy of a table, column, constraint or index."""
    return copy.copy(obj)


_DROPS = (ir.DropColumn, ir.DropConstraint)
_TableEvent = (
    ir.AddColumn
    | ir.DropColumn
    | ir.AlterColumnType
    | ir.SetNotNull
    | ir.DropNotNull
    | ir.AddConstraint
    | ir.DropConstraint
    | ir.ValidateConstraint
    | ir.RenameColumn
    | ir.RenameTable
)
_HANDLERS: dict[type[ir.Event], Callable[[Schema, Any, Origin], None]] = {
    ir.CreateTable: Schema._create_table,
    ir.CreateTableAs: Schema._create_as,
    ir.CreateView: Schema._create_view,
    ir.AlterTableAction: Schema._table_action,
    ir.CreateIndex: Schema._create_index,
    ir.DropObjects: Schema._drop,
    ir.RenameObject: Schema._rename_object,
    ir.SetParameter: Schema._set,
    ir.CreateObject: Schema._create_object,
    ir.AlterDomain: Schema._alter_domain,
    ir.CreateEnum: Schema._create_enum,
    ir.CreateFunction: Schema._create_function,
    ir.AlterFunction: Schema._alter_function,
    **{
        cls: Schema._alter
        for cls in (
            ir.AddColumn,
            ir.DropColumn,
            ir.AlterColumnType,
            ir.SetNotNull,
            ir.DropNotNull,
            ir.AddConstraint,
            ir.DropConstraint,
            ir.ValidateConstraint,
            ir.RenameColumn,
            ir.RenameTable,
        )
    },
}
