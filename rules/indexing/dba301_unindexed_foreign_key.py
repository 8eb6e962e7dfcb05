"""DBA301 unindexed-foreign-key."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.catalog import ConstraintInfo, Index, Schema, Table
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, SchemaContext, SchemaRule, Severity, prisma_hint


class UnindexedForeignKey(SchemaRule):
    """A foreign key whose columns do not lead any index of the referencing table.

    ## What it does
    At the end of the replay of every migration, flags each foreign key whose columns are not the
    leading columns (in any order) of a btree index on the referencing table. A primary key or
    unique constraint counts as an index. A partial index counts only when its predicate is
    nothing but `col IS NOT NULL` tests on the key's columns; expression indexes and other index
    methods (gist, gin, hash, ...) do not count. An index created by a later migration satisfies
    the rule.

    ## Why is this bad?
    PostgreSQL indexes the referenced key, never the referencing columns. Every `DELETE` of a
    parent row, and every update of its key, must find the child rows: without an index that is a
    sequential scan of the child table, run once per parent row and while holding locks. With
    `ON DELETE CASCADE` the scan is hidden inside an innocent-looking delete. Joins from parent to
    child need the same index.

    ## Example
    ```sql
    CREATE TABLE customers (id bigint PRIMARY KEY);
    CREATE TABLE orders (
        id bigint PRIMARY KEY,
        customer_id bigint NOT NULL
            CONSTRAINT orders_customer_id_fkey REFERENCES customers (id) ON DELETE CASCADE
    );
    ```

    ## Use instead
    ```sql
    CREATE TABLE customers (id bigint PRIMARY KEY);
    CREATE TABLE orders (
        id bigint PRIMARY KEY,
        customer_id bigint NOT NULL
            CONSTRAINT orders_customer_id_fkey REFERENCES customers (id) ON DELETE CASCADE
    );
    CREATE INDEX orders_customer_id_idx ON orders (customer_id);
    ```

    ## Known limits
    Whether an index built with `CONCURRENTLY` ended up valid cannot be known from the files; it
    is taken as valid. A table the replay never saw created is not checked: its indexes may exist
    outside the history. On a partitioned table, an index on any partition is taken as enough.

    ## References
    - PostgreSQL documentation, "Foreign Keys" (5.4.5): "it is often a good idea to index the
      referencing columns too"
    """

    code = "DBA301"
    name = "unindexed-foreign-key"
    family = "indexing"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING

    def check(self, ctx: SchemaContext) -> Iterator[Report]:
        schema = ctx.schema
        for table in list(schema.tables.values()):
            if table.origin is None:
                continue
            indexes = _candidate_indexes(schema, table)
            for fk in table.live_constraints():
                if fk.kind != "foreign-key" or not ctx.reported(fk.origin) or not fk.columns:
                    continue
                if any(_covers(index, fk.columns) for index in indexes):
                    continue
                yield _report(ctx, table, fk)


def _candidate_indexes(schema: Schema, table: Table) -> list[Index]:
    """The table's live indexes, plus those of its parent or partitions (shared in effect)."""
    indexes = table.live_indexes()
    if table.partition_of is not None:
        parent = schema.tables.get(table.partition_of)
        indexes += parent.live_indexes() if parent else []
    if table.partitioned:
        for other in schema.tables.values():
            if other.partition_of == table.name:
                indexes += other.live_indexes()
    return indexes


def _covers(index: Index, columns: list[str]) -> bool:
    """Whether the index can find the rows of a foreign key on `columns` by equality."""
    if index.method != "btree" or len(index.columns) < len(columns):
        return False
    leading = index.columns[: len(columns)]
    if None in leading or set(leading) != set(columns):
        return False
    if index.predicate is None:
        return True
    # `fk IS NOT NULL` skips only rows that no referenced key can match.
    tested = index.predicate_not_null
    return tested is not None and tested <= set(columns)


def _report(ctx: SchemaContext, table: Table, fk: ConstraintInfo) -> Report:
    assert fk.origin is not None
    columns = ", ".join(quote_ident(c) for c in fk.columns)
    name = quote_ident(ctx.schema.invented_index_name(table.name, fk.columns))
    table_name = ctx.schema.shown(table.name)
    if table.partitioned:  # PostgreSQL refuses CONCURRENTLY on a partitioned table
        hint = (
            f"index the referencing columns: `CREATE INDEX {name} ON ONLY {table_name} "
            f"({columns});`, then build each partition's index with CREATE INDEX CONCURRENTLY "
            f"and `ALTER INDEX {name} ATTACH PARTITION` it"
        )
    else:
        statement = f"CREATE INDEX CONCURRENTLY {name} ON {table_name} ({columns});"
        hint = f"index the referencing columns: `{statement}`"
    parent = f" of {ctx.schema.shown(fk.ref_table)}" if fk.ref_table else ""
    return ctx.report(
        fk.origin,
        f"Foreign key {quote_ident(fk.name)} on {table_name} ({columns}) has no index leading "
        f"with its columns: each delete or key update{parent} scans {table_name}",
        hint=hint + prisma_hint(ctx.runner(fk.origin), "fk-index", columns=", ".join(fk.columns)),
        span=fk.constraint.span,
    )
