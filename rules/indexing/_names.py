"""Names as a user would write them in a suggested statement."""

from __future__ import annotations

from collections.abc import Sequence

from dbarch_lint.ir import QName, quote_ident
from dbarch_lint.schema import MAX_IDENTIFIER_BYTES, Schema, Table


def shown(schema: Schema, name: QName) -> str:
    """`name` quoted, schema-qualified only when the unqualified name would find another table."""
    table = schema.table(QName(None, name.name))
    if table is not None and table.name == name:
        return quote_ident(name.name)
    if name.schema is None or (table is None and schema.resolve(QName(None, name.name)) == name):
        return quote_ident(name.name)
    return str(name)


def shown_name(schema: Schema, table: Table) -> str:
    """A table's name as a statement run with the final search_path must write it."""
    return shown(schema, table.name)


def index_name(schema: Schema, table: Table, columns: Sequence[str]) -> str:
    """`<table>_<columns>_idx`, quoted, at most 63 bytes, not clashing with another relation."""
    base = f"{table.name.name}_{'_'.join(columns)}_idx"
    taken = {q.name for q in schema.relations if q.schema == table.name.schema}
    name, counter = _truncate(base, ""), 0
    while name in taken:
        counter += 1
        name = _truncate(base, str(counter))
    return quote_ident(name)


def _truncate(base: str, suffix: str) -> str:
    # PostgreSQL truncates longer names (with only a NOTICE); do it here at a character boundary.
    limit = MAX_IDENTIFIER_BYTES - len(suffix)
    encoded = base.encode("utf-8")
    if len(encoded) > limit:
        base = encoded[:limit].decode("utf-8", errors="ignore")
    return base + suffix
