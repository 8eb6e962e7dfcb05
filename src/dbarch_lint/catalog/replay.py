"""The replay: applying each IR event of a statement to the schema state.

One handler per kind of event, found by the event's type (`HANDLERS`); an event no handler knows
leaves the schema as it was. The handlers for tables and columns are in `replay_tables.py`,
those for constraints and indexes in `replay_keys.py`; those for every other kind of object (and
for drops and renames of any kind) are here. A handler adds a table, column, constraint or index
only through the state's `add_*`, and changes one only once `writable_*` has given it the
version it may change; so the same handler replays into the schema and into a copy-on-write fork
of it (`fork.py`).

The replay never refuses a statement PostgreSQL would refuse: it keeps what the statement most
likely meant (a table created twice: the replay missed a drop, and the new definition wins).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from dbarch_lint.catalog import spelling
from dbarch_lint.catalog.records import Origin
from dbarch_lint.catalog.replay_keys import KEY_HANDLERS, drop_index, rename_index, skipped
from dbarch_lint.catalog.replay_tables import TABLE_HANDLERS, drop_table
from dbarch_lint.catalog.state import SchemaState
from dbarch_lint.model import ir
from dbarch_lint.model.ir import SERIAL_BASE_TYPES, QName

# PostgreSQL runs an ALTER TABLE's drops before its other sub-commands (its AT_PASS_DROP), so
# `DROP CONSTRAINT t_pkey, ADD PRIMARY KEY ...` names the new key t_pkey again.
_DROPS = (ir.DropColumn, ir.DropConstraint)
_DROP_OBJECTS = ir.DropObjects  # (names a drop gives are not remembered: see `seen`)


def apply(schema: SchemaState, statement: ir.Statement, origin: Origin) -> None:
    """Replay one statement into `schema`."""
    events = statement.events
    if len(events) > 1 and statement.kind == "AlterTableStmt":
        events = tuple(sorted(events, key=lambda e: type(e) not in _DROPS))
    handlers, seen = HANDLERS, schema.seen  # (the same set all along: handlers add to it)
    for event in events:
        kind = type(event)
        handler = handlers.get(kind)
        if handler is not None:
            handler(schema, event, origin)
        if kind is not _DROP_OBJECTS:
            _remember(seen, event)
    if statement.spellings:
        spelling.record(schema, statement, origin)


_NAMING_STRINGS = ("name", "new", "using_index")
_UNIONS = (typing.Union, types.UnionType)
_NAMELESS = (bool, int, float, ir.Span, type(None))


_VISITED: dict[type, tuple[str, ...]] = {}


def _fields_to_visit(kind: type) -> tuple[str, ...]:
    """The fields of a struct type that may hold a name (not flags, numbers or spans; of the
    plain strings, only a name it makes): `_remember` looks only at those."""
    known = _VISITED.get(kind)
    if known is not None:
        return known
    found = []
    for info in msgspec.structs.fields(kind):
        args = typing.get_args(info.type) if typing.get_origin(info.type) in _UNIONS else ()
        kinds = args or (info.type,)
        if all(k in _NAMELESS or _plain(k) for k in kinds):
            continue
        if all(k in (str, type(None)) for k in kinds) and info.name not in _NAMING_STRINGS:
            continue
        found.append(info.name)
    _VISITED[kind] = tuple(found)
    return _VISITED[kind]


def _plain(kind: Any) -> bool:
    """Whether values of a field type hold no name `_remember` takes: a Literal (a keyword), or
    a tuple or frozenset of strings or numbers (column names: not relations, types or
    sequences)."""
    origin = typing.get_origin(kind)
    if origin is typing.Literal:
        return True
    return origin in (tuple, frozenset) and all(
        a in (str, int, Ellipsis) for a in typing.get_args(kind)
    )


def _remember(seen: set[str], value: Any) -> None:
    """Add the names an event makes or names (tables it alters, types it uses, the sequence a
    serial or identity column owns, ...) to `seen`."""
    # (every event of the replay comes here: the usual kinds are told apart by `type() is`,
    # much cheaper than a chain of isinstance calls; anything else goes the general way)
    fields = _VISITED.get(type(value))
    if fields is None:
        fields = _fields_to_visit(type(value))
    for field in fields:
        item = getattr(value, field)
        kind = type(item)
        if item is None or kind is ir.Span:
            continue
        if kind is QName:
            seen.add(item.name)
        elif kind is str:
            if field in _NAMING_STRINGS:
                seen.add(item)
        elif kind is ir.TypeRef:
            if item.names:
                seen.add(item.names[-1])
        elif kind is tuple:
            for member in item:
                member_kind = type(member)
                if member_kind is QName:
                    seen.add(member.name)
                elif member_kind is ir.ColumnDef:
                    _remember_column(seen, member)
                elif member_kind is ir.Constraint:
                    _remember_constraint(seen, member)
                elif _VISITED.get(member_kind) != () and hasattr(member, "__struct_fields__"):
                    _remember(seen, member)  # (not a record with no field to visit: IndexElem)
        elif kind is ir.ColumnDef:
            _remember_column(seen, item)
        elif kind is ir.Constraint:
            _remember_constraint(seen, item)
        else:
            _remember_other(seen, field, item)
    kind = type(value)
    if kind is ir.CreateTable or kind is ir.AddColumn:
        table = value.table
        if isinstance(table, QName):
            columns = value.columns if kind is ir.CreateTable else (value.column,)
            for column in columns:
                type_ = column.type
                owns = type_ is not None and type_.builtin in SERIAL_BASE_TYPES
                if not owns:
                    for constraint in column.constraints:  # (`column.get`, without a generator)
                        if constraint.kind == "identity":
                            owns = True
                            break
                if owns:
                    seen.add(f"{table.name}_{column.name}_seq")


# The fields `_remember` visits of the two records most events hold many of, written out: a
# call per column and per constraint is much of its cost (tests/test_replay_names.py keeps
# these in step with `_fields_to_visit`).
COLUMN_FIELDS = ("name", "type", "constraints")
CONSTRAINT_FIELDS = ("name", "ref_table", "using_index")


def _remember_column(seen: set[str], column: ir.ColumnDef) -> None:
    """`_remember` of a ColumnDef."""
    seen.add(column.name)
    type_ = column.type
    if type_ is not None and type_.names:
        seen.add(type_.names[-1])
    for constraint in column.constraints:
        if type(constraint) is ir.Constraint:
            _remember_constraint(seen, constraint)
        else:
            _remember(seen, constraint)


def _remember_constraint(seen: set[str], constraint: ir.Constraint) -> None:
    """`_remember` of a Constraint."""
    if constraint.name is not None:
        seen.add(constraint.name)
    if constraint.ref_table is not None:
        seen.add(constraint.ref_table.name)
    if constraint.using_index is not None:
        seen.add(constraint.using_index)


def _remember_other(seen: set[str], field: str, item: Any) -> None:
    """`_remember` of a field's value of an unusual type (a subclass, a struct)."""
    if isinstance(item, QName):
        seen.add(item.name)
    elif isinstance(item, str):
        if field in _NAMING_STRINGS:
            seen.add(item)
    elif isinstance(item, ir.TypeRef):
        if item.names:
            seen.add(item.names[-1])
    elif isinstance(item, tuple):
        for member in item:
            if isinstance(member, QName):
                seen.add(member.name)
            elif hasattr(member, "__struct_fields__"):
                _remember(seen, member)
    elif hasattr(item, "__struct_fields__") and not isinstance(item, ir.Span):
        _remember(seen, item)


