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

from collections.abc import Callable
from typing import Any

from dbarch_lint.catalog import spelling
from dbarch_lint.catalog.records import Origin
from dbarch_lint.catalog.replay_keys import KEY_HANDLERS, drop_index, rename_index, skipped
from dbarch_lint.catalog.replay_tables import TABLE_HANDLERS, drop_table
from dbarch_lint.catalog.state import SchemaState
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName

# PostgreSQL runs an ALTER TABLE's drops before its other sub-commands (its AT_PASS_DROP), so
# `DROP CONSTRAINT t_pkey, ADD PRIMARY KEY ...` names the new key t_pkey again.
_DROPS = (ir.DropColumn, ir.DropConstraint)


def apply(schema: SchemaState, statement: ir.Statement, origin: Origin) -> None:
    """Replay one statement into `schema`."""
    events = statement.events
    if len(events) > 1 and statement.kind == "AlterTableStmt":
        events = tuple(sorted(events, key=lambda e: type(e) not in _DROPS))
    handlers, applied = HANDLERS, schema.unremembered.append  # (its names: when `seen` is asked)
    for event in events:
        handler = handlers.get(type(event))
        if handler is not None:
            handler(schema, event, origin)
        applied(event)
    if statement.spellings:
        spelling.record(schema, statement, origin)


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
