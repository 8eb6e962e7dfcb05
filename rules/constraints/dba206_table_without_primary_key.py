"""DBA206 table-without-primary-key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from dbarch_lint.catalog import Index, Schema, Table, make_object_name
from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, SchemaContext, SchemaRule, Severity


class TableWithoutPrimaryKey(SchemaRule):
    """A table that has no primary key once every migration has run.

    ## What it does
    At the end of the replay of every migration, flags each table created in the history that
    still has no PRIMARY KEY. A key added by a later `ALTER TABLE ... ADD PRIMARY KEY` (in any
    migration, as `pg_dump` does) counts. `CREATE TABLE ... AS` tables are flagged too, unless a
    key is added later. Partitions (the partitioned parent carries the key), temporary tables and
    foreign tables (which cannot have one) are exempt; views are not tables. The finding points at
    the CREATE TABLE. A table whose key conditional DDL may have added (a `DO` block or a MySQL
    procedure adds it in one branch only) is not flagged: whether it has one is not known.

    ## Why is this bad?
    Without a primary key, rows cannot be addressed reliably: duplicates creep in and cannot be
    deleted one at a time, ORMs cannot update a row, and logical replication (and tools built on
    it: `pg_repack`, blue/green upgrades, CDC pipelines) cannot replicate `UPDATE` or `DELETE` on
    the table; PostgreSQL rejects them unless a replica identity is configured.

    ## Example
    ```sql
    CREATE TABLE audit_events (occurred_at timestamptz NOT NULL, payload jsonb NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT audit_events_pkey PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        payload jsonb NOT NULL
    );
    ```

    ## Known limits
    A table created with `LIKE other INCLUDING INDEXES` (or `INCLUDING ALL`) copies the other
    table's key, which the replay does not follow: such tables are not checked.

    ## References
    - PostgreSQL documentation, "Logical Replication", "Publication": tables without a replica
      identity cannot publish UPDATE and DELETE
    """

    code = "DBA206"
    name = "table-without-primary-key"
    family = "constraints"
    severity = Severity.WARNING

    def check(self, ctx: SchemaContext) -> Iterator[Report]:
        for table in ctx.schema.tables.values():
            created = table.created_by
            if table.origin is None or created is None or not ctx.reported(table.origin):
                continue
            if not _needs_key(table, created):
                continue
            if table.primary_key() is not None or not table.constraints_known:
                continue  # (or conditional DDL may have added one)
            yield ctx.report(
                table.origin,
                f"Table {ctx.schema.shown(table.name)} has no primary key at the end of the "
                "migrations",
                hint=_hint(ctx.schema, table),
                span=created.span,
            )


def _needs_key(table: Table, created: ir.CreateTable | ir.CreateTableAs) -> bool:
    if table.temporary or table.partition_of is not None:
        return False
    if type(created) is ir.CreateTableAs:
        return not created.materialized
    created = cast("ir.CreateTable", created)  # (type(created) is, above: a miss is costly)
    return not (created.foreign or created.like or created.temporary)


def _hint(schema: Schema, table: Table) -> str:
    """Suggest the obvious key: a unique index or constraint over NOT NULL columns, an `id`."""
    name = schema.shown(table.name)
    pkey = quote_ident(make_object_name(table.name.name, None, "pkey"))
    if table.partitioned:
        return (
            f"add one that includes the partition key columns: `ALTER TABLE {name} "
            f"ADD CONSTRAINT {pkey} PRIMARY KEY (<partition key columns>, ...);`"
        )
    index = _promotable_index(table)
    if index is not None and index.constraint is None:
        shown_index = schema.shown_index(table.name, index.name)
        return (
            f"promote the unique index {shown_index}: `ALTER TABLE {name} "
            f"ADD CONSTRAINT {pkey} PRIMARY KEY USING INDEX {shown_index};`"
        )
    key = ["id"] if "id" in table.columns else None
    if index is not None and key is None:  # behind a UNIQUE constraint, which keeps its index
        key = [c for c in index.columns if c is not None]
    if key is not None:
        listed = ", ".join(schema.shown_column(table.name, c) for c in key)
        return f"add one: `ALTER TABLE {name} ADD CONSTRAINT {pkey} PRIMARY KEY ({listed});`"
    if not table.complete:  # columns not known (CREATE TABLE AS)
        return f"add one: `ALTER TABLE {name} ADD CONSTRAINT {pkey} PRIMARY KEY (<key columns>);`"
    return (
        f"add one, e.g. `ALTER TABLE {name} ADD COLUMN id bigint GENERATED ALWAYS AS "
        f"IDENTITY CONSTRAINT {pkey} PRIMARY KEY;`"
    )


def _promotable_index(table: Table) -> Index | None:
    """A plain unique btree index on NOT NULL columns (one not behind a constraint first)."""
    columns = table.columns
    indexes = sorted(table.live_indexes(), key=lambda i: i.constraint is not None)
    for index in indexes:
        keys = index.columns
        if not (index.unique and index.method == "btree" and index.predicate is None and keys):
            continue
        if all(k is not None and k in columns and columns[k].not_null for k in keys):
            return index
    return None
