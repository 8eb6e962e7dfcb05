"""What `--fix` promises, over every fixture with fix expectations and on a real server.

- Fixing a fixed file changes nothing (one run of `--fix --unsafe-fixes` does all it can).
- A fixed file parses with libpg_query wherever the file did, and linted again (with the rules
  on by default, and the fixture's) it has none of the findings the fixes were for and no
  finding it did not have before.
- On the throwaway PostgreSQL cluster, a migration and its fixed text leave the same catalog
  where the fixes are safe (the names PostgreSQL would invent, CONCURRENTLY, lock timeouts),
  and the types the rules promise where they are unsafe (`--unsafe-fixes`).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pglast
import pytest
from pglast.parser import ParseError, parse_sql_json

from dbarch_lint.inputs.config import Config
from dbarch_lint.model.findings import LintResult
from dbarch_lint.orchestration import fixes
from dbarch_lint.orchestration import run as lint_run
from dbarch_lint.testing import _prepare, _texts, fixed_fixture
from tests.postgres import Server

FIXTURES = Path(__file__).parent / "fixtures"
FIXED = ".fixed.sql"
CASES = sorted(
    p.with_name(p.name.removesuffix(FIXED) + ".sql") for p in FIXTURES.rglob(f"*{FIXED}")
)


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def _copy(fixture: Path, text: str, folder: Path) -> Path:
    """`text` as the fixture in `folder`, with the snapshots its configuration may name."""
    for snapshot in fixture.parent.glob("*.snapshot"):
        shutil.copy(snapshot, folder / snapshot.name)
    copy = folder / fixture.name
    copy.write_bytes(text.encode("utf-8"))
    return copy


def _lint(fixture: Path, defaults: bool) -> LintResult:
    """The fixture linted in its configuration (`defaults`: with the rules on by default too)."""
    with _inside(fixture.parent):
        run = _prepare(fixture, _texts(fixture))
        if defaults:
            run.config.extend_select = [*run.config.extend_select, *(run.config.select or ())]
            run.config.select = None
        return lint_run.execute(run)


def _parses(text: str) -> bool:
    try:
        parse_sql_json(text)
    except ParseError:
        return False
    return True


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixing_a_fixed_file_changes_nothing(fixture: Path, tmp_path: Path) -> None:
    fixed = fixture.with_name(fixture.stem + FIXED).read_bytes().decode("utf-8")
    assert fixed_fixture(_copy(fixture, fixed, tmp_path)) == fixed


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_fixed_file_parses_and_brings_nothing_new(fixture: Path, tmp_path: Path) -> None:
    text = fixture.read_bytes().decode("utf-8")
    fixed = fixed_fixture(fixture)
    if _parses(text):
        assert _parses(fixed)
    fixable = Counter(f.code for f in _lint(fixture, False).findings if f.fix is not None)
    before = _lint(fixture, True).findings
    after = _lint(_copy(fixture, fixed, tmp_path), True).findings
    left, had = Counter(f.code for f in after), Counter(f.code for f in before)
    too_many = {
        code: (count, had[code] - fixable[code])
        for code, count in left.items()
        if count > had[code] - fixable[code]
    }
    assert too_many == {}, "code: (findings after the fixes, at most expected)"


# --- on the server -----------------------------------------------------------------------

# (name, the history before, the migration, the column types its fixed text promises:
# `table.column` -> (format_type, attidentity); None: the same catalog as the migration's)
Promise = dict[str, tuple[str, str]] | None
SCENARIOS: list[tuple[str, str, str, Promise]] = [
    (
        "DBA201 names as PostgreSQL numbers them",
        "CREATE TABLE customers (id bigint CONSTRAINT customers_pkey PRIMARY KEY);\n"
        "CREATE TABLE shipments (code text CONSTRAINT shipments_pkey PRIMARY KEY);\n"
        "CREATE INDEX parcels_a_key ON shipments (code);\n",
        "CREATE TABLE parcels (\n"
        "    a int UNIQUE,\n"
        "    b int CHECK (b > 0),\n"
        "    c bigint REFERENCES customers (id),\n"
        "    CHECK (a < b),\n"
        "    CHECK (a > 0 AND b > 0),\n"
        "    CONSTRAINT parcels_b_check1 CHECK (b < 100),\n"
        "    CHECK (b > 1),\n"
        "    PRIMARY KEY (a, b)\n"
        ");\n"
        "ALTER TABLE parcels ADD CHECK (a < b + 1), ADD CHECK (a < b + 2);\n",
        None,
    ),
    (
        "DBA202 index names",
        "CREATE TABLE orders (id bigint CONSTRAINT orders_pkey PRIMARY KEY, customer_id bigint,"
        " email text, code text);\n"
        "CREATE TABLE a_table_with_a_rather_long_name_for_the_sake_of_truncation"
        " (a_column_with_a_long_name int);\n",
        "CREATE INDEX CONCURRENTLY ON orders (customer_id);\n"
        "CREATE INDEX CONCURRENTLY ON orders (customer_id);\n"
        "CREATE UNIQUE INDEX CONCURRENTLY ON orders (code, email);\n"
        "CREATE INDEX CONCURRENTLY ON orders (lower(email), lower(code));\n"
        "CREATE INDEX CONCURRENTLY ON orders ((id + 1));\n"
        "CREATE INDEX CONCURRENTLY ON orders (customer_id) INCLUDE (email);\n"
        "CREATE INDEX CONCURRENTLY ON a_table_with_a_rather_long_name_for_the_sake_of_truncation"
        " (a_column_with_a_long_name);\n",
        None,
    ),
    (
        "DBA401/DBA402/DBA413 concurrently, with a lock timeout",
        "CREATE TABLE orders (id bigint CONSTRAINT orders_pkey PRIMARY KEY, status text);\n"
        "CREATE INDEX orders_old_idx ON orders (status);\n",
        "CREATE INDEX orders_status_idx ON orders (status);\n"
        "DROP INDEX IF EXISTS orders_old_idx;\n",
        None,
    ),
    (
        "DBA415 a concurrent refresh",
        "CREATE TABLE sales (month int, total int);\n"
        "INSERT INTO sales VALUES (1, 10), (2, 20);\n"
        "CREATE MATERIALIZED VIEW monthly AS SELECT month, sum(total) AS total FROM sales"
        " GROUP BY month;\n"
        "CREATE UNIQUE INDEX monthly_month_key ON monthly (month);\n",
        "REFRESH MATERIALIZED VIEW monthly;\n",
        None,
    ),
    (
        "DBA416 a concurrent detach",
        "CREATE TABLE metrics (at timestamptz NOT NULL) PARTITION BY RANGE (at);\n"
        "CREATE TABLE metrics_2023 PARTITION OF metrics"
        " FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');\n",
        "ALTER TABLE metrics DETACH PARTITION metrics_2023;\n",
        None,
    ),
    (
        "DBA409 NOT VALID, then valid in the migration after",
        "CREATE TABLE customers (id bigint CONSTRAINT customers_pkey PRIMARY KEY);\n"
        "CREATE TABLE orders (total int, customer_id bigint);\n"
        "INSERT INTO customers VALUES (1);\n"
        "INSERT INTO orders VALUES (1, 1), (2, NULL);\n",
        "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id)"
        " REFERENCES customers (id);\n",
        None,
    ),
    (
        "names PostgreSQL reserves stay quoted in the SQL fixes write",
        'CREATE TABLE "user" (id bigint CONSTRAINT user_pkey PRIMARY KEY, "order" int);\n'
        'CREATE TABLE "group" ("user" bigint, "time" timestamptz);\n',
        'ALTER TABLE "user" ADD CONSTRAINT user_order_check CHECK ("order" >= 0);\n'
        'ALTER TABLE "group" ADD CONSTRAINT group_user_fkey FOREIGN KEY ("user")'
        ' REFERENCES "user" (id);\n'
        'CREATE INDEX group_time_idx ON "group" ("time");\n',
        None,
    ),
    (
        "type fixes on a new table",
        "",
        "CREATE TABLE t (\n"
        "    id serial CONSTRAINT t_pkey PRIMARY KEY,\n"
        "    parent_id integer CONSTRAINT t_parent_id_fkey REFERENCES t (id),\n"
        "    at timestamp(3),\n"
        "    doc json,\n"
        "    price money,\n"
        "    name varchar(20)\n"
        ");\n"
        "ALTER TABLE t ADD COLUMN seen timestamp;\n",
        {
            "t.id": ("bigint", "a"),
            "t.parent_id": ("bigint", ""),
            "t.at": ("timestamp(3) with time zone", ""),
            "t.doc": ("jsonb", ""),
            "t.price": ("numeric(19,4)", ""),
            "t.name": ("text", ""),
            "t.seen": ("timestamp with time zone", ""),
        },
    ),
]

_CATALOG = """
SELECT 'relation', c.relname, c.relkind::text || ' ' || c.relispartition::text
FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind <> 'S'
UNION ALL
SELECT 'constraint', r.relname || '.' || k.conname,
       pg_get_constraintdef(k.oid) || ' valid=' || k.convalidated::text
FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid
WHERE k.connamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'column', r.relname || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod) || ' ' || a.attidentity::text
FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid
WHERE r.relnamespace = %(ns)s::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  AND r.relkind IN ('r', 'p', 'm')
UNION ALL
SELECT 'index', i.relname, pg_get_indexdef(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE i.relnamespace = %(ns)s::regnamespace
ORDER BY 1, 2, 3
"""


def _fixed(tmp_path: Path, history: str, migration: str) -> str:
    """The migration after `--fix --unsafe-fixes`, with the history before it as context (and
    the migrations its fixes add after it)."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_history.sql").write_text(history or "SELECT 1;\n")
    (folder / "002_change.sql").write_text(migration)
    config = Config()
    config.unsafe_fixes = True
    with _inside(tmp_path):
        run = lint_run.prepare(["migrations/002_change.sql"], config, autoload_plugins=False)
        outcome = fixes.plan(run, ["migrations/002_change.sql"], cache=None)
    assert not outcome.refused
    added = "".join(text for _, (text, _) in sorted(outcome.created.items()))
    return outcome.texts.get("migrations/002_change.sql", migration) + added


def _apply(connection: Any, schema: str, *texts: str) -> list[tuple[str, str, str]]:
    """Run `texts` statement by statement (each its own transaction, as psql does) in a new
    schema; the schema's catalog."""
    connection.execute(f"CREATE SCHEMA {schema}")
    connection.execute(f"SET search_path = {schema}")
    for text in texts:
        for statement in pglast.split(text):
            connection.execute(statement)
    connection.execute("RESET lock_timeout")
    rows = connection.execute(_CATALOG, {"ns": schema}).fetchall()
    return [tuple(str(value).replace(f"{schema}.", "") for value in row) for row in rows]


