"""The names the replay remembers (`SchemaState.seen`: DBA805, IF NOT EXISTS): the columns and
constraints it reads with code of their own give what the general walk of the fields gives."""

from __future__ import annotations

import pytest

from dbarch_lint.catalog import names_seen
from dbarch_lint.model import ir
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.parser import parse_postgres

SQL = """
CREATE TABLE orders (
    id serial PRIMARY KEY,
    code bigint GENERATED ALWAYS AS IDENTITY,
    customer_id bigint CONSTRAINT orders_customer_fk REFERENCES public.customers (id),
    status mood NOT NULL DEFAULT 'open',
    total numeric(10, 2) CHECK (total >= 0),
    CONSTRAINT orders_code_key UNIQUE (code),
    FOREIGN KEY (status) REFERENCES statuses
);
ALTER TABLE orders ADD COLUMN note audit.text_note CONSTRAINT orders_note_check CHECK (true);
ALTER TABLE orders ADD CONSTRAINT orders_pk_again UNIQUE USING INDEX orders_code_idx;
CREATE INDEX orders_status_idx ON orders (status) WHERE status IS NOT NULL;
"""


def _seen() -> set[str]:
    seen: set[str] = set()
    for statement in parse_postgres(SourceFile("orders.sql", SQL)).statements:
        for event in statement.events:
            names_seen._remember(seen, event)
    return seen


def test_columns_and_constraints_give_what_the_general_walk_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert names_seen._fields_to_visit(ir.ColumnDef) == names_seen.COLUMN_FIELDS
    assert names_seen._fields_to_visit(ir.Constraint) == names_seen.CONSTRAINT_FIELDS
    fast = _seen()
    monkeypatch.setattr(names_seen, "_remember_column", names_seen._remember)
    monkeypatch.setattr(names_seen, "_remember_constraint", names_seen._remember)
    assert fast == _seen()
    assert {"orders_customer_fk", "customers", "mood", "text_note", "orders_code_idx"} <= fast
    assert {"orders_id_seq", "orders_code_seq", "statuses", "orders_note_check"} <= fast