def skips(schema: SchemaState, event: ir.Event) -> bool:
    """Whether `event` is an `IF NOT EXISTS` of what the schema has: the replay skips it, as
    the server does (with a notice)."""
    return skipped(schema, event)


# --- any kind of object ------------------------------------------------------------------


def _drop(schema: SchemaState, event: ir.DropObjects, origin: Origin) -> None:
    for name in event.names:
        schema.objects.pop((event.kind, name.name), None)
        if event.kind in ("function", "procedure"):
            schema.function_security.pop(name.name, None)
        if event.kind in ("table", "foreign table"):
            table = schema.table(name)
            if table is not None:
                drop_table(schema, schema.writable_table(table), origin)
        elif event.kind == "index":
            index = schema.index(name)
            if index is not None:
                drop_index(schema, schema.writable_index(None, index), origin)
        elif event.kind == "schema":
            for table in [t for t in schema.tables.values() if t.name.schema == name.name]:
                drop_table(schema, schema.writable_table(table), origin)
            for key in [k for k in schema.relations if k.schema == name.name]:
                schema.relations.pop(key, None)
                schema.indexes.pop(key, None)
        elif event.kind in ("type", "domain"):
            schema.types.pop(schema.resolve(name), None)
            schema.enum_values.pop(name.name, None)
        else:
            schema.relations.pop(schema.resolve(name), None)


