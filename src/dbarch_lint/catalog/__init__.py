"""The replayed schema (tables, columns, constraints, indexes over time) and what PostgreSQL
knows of the names it invents, the locks statements take and the volatility of functions.

Rules import what they read of the schema from here:

    from dbarch_lint.catalog import Schema, Table, Column, ConstraintInfo, Index, Origin

The rooms: `records` (the object records), `state` (what the schema holds and its lookups),
`naming` (the names PostgreSQL invents), `replay` (applying each event), `fork` (copy-on-write
forks for down migrations), `schema` (the `Schema` class, put together from those), `locks` and
`volatility` (what PostgreSQL does when a statement runs).
"""

from __future__ import annotations

from dbarch_lint.catalog.naming import MAX_IDENTIFIER_BYTES, make_object_name
from dbarch_lint.catalog.records import Column, ConstraintInfo, Index, Origin, Table
from dbarch_lint.catalog.schema import Schema

__all__ = [
    "MAX_IDENTIFIER_BYTES",
    "Column",
    "ConstraintInfo",
    "Index",
    "Origin",
    "Schema",
    "Table",
    "make_object_name",
]
