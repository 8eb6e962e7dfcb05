"""DBA302 redundant-index."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from dbarch_lint.catalog import Index, Origin, Schema
from dbarch_lint.model.ir import QName
from dbarch_lint.rule import RelatedSpan, Report, SchemaContext, SchemaRule, Severity, prisma_hint

# Methods whose multicolumn indexes serve a search on their leading columns as well as a
# single-column index would. Others (gist, hash, spgist, ...) are compared for exact duplicates.
PREFIX_METHODS = frozenset({"btree"})


class RedundantIndex(SchemaRule):
    """An index made redundant by another index on the same table.

    ## What it does
    At the end of the replay, flags an index whose keys are a leading prefix of (or equal to) the
    keys of another live index on the same table with the same method and the same predicate,
    when the other index also has every other property the first one offers: a unique index is
    redundant only to a unique index on exactly the same keys, and `INCLUDE` columns must be
    covered. An index backing a PRIMARY KEY or UNIQUE constraint is not reported (it cannot be
    dropped on its own), but it can make another index redundant; except a UNIQUE constraint on
    exactly the primary key's columns, which the key already enforces (Prisma writes one for an
    `@id @unique` field): its hint drops the constraint. Of two exact duplicates, the later one
    is reported. The finding names both and points at the later of the two: the statement that
    made an index redundant (the redundant index's creation when it came last, else the
    covering index's); two indexes of one MySQL CREATE TABLE at the redundant index's own line
    (its `KEY`, `UNIQUE INDEX` or `PRIMARY KEY`).

    ## Why is this bad?
    Every index is written on each insert, on each update of its keys (and blocks HOT updates),
    vacuumed, and kept in memory, while a btree on `(a, b)` already serves every search that one
    on `(a)` could. The redundant index costs write throughput, disk and cache for nothing.

    ## Example
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, created_at timestamptz);
    CREATE INDEX orders_customer_id_created_at_idx ON orders (customer_id, created_at);
    CREATE INDEX orders_customer_id_idx ON orders (customer_id);
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, created_at timestamptz);
    CREATE INDEX orders_customer_id_created_at_idx ON orders (customer_id, created_at);
    ```

    ## Known limits
    Indexes with an expression key, and those of EXCLUDE constraints, are not compared, nor are
    indexes on relations the replay never saw created (such as materialized views). Keys must
    match in operator class, collation and ordering. Only btree indexes are compared by prefix;
    for other methods only exact duplicates are reported.

    ## References
    - PostgreSQL documentation, "Multicolumn Indexes" (11.3)
    """

    code = "DBA302"
    name = "redundant-index"
    family = "indexing"
    severity = Severity.WARNING

    def check(self, ctx: SchemaContext) -> Iterator[Report]:
        for table in list(ctx.schema.tables.values()):
            if table.origin is None:
                continue  # never created in the replay (e.g. a materialized view): unknown history
            indexes = [i for i in table.live_indexes() if _comparable(i)]
            if not any(ctx.reported(i.origin) for i in indexes):
                continue  # (a report goes where one of the two indexes was made)
            # (only an index whose keys begin with this one's can cover it: that test first,
            # among the indexes with the same first key, without a call for each other index)
            by_first_key: dict[str | None, list[Index]] = {}
            for index in indexes:
                if index.columns:
                    by_first_key.setdefault(index.columns[0], []).append(index)
            covers: dict[int, list[Index]] = {}
            for index in indexes:
                keys = index.columns
                width = len(keys)
                covers[id(index)] = [
                    o
                    for o in (by_first_key[keys[0]] if keys else indexes)
                    if o.columns[:width] == keys and _redundant(index, o)
                ]
            for index in indexes:
                # Name a cover that stays: covering is transitive, so one exists.
                cover = next(
                    (o for o in covers[id(index)] if not covers[id(o)]),
                    next(iter(covers[id(index)]), None),
                )
                if cover is not None and ctx.reported(_later(index, cover)):
                    yield _report(ctx, table.name, index, cover)


def _report(ctx: SchemaContext, table: QName, index: Index, cover: Index) -> Report:
    """At the later of the two: the statement that made an index redundant."""
    assert index.origin is not None
    name = ctx.schema.shown(QName(table.schema, index.name))
    here, there = _where(index), _where(cover)
    schema, own = ctx.schema, ctx.schema.shown_index(table, index.name)
    mysql = ctx.dialect(index.origin) == "mysql"
    if _place(there) > _place(here):
        at, related = there, RelatedSpan(here, f"the redundant index {own}")
    else:
        at, related = (
            here,
            RelatedSpan(there, f"the covering index {schema.shown_index(table, cover.name)}"),
        )
    return ctx.report(
        at,
        f"Index {own} on {ctx.schema.shown(table)} ({_keys(schema, table, index)}) is "
        f"redundant: it {_relation(index, cover)} {_describe(schema, table, cover)} "
        f"({_keys(schema, table, cover)})",
        hint=(
            f"drop it: `DROP INDEX {own} ON {ctx.schema.shown(table)};`"
            if mysql
            else f"drop it: `ALTER TABLE {ctx.schema.shown(table)} DROP CONSTRAINT {own};`"
            if index.constraint is not None
            else f"drop it: `DROP INDEX CONCURRENTLY {name};`"
        )
        + prisma_hint(ctx.runner(index.origin), "redundant-index", columns=_fields(index)),
        related=[related],
    )


def _later(index: Index, cover: Index) -> Origin:
    """The origin of the later of the two statements (where the report goes)."""
    assert index.origin is not None and cover.origin is not None
    return cover.origin if _place(cover.origin) > _place(index.origin) else index.origin


def _place(origin: Origin) -> tuple[int, int]:
    """The statement (two indexes of one CREATE TABLE: the redundant one's own line)."""
    return origin.file_index, origin.stmt_index


def _where(index: Index) -> Origin:
    """Where an index was created: its constraint's clause, its line of a CREATE TABLE (MySQL's
    `KEY`), or its CREATE INDEX."""
    assert index.origin is not None
    if index.constraint is not None and index.constraint.origin == index.origin:
        return msgspec.structs.replace(index.origin, span=index.constraint.constraint.span)
    if index.span is not None:
        return msgspec.structs.replace(index.origin, span=index.span)
    return index.origin


def _comparable(index: Index) -> bool:
    """Plain-column keys only; an exclusion constraint's keys are not modelled precisely."""
    excluding = index.constraint is not None and index.constraint.kind == "exclude"
    return index.origin is not None and None not in index.columns and not excluding


def _redundant(index: Index, other: Index) -> bool:
    """Whether `other` makes `index` unnecessary."""
    if other is index or other.name == index.name:
        return False  # (two live indexes of one name: the replay missed a drop)
    if index.constraint is not None and not _unique_as_primary_key(index, other):
        return False
    if (index.method, index.predicate) != (other.method, other.predicate):
        return False
    width = len(index.columns)
    if width > len(other.columns) or (
        width < len(other.columns) and index.method not in PREFIX_METHODS
    ):
        return False
    if index.columns != other.columns[:width] or _options(index, width) != _options(other, width):
        return False
    if not set(index.include) <= {*other.columns, *other.include}:
        return False
    if index.unique and not (other.unique and width == len(other.columns)):
        return False
    if index.nulls_not_distinct and not other.nulls_not_distinct:
        return False
    if _same_keys(index, other) and _redundant_reversed(index, other):
        return _keep_first(other, index)
    return True


def _unique_as_primary_key(index: Index, other: Index) -> bool:
    """Whether `index` backs a UNIQUE constraint on exactly the primary key's columns (Prisma
    writes one for an `@id @unique` field on MySQL): the key already enforces it."""
    return (
        index.constraint is not None
        and index.constraint.kind == "unique"
        and other.constraint is not None
        and other.constraint.kind == "primary-key"
        and index.columns == other.columns
    )


def _redundant_reversed(index: Index, other: Index) -> bool:
    """For equal keys: whether `index` would also make `other` unnecessary (exact duplicates)."""
    return (
        other.unique <= index.unique
        and set(other.include) <= {*index.columns, *index.include}
        and other.nulls_not_distinct <= index.nulls_not_distinct
    )


def _keep_first(keep: Index, drop: Index) -> bool:
    """Of two duplicates, keep the one backing a constraint, else the older one."""
    if keep.constraint is not None:
        return True
    assert keep.origin is not None and drop.origin is not None
    return keep.origin < drop.origin


def _relation(index: Index, cover: Index) -> str:
    if not _same_keys(index, cover):
        return "is a leading prefix of"
    if index.unique == cover.unique and set(index.include) == set(cover.include):
        return "duplicates"
    return "has the same keys as"


def _same_keys(index: Index, other: Index) -> bool:
    return len(index.columns) == len(other.columns)


def _options(index: Index, width: int) -> list[str | None]:
    return [index.key_options[i] if i < len(index.key_options) else None for i in range(width)]


def _keys(schema: Schema, table: QName, index: Index) -> str:
    keys = ", ".join(schema.shown_column(table, c or "?") for c in index.columns)
    return keys + (
        f") INCLUDE ({', '.join(schema.shown_column(table, c) for c in index.include)}"
        if index.include
        else ""
    )


def _describe(schema: Schema, table: QName, index: Index) -> str:
    name = schema.shown_index(table, index.name)
    if index.constraint is not None and index.constraint.kind == "primary-key":
        return f"the primary key {name}"
    if index.constraint is not None:
        return f"the unique constraint {name}"
    return f"{'unique ' if index.unique else ''}index {name}"


def _fields(index: Index) -> str:
    """The index's columns as a schema.prisma `@@index` lists them (its field names, as far as
    the columns are not `@map`ped)."""
    return ", ".join(c if c is not None else "..." for c in index.columns)