def _rename_object(schema: SchemaState, event: ir.RenameObject, origin: Origin) -> None:
    # An object keeps its age under its new name (one created in this migration is still new).
    created = schema.objects.pop((event.kind, event.name.name), None)
    if created is not None:
        schema.objects[(event.kind, event.new)] = created
    if event.kind in ("type", "domain"):
        _rename_type(schema, event)
    if event.kind == "index":
        index = schema.index(event.name)
        if index is not None:
            index = schema.writable_index(None, index)
            rename_index(schema, index, event.new)
            if index.constraint is not None:
                info = schema.writable_constraint(None, index.constraint, index.table)
                index.constraint = info
                info.name = event.new
    elif event.kind == "constraint" and event.table is not None:
        table = schema.table(event.table)
        constraint = table.constraint(event.name.name) if table else None
        if constraint is not None and table is not None:
            table = schema.writable_table(table)
            constraint = schema.writable_constraint(table, constraint)
            constraint.name = event.new
            for index in table.live_indexes():
                if index.constraint is constraint:
                    rename_index(schema, schema.writable_index(table, index), event.new)
    elif event.kind in ("function", "procedure"):
        security = schema.function_security.pop(event.name.name, None)
        if security is not None:
            schema.function_security[event.new] = security


def _rename_type(schema: SchemaState, event: ir.RenameObject) -> None:
    old = schema.visible(schema.types, event.name)
    if old is not None:
        new = QName(old.schema, event.new)
        schema.types[new] = schema.types.pop(old)
        if old in schema.domain_checks:
            schema.domain_checks[new] = schema.domain_checks.pop(old)
        if schema.relations.pop(old, None) is not None:
            schema.relations[new] = "type"
    values = schema.enum_values.pop(event.name.name, None)
    if values is not None:
        schema.enum_values[event.new] = values


def _create_object(schema: SchemaState, event: ir.CreateObject, origin: Origin) -> None:
    schema.objects.setdefault((event.kind, event.name.name), origin)
    name = schema.resolve(event.name)
    if event.kind == "sequence":
        schema.relations[name] = "sequence"
    elif event.kind in ("type", "domain"):
        schema.types[name] = event.kind
        if event.kind == "type":
            schema.relations[name] = "type"
        else:
            schema.domain_checks[name] = event.checks


def _create_view(schema: SchemaState, event: ir.CreateView, origin: Origin) -> None:
    schema.relations[schema.resolve(event.view)] = "view"
    schema.objects.setdefault(("view", event.view.name), origin)  # (OR REPLACE keeps it)


def _create_enum(schema: SchemaState, event: ir.CreateEnum, origin: Origin) -> None:
    schema.types[schema.resolve(event.name)] = "enum"
    schema.objects.setdefault(("type", event.name.name), origin)
    values = schema.enum_labels(event.name.name)
    for value in event.values:
        values.setdefault(value, origin)


def _alter_enum(schema: SchemaState, event: ir.AlterEnum, origin: Origin) -> None:
    values = schema.enum_labels(event.name.name)
    if event.old_value is None:  # ADD VALUE (IF NOT EXISTS keeps one it has)
        values.setdefault(event.new_value, origin)
    elif event.old_value in values:  # RENAME VALUE: the label keeps its age
        values[event.new_value] = values.pop(event.old_value)


def _alter_domain(schema: SchemaState, event: ir.AlterDomain, origin: Origin) -> None:
    name = schema.visible(schema.types, event.name)
    if name in schema.domain_checks and event.action != "other":
        change = 1 if event.action == "add-check" else -1
        schema.domain_checks[name] = max(0, schema.domain_checks[name] + change)


def _create_function(schema: SchemaState, event: ir.CreateFunction, origin: Origin) -> None:
    kind = "procedure" if event.procedure else "function"
    schema.objects.setdefault((kind, event.name.name), origin)
    schema.function_security[event.name.name] = (event.security_definer, event.search_path)


def _alter_function(schema: SchemaState, event: ir.AlterFunction, origin: Origin) -> None:
    definer, search_path = schema.function_security.get(event.name.name, (False, None))
    if event.security_definer is not None:
        definer = event.security_definer
    if event.search_path is not None:
        search_path = event.search_path
    schema.function_security[event.name.name] = (definer, search_path)


def _set(schema: SchemaState, event: ir.SetParameter, origin: Origin) -> None:
    if event.name == "search_path":
        values = tuple(v.strip().strip('"') for v in event.value or ("public",))
        schema.search_path = tuple(v for v in values if v) or ("public",)
    elif event.name == "default_table_access_method":
        schema.default_access_method = event.value[0].strip().strip('"') if event.value else None


HANDLERS: dict[type[ir.Event], Callable[[SchemaState, Any, Origin], None]] = {
    **TABLE_HANDLERS,
    **KEY_HANDLERS,
    ir.DropObjects: _drop,
    ir.RenameObject: _rename_object,
    ir.CreateObject: _create_object,
    ir.CreateView: _create_view,
    ir.CreateEnum: _create_enum,
    ir.AlterEnum: _alter_enum,
    ir.AlterDomain: _alter_domain,
    ir.CreateFunction: _create_function,
    ir.AlterFunction: _alter_function,
    ir.SetParameter: _set,
}
