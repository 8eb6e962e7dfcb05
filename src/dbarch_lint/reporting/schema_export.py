"""The replayed schema as data: JSON for tools, a Mermaid ER diagram for people."""

from __future__ import annotations

from typing import Any

from dbarch_lint.catalog import Schema, Table
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.reporting import to_json


def schema_json(schema: Schema) -> str:
    """Every live table with its columns, constraints and indexes, sorted by name."""
    tables = [_table(t) for t in sorted(schema.tables.values(), key=lambda t: str(t.name))]
    return to_json({"version": 1, "tables": tables})


def _table(table: Table) -> dict[str, Any]:
    return {
        "schema": table.name.schema,
        "name": table.name.name,
        "complete": table.complete,
        "created_in": table.origin.path if table.origin else None,
        "partition_of": str(table.partition_of) if table.partition_of else None,
        "columns": [
            {"name": c.name, "type": str(c.type) if c.type else None, "not_null": c.not_null}
            for c in table.columns.values()
        ],
        "constraints": [
            {
                "name": c.name,
                "kind": c.kind,
                "columns": c.columns,
                "references": (
                    {"table": str(c.ref_table), "columns": c.ref_columns} if c.ref_table else None
                ),
                "validated": c.validated,
            }
            for c in table.live_constraints()
        ],
        "indexes": [
            {
                "name": i.name,
                "columns": [c if c is not None else "(expression)" for c in i.columns],
                "unique": i.unique,
                "method": i.method,
                "partial": i.predicate is not None,
            }
            for i in table.live_indexes()
        ],
    }


def schema_mermaid(schema: Schema) -> str:
    """A Mermaid `erDiagram`: tables with their columns, and one line per foreign key."""
    lines = ["erDiagram"]
    tables = sorted(schema.tables.values(), key=lambda t: str(t.name))
    for table in tables:
        keys = {c for k in table.live_constraints() if k.kind == "primary-key" for c in k.columns}
        foreign = {
            c for k in table.live_constraints() if k.kind == "foreign-key" for c in k.columns
        }
        lines.append(f"    {_entity(table)} {{")
        for column in table.columns.values():
            marks = ",".join(
                m for m, on in (("PK", column.name in keys), ("FK", column.name in foreign)) if on
            )
            kind = (
                str(column.type).replace(" ", "_").replace(",", "_") if column.type else "unknown"
            )
            lines.append(
                f"        {_word(kind)} {_word(column.name)}{' ' + marks if marks else ''}"
            )
        lines.append("    }")
    for table in tables:
        for key in table.live_constraints():
            if key.kind == "foreign-key" and key.ref_table in schema.tables:
                parent = schema.tables[key.ref_table]
                label = quote_ident(key.name).replace('"', "'")
                lines.append(f'    {_entity(parent)} ||--o{{ {_entity(table)} : "{label}"')
    return "\n".join(lines) + "\n"


def _entity(table: Table) -> str:
    name = (
        table.name.name
        if table.name.schema in (None, "public")
        else f"{table.name.schema}.{table.name.name}"
    )
    return _word(name)


def _word(text: str) -> str:
    # Mermaid names allow letters, digits, `_`, `-` and `.`; anything else becomes `_`.
    cleaned = "".join(c if c.isalnum() or c in "_-." else "_" for c in text)
    return cleaned or "_"
