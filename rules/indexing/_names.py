"""Names as a user would write them in a suggested statement."""

from __future__ import annotations

from collections.abc import Sequence

from dbarch_lint.ir import QName, quote_ident
from dbarch_lint.naming import choose_name
from dbarch_lint.schema import Schema, Table


def shown(schema: Schema, name: QName) -> str:
    """A table name as a statement run with the final search_path must write it."""
    return schema.shown(name)


def shown_name(schema: Schema, table: Table) -> str:
    """A table's name as a statement run with the final search_path must write it."""
    return schema.shown(table.name)


def index_name(schema: Schema, table: Table, columns: Sequence[str]) -> str:
    """The name PostgreSQL would give the index (`<table>_<columns>_idx`), quoted."""
    taken = schema.relation_names(table.name.schema)
    return quote_ident(choose_name(table.name.name, "_".join(columns), "idx", taken))