@pytest.mark.parametrize(
    ("history", "migration", "promise"),
    [s[1:] for s in SCENARIOS],
    ids=[s[0] for s in SCENARIOS],
)
def test_fixed_migrations_leave_the_promised_catalog(
    pg_server: Server, tmp_path: Path, history: str, migration: str, promise: Promise
) -> None:
    fixed = _fixed(tmp_path, history, migration)
    assert fixed != migration
    key = abs(hash((history, migration))) % 10**8
    with pg_server.connect() as connection:
        try:
            before = _apply(connection, f"fx_before_{key}", history, migration)
            after = _apply(connection, f"fx_after_{key}", history, fixed)
        finally:
            for side in ("before", "after"):
                connection.execute(f"DROP SCHEMA IF EXISTS fx_{side}_{key} CASCADE")
    if promise is None:
        # (a partition detached CONCURRENTLY keeps its partition constraint as a CHECK)
        added = "metrics_2023.metrics_2023_at_check"
        assert [row for row in after if row[1] != added] == before
        return
    columns = {name: kind for what, name, kind in after if what == "column"}
    for column, (type_, identity) in promise.items():
        assert columns[column] == f"{type_} {identity}", column
    constraints = {name: definition for what, name, definition in after if what == "constraint"}
    assert constraints["t.t_name_check"] == "CHECK ((char_length(name) <= 20)) valid=true"
