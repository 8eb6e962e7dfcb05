"""What a Prisma user changes in `schema.prisma` for a finding: Prisma Migrate generates the SQL
from the schema, so a hand edit of the SQL is undone (or fought) by the next `prisma migrate dev`.
Rules add this to their SQL hint where the runner is Prisma (`prisma_hint`), the SQL hint stays.

The attributes are Prisma's (schema reference, "Model field scalar types" and "Attributes"):
`@map` / `@@map` / `map:` name the database object, `@default(autoincrement())` on `BigInt`
makes a bigserial, `@db.*` native types pick the column type (`String` alone is `text`,
`DateTime` alone is `timestamp(3)`, `Json` alone is `jsonb`), `@@index` declares an index.
"""

from __future__ import annotations

_HINTS = {
    # facts: name (the snake_case name), what (table, column, index, constraint, ...)
    "table-name": 'keep the model and map it: `@@map("{name}")`',
    "column-name": 'keep the field and map it: `@map("{name}")`',
    "object-name": 'name it with `map: "{name}"` on its `@id`, `@unique`, `@@index` or `@relation`',
    # facts: none
    "key": "`BigInt @id @default(autoincrement())` (Prisma has no identity columns)",
    "foreign-key": "`BigInt` for the relation's scalar field (and the key it references)",
    # facts: n
    "varchar": "`String` without `@db.VarChar({n})` (text), and a length check in the code",
    "char": "`String` without `@db.Char(n)` (text)",
    "timestamp": "`DateTime @db.Timestamptz(3)`",
    "money": "`Decimal @db.Decimal(12, 2)` (pick the precision the amounts need)",
    "json": "`Json` without `@db.Json` (jsonb)",
    # facts: columns (the index's columns, comma-separated)
    "redundant-index": "remove the `@@index([{columns}])` (or `@@unique`) that declares it",
    "fk-index": "add `@@index([{columns}])` to the model",
}

KINDS = tuple(_HINTS)


def prisma_hint(runner: str, kind: str, **facts: str) -> str:
    """The schema.prisma change to add to a hint ("; in schema.prisma, ..."), or "" where the
    runner is not Prisma."""
    if runner != "prisma":
        return ""
    return f"; in schema.prisma, {_HINTS[kind].format(**facts)}, then `prisma migrate dev`"


def prisma_name_kind(what: str) -> str:
    """The hint kind for renaming an object of this kind (DBA208's words)."""
    return {"table": "table-name", "column": "column-name"}.get(what, "object-name")
