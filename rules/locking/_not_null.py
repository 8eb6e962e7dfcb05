"""Whether the replay proves a column holds no NULL, so that PostgreSQL skips the scan that
setting NOT NULL takes (DBA408's `SET NOT NULL`, DBA411's PRIMARY KEY)."""

from __future__ import annotations

from dbarch_lint.catalog import Table

CHECK_PROOF_VERSION = 12  # the first PostgreSQL that lets a validated CHECK spare the scan


def proven_not_null(table: Table | None, column: str, pg_version: int) -> bool:
    """Whether `column` of `table` (as the replay knows it just before the statement) is NOT
    NULL already, or, on PostgreSQL 12+, a validated `CHECK (column IS NOT NULL)` (alone or
    AND-ed with other conditions) proves it: then PostgreSQL does not scan the table."""
    if table is None:
        return False
    known = table.columns.get(column)
    if known is not None and known.not_null:
        return True
    return pg_version >= CHECK_PROOF_VERSION and any(
        info.kind == "check" and info.validated and column in info.constraint.not_null_columns
        for info in table.live_constraints()
    )
