"""MySQL names as the history wrote them: what a statement made or renamed takes the
statement's spelling (`Statement.spellings`), which `SchemaState.shown` and its kin show.

The catalog's names stay folded, so lookups ignore case as MySQL does for columns and indexes
everywhere and for tables where `lower_case_table_names` is 1 or 2 (MySQL 8.0 Reference Manual,
11.2.3 "Identifier Case Sensitivity",
https://dev.mysql.com/doc/refman/8.0/en/identifier-case-sensitivity.html); only the display
keeps the case, the first CREATE's (or the last RENAME's), which the server finds under any
setting.
"""

from __future__ import annotations

from dbarch_lint.catalog.records import Origin, Table
from dbarch_lint.catalog.state import SchemaState
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName


def record(schema: SchemaState, statement: ir.Statement, origin: Origin) -> None:
    """Take the spellings of what `statement` (replayed at `origin`) made or renamed."""
    written = dict(statement.spellings)

    def spell(name: QName, key: QName) -> QName:
        return QName(
            written.get(name.schema, name.schema) if name.schema else key.schema,
            written.get(name.name, name.name),
        )

    for event in statement.events:
        if isinstance(event, ir.RenameTable):
            table = schema.table(QName(event.table.schema, event.new))
            if table is not None:
                schema.spelt[table.name] = spell(QName(event.table.schema, event.new), table.name)
                _made(schema, table, origin, written, None)
        elif isinstance(event, ir.RenameColumn):
            table = schema.table(event.table)
            column = table.columns.get(event.new) if table is not None else None
            if table is not None and column is not None:
                table = schema.writable_table(table)
                found = schema.writable_column(table, event.new)
                if found is not None:
                    found.spelt = written.get(event.new, event.new)
        elif isinstance(event, ir.RenameObject) and event.kind == "index":
            index = schema.index(QName(event.name.schema, event.new))
            if index is not None:
                key = QName(index.table.schema, index.name)
                schema.spelt[key] = spell(QName(event.name.schema, event.new), key)
                if index.constraint is not None:
                    info = schema.writable_constraint(None, index.constraint, index.table)
                    info.spelt = written.get(event.new, event.new)
        elif isinstance(event, ir.RenameObject) and event.kind == "constraint" and event.table:
            table = schema.table(event.table)
            named = table.constraint(event.new) if table is not None else None
            if table is not None and named is not None:
                table = schema.writable_table(table)
                schema.writable_constraint(table, named).spelt = written.get(event.new, event.new)
        else:
            name = getattr(event, "table", None)
            table = schema.table(name) if isinstance(name, QName) else None
            if isinstance(name, QName) and table is not None:
                _made(schema, table, origin, written, spell(name, table.name))


def _made(
    schema: SchemaState,
    table: Table,
    origin: Origin,
    written: dict[str, str],
    spelt: QName | None,
) -> None:
    """Spell `table` (as `spelt`) if the statement at `origin` made it or it has no spelling
    yet, and what that statement
    added to it: columns, constraints, indexes (the replay made those at `origin`: they are
    this state's own, a fork's too)."""
    if spelt is not None and (table.origin == origin or table.name not in schema.spelt):
        schema.spelt[table.name] = spelt  # (made here, or a table the replay never saw made)
    for column in table.columns.values():
        if column.origin == origin:
            column.spelt = written.get(column.name, column.name)
    for info in table.constraints:
        if info.origin == origin:
            info.spelt = written.get(info.name, info.name)
    for index in table.indexes:
        if index.origin == origin:
            key = QName(table.name.schema, index.name)
            schema.spelt[key] = QName(key.schema, written.get(index.name, index.name))
