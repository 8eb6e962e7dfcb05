"""The names the replay remembers (`SchemaState.seen`: DBA805, IF NOT EXISTS): the columns and
constraints it reads with code of their own give what the general walk of the fields gives."""

from __future__ import annotations

import pickle

import pytest

from dbarch_lint.catalog import names_seen
from dbarch_lint.catalog.records import Origin
from dbarch_lint.catalog.schema import Schema
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


def _replayed(schema: Schema, sql: str, path: str) -> Schema:
    for statement in parse_postgres(SourceFile(path, sql)).statements:
        schema.apply(statement, Origin(0, statement.index, path, statement.span))
    return schema


def test_names_are_remembered_only_when_asked_by_the_state_a_fork_and_a_snapshot() -> None:
    """The replay keeps the events it applies and remembers their names when `seen` is first
    asked: a fork asks its parent only then, a fork's names are its own until settled, and the
    pickled snapshot holds the names, not the events."""
    schema = _replayed(Schema(), SQL, "orders.sql")
    assert schema.unremembered  # (nothing asked yet)
    fork = _replayed(schema.fork(), "CREATE TABLE extra (id bigint REFERENCES elsewhere);", "x")
    assert schema.unremembered  # (forking asked nothing of the parent)
    assert all(name in fork.seen for name in ("orders_customer_fk", "extra", "elsewhere"))
    assert "elsewhere" not in schema.seen and not schema.unremembered
    assert _seen() <= schema.seen
    copy = pickle.loads(pickle.dumps(_replayed(schema, "CREATE TYPE later AS ENUM ('a');", "y")))
    assert not copy.unremembered and copy.seen == schema.seen and "later" in copy.seen
    schema.take_seen(fork)  # (what `branches.settle` does with an alternative's end)
    assert "elsewhere" in schema.seen
