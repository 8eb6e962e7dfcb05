"""What the locking rules (and DBA507) claim, observed on a real PostgreSQL: each rule's documented
bad example takes the lock its message names and blocks what it says (or fails); its good example
does not.

A statement that cannot run in a transaction block (the CONCURRENTLY forms) is observed from a
third session while a second one keeps it waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbarch_lint import lint_paths, lint_sql
from dbarch_lint.plugins.host import PluginHost
from tests.postgres import Server

SETUP = """
DROP MATERIALIZED VIEW IF EXISTS daily_sales;
DROP TABLE IF EXISTS orders, customers, bookings, products, order_items;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE customers (id bigint PRIMARY KEY);
INSERT INTO customers SELECT generate_series(0, 99);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL,
    status text NOT NULL,
    reference text NOT NULL
);
INSERT INTO orders (customer_id, status, reference)
SELECT n % 100, CASE WHEN n % 3 = 0 THEN 'paid' ELSE 'open' END, 'R' || n
FROM generate_series(1, 20000) n;
CREATE INDEX orders_status_idx ON orders (status);
CREATE TABLE products (id integer PRIMARY KEY, code varchar(10), price numeric(8,2));
INSERT INTO products SELECT n, 'P' || n, n FROM generate_series(1, 20000) n;
CREATE TABLE bookings (id bigint PRIMARY KEY, room_id bigint NOT NULL, during tstzrange NOT NULL);
INSERT INTO bookings
SELECT n, n % 10, tstzrange(now() + n * interval '1 hour', now() + (n + 1) * interval '1 hour')
FROM generate_series(1, 2000) n;
"""
WRITE = "INSERT INTO orders (customer_id, status, reference) VALUES (1, 'open', 'new')"
READ = "SELECT count(*) FROM orders"
HOLD = "UPDATE orders SET status = status WHERE id = 1"  # a writer a concurrent build waits for


def _example(code: str, section: str) -> str:
    [rule] = [r for r in PluginHost([]).rules() if r.code == code]
    sql = rule.doc().sql_block(section)
    assert sql is not None
    return sql


def _examples(code: str, *also_silent: str) -> tuple[str, str]:
    """The rule's documented bad and good examples, once the linter flags the bad one with the
    rule and the good one with neither it nor the rules in `also_silent`."""
    bad, good = _example(code, "Example"), _example(code, "Use instead")
    assert [f.code for f in lint_sql(bad, select=[code])] == [code]
    assert lint_sql(good, select=[code, *also_silent]) == []
    return bad, good


def _locks(observer: Any, table: str = "orders") -> set[str]:
    """Lock modes other sessions hold (granted) on a table."""
    rows = observer.execute(
        "SELECT mode FROM pg_locks WHERE relation = %s::regclass AND granted "
        "AND pid <> pg_backend_pid()",
        (table,),
    ).fetchall()
    return {mode for (mode,) in rows}


def _blocked(observer: Any, sql: str) -> bool:
    """Whether `sql` has to wait for a lock (it gives up after 200 ms)."""
    observer.execute("SET lock_timeout = '200ms'")
    try:
        with observer.transaction(force_rollback=True):
            observer.execute(sql)
    except psycopg.errors.LockNotAvailable:
        return True
    return False


@pytest.fixture
def sessions(pg_server: Server) -> Iterator[tuple[Any, Any, Any]]:
    with (
        pg_server.connect() as first,
        pg_server.connect() as second,
        pg_server.connect() as observer,
    ):
        observer.execute(SETUP)
        yield first, second, observer


@contextmanager
def _in_transaction(session: Any, sql: str) -> Iterator[None]:
    """Run `sql` in a transaction kept open (and rolled back) around the block."""
    with session.transaction(force_rollback=True):
        session.execute(sql)
        yield


def _holds_share_update_exclusive(observer: Any, table: str) -> bool:
    return "ShareUpdateExclusiveLock" in _locks(observer, table)


def _waits_for_older_transactions(observer: Any, table: str) -> bool:
    """Whether a DETACH ... CONCURRENTLY waits for the transactions that may still see the
    partition (it holds no table lock meanwhile)."""
    row = observer.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'virtualxid' AND query ILIKE %s",
        (f"%{table}%CONCURRENTLY%",),
    ).fetchone()
    return bool(row and row[0])


@contextmanager
def _waiting(
    session: Any,
    sql: str,
    holder: Any,
    observer: Any,
    hold: str = HOLD,
    table: str = "orders",
    started: Callable[[Any, str], bool] = _holds_share_update_exclusive,
) -> Iterator[None]:
    """Run `sql` (outside a transaction block) while `holder` keeps a transaction open that ran
    `hold` on the table, so that `sql` waits for it; the block runs while it waits (once
    `started` says it is running)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            session.execute(sql)
        except BaseException as error:  # reported after the join
            errors.append(error)

    worker = threading.Thread(target=run)
    with _in_transaction(holder, hold):
        worker.start()
        deadline = time.monotonic() + 30
        while not started(observer, table):
            assert not errors, errors
            assert time.monotonic() < deadline, "the concurrent statement never started"
            time.sleep(0.02)
        yield
    worker.join(30)
    assert not errors, errors


def test_dba401_index_build_blocks_writes_not_concurrently(sessions: tuple[Any, Any, Any]) -> None:
    first, second, observer = sessions
    bad, good = _examples("DBA401")
    with _in_transaction(first, bad):
        assert "ShareLock" in _locks(observer)
        assert _blocked(observer, WRITE)  # "blocking writes"
        assert not _blocked(observer, READ)
    with _waiting(first, good, second, observer):
        assert "ShareLock" not in _locks(observer)
        assert not _blocked(observer, WRITE)


def test_dba402_index_drop_blocks_reads_and_writes_not_concurrently(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, second, observer = sessions
    bad, good = _examples("DBA402")
    with _in_transaction(first, bad):
        assert "AccessExclusiveLock" in _locks(observer)
        assert _blocked(observer, READ) and _blocked(observer, WRITE)
    with _waiting(first, good, second, observer):
        assert "AccessExclusiveLock" not in _locks(observer)
        assert not _blocked(observer, READ) and not _blocked(observer, WRITE)


def _statements(sql: str) -> list[str]:
    """The statements of an example (comments dropped)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def test_dba409_validation_scan_under_the_add_lock_not_under_validate(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, observer = sessions
    bad, good = _examples("DBA409")
    with _in_transaction(first, bad):  # the scan runs under this lock
        assert "ShareRowExclusiveLock" in _locks(observer)
        assert "ShareRowExclusiveLock" in _locks(observer, "customers")
        assert _blocked(observer, WRITE)  # "blocking writes"
        assert _blocked(observer, "INSERT INTO customers VALUES (1000)")
        assert not _blocked(observer, READ)
    add, validate = _statements(good)
    first.execute(add)  # instant: nothing is scanned
    with _in_transaction(first, validate):  # the scan runs under this one
        assert "ShareUpdateExclusiveLock" in _locks(observer)
        assert _locks(observer) <= {"ShareUpdateExclusiveLock", "AccessShareLock"}
        assert not _blocked(observer, WRITE) and not _blocked(observer, READ)
        assert not _blocked(observer, "INSERT INTO customers VALUES (1000)")
    # A CHECK holds ACCESS EXCLUSIVE during its scan: reads wait too.
    with _in_transaction(first, "ALTER TABLE orders ADD CONSTRAINT c CHECK (customer_id >= 0)"):
        assert "AccessExclusiveLock" in _locks(observer)
        assert _blocked(observer, READ)


def test_dba411_unique_index_built_under_access_exclusive_not_concurrently(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, second, observer = sessions
    bad, good = _examples("DBA411", "DBA401")
    with _in_transaction(first, bad):
        assert "AccessExclusiveLock" in _locks(observer)
        assert _blocked(observer, READ) and _blocked(observer, WRITE)
    build, attach = _statements(good)
    with _waiting(first, build, second, observer):
        assert not _blocked(observer, READ) and not _blocked(observer, WRITE)
    first.execute(attach)  # uses the index: no build under the lock
    new_column = "ALTER TABLE orders ADD COLUMN external_id text UNIQUE"
    assert [f.code for f in lint_sql(new_column, select=["DBA411"])] == ["DBA411"]
    with _in_transaction(first, new_column):  # a new column's UNIQUE builds its index too
        assert "AccessExclusiveLock" in _locks(observer)
        assert _blocked(observer, READ)
    assert observer.execute(
        "SELECT count(*) FROM pg_constraint WHERE conname = 'orders_reference_key'"
    ).fetchone() == (1,)


def test_dba412_exclusion_constraint_blocks_reads_and_writes(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, observer = sessions
    bad, good = _examples("DBA412")
    with _in_transaction(first, bad):
        assert "AccessExclusiveLock" in _locks(observer, "bookings")
        assert _blocked(observer, "SELECT count(*) FROM bookings")
    first.execute("DROP TABLE bookings")
    first.execute(good)  # declared with the table: nothing to lock


def test_dba507_required_column_fails_on_a_table_with_rows(sessions: tuple[Any, Any, Any]) -> None:
    first, _second, _observer = sessions
    bad, good = _examples("DBA507")
    with pytest.raises(psycopg.errors.NotNullViolation, match="contains null values"):
        first.execute(bad)
    first.execute(good)


def _file_node(observer: Any, table: str) -> int:
    """The table's storage file: a rewrite gives it a new one."""
    row = observer.execute("SELECT relfilenode FROM pg_class WHERE oid = %s::regclass", (table,))
    return int(row.fetchone()[0])


def test_dba406_stored_generated_column_rewrites_the_table(sessions: tuple[Any, Any, Any]) -> None:
    first, _second, observer = sessions
    first.execute(
        "CREATE TABLE order_items AS SELECT n AS quantity, n * 100 AS unit_price_cents "
        "FROM generate_series(1, 2000) n"
    )
    bad, good = _examples("DBA406")
    before = _file_node(observer, "order_items")
    with _in_transaction(first, bad):
        assert "AccessExclusiveLock" in _locks(observer, "order_items")
    first.execute(bad)
    assert _file_node(observer, "order_items") != before  # rewritten
    first.execute("ALTER TABLE order_items DROP COLUMN total_cents")
    before = _file_node(observer, "order_items")
    first.execute(good)
    assert _file_node(observer, "order_items") == before


def test_dba407_rewrites_only_for_changes_that_are_not_binary_coercible(
    sessions: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    first, _second, observer = sessions
    (tmp_path / "0001.sql").write_text(
        "CREATE TABLE products (id integer PRIMARY KEY, code varchar(10), price numeric(8,2));\n"
    )
    safe = [
        "ALTER TABLE products ALTER COLUMN code TYPE varchar(20)",
        # a USING that only casts the column to the new type is no USING (Django writes it)
        "ALTER TABLE products ALTER COLUMN code TYPE varchar(30) USING code::varchar(30)",
        "ALTER TABLE products ALTER COLUMN price TYPE numeric(12,2)",
        "ALTER TABLE products ALTER COLUMN code TYPE text USING CAST(code AS text)",
        "ALTER TABLE products ALTER COLUMN code TYPE text",
    ]
    flagged = [
        "ALTER TABLE products ALTER COLUMN id TYPE bigint",
        "ALTER TABLE products ALTER COLUMN code TYPE text USING lower(code)",
    ]
    for sql in safe + flagged:
        (tmp_path / "0002.sql").write_text(sql + ";\n")
        result = lint_paths([str(tmp_path)], select=["DBA407"], cwd=str(tmp_path))
        assert [f.code for f in result.findings] == (["DBA407"] if sql in flagged else []), sql
    for sql in safe:
        before = _file_node(observer, "products")
        first.execute(sql)
        assert _file_node(observer, "products") == before, sql  # no rewrite
    for sql in flagged:
        before = _file_node(observer, "products")
        with _in_transaction(first, sql):
            assert "AccessExclusiveLock" in _locks(observer, "products")
            assert _blocked(observer, "SELECT count(*) FROM products")
        first.execute(sql)
        assert _file_node(observer, "products") != before, sql  # rewritten


def _replay_proving_rewrites(session: Any, observer: Any, folder: str, table: str) -> None:
    """Run a DBA407 fixture folder on the server, statement by statement: each statement its
    fixture expects DBA407 on rewrites `table` (a new file node), each other one does not; one
    expected to say it "does not rewrite the table, but rebuilds its index i" does not, and
    gives the index a new file node; a statement it expects nothing on rebuilds no index."""
    scenario = Path(__file__).parent / "fixtures" / "locking" / folder
    session.execute(f"DROP TABLE IF EXISTS {table}")
    session.execute((scenario / "0001.sql").read_text())
    for line in (scenario / "0002.sql").read_text().splitlines():
        sql = line.split("--")[0].strip()
        if not sql:
            continue
        before, indexes = _file_node(observer, table), _index_file_nodes(observer, table)
        session.execute(sql)
        rewritten = _file_node(observer, table) != before
        rebuilt = {
            name
            for name, node in _index_file_nodes(observer, table).items()
            if indexes.get(name) != node
        }
        if "does not rewrite the table" in line or "rebuilds its index" in line:
            assert not rewritten, line
            assert rebuilt == {line.split("rebuilds its index ")[1].split('"')[0]}, line
        else:
            assert rewritten == ("expect: DBA407" in line), line
            assert rewritten or not rebuilt, line


def _index_file_nodes(observer: Any, table: str) -> dict[str, int]:
    rows = observer.execute(
        "SELECT c.relname, c.relfilenode FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass",
        (table,),
    ).fetchall()
    return {name: int(node) for name, node in rows}


def test_dba407_raising_or_removing_a_time_precision_rewrites_nothing(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, observer = sessions
    _replay_proving_rewrites(first, observer, "DBA407_precision", "events")


def test_dba407_citext_to_text_and_back_rebuilds_only_the_indexes(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, observer = sessions
    try:
        first.execute("CREATE EXTENSION IF NOT EXISTS citext")
    except psycopg.Error as error:  # an extension: not in every installation
        pytest.skip(f"the citext extension is not installed in the test cluster: {error}")
    _replay_proving_rewrites(first, observer, "DBA407_citext", "accounts")


def test_dba407_timestamp_to_timestamptz_rewrites_only_outside_utc(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, observer = sessions
    first.execute("SET TimeZone = 'UTC'")  # what option assume-utc vouches for
    _replay_proving_rewrites(first, observer, "DBA407_assume_utc", "visits")
    first.execute("SET TimeZone = 'Europe/Paris'")
    before = _file_node(observer, "visits")
    first.execute("ALTER TABLE visits ALTER COLUMN seen TYPE timestamp")
    assert _file_node(observer, "visits") != before  # rewritten: the default DBA407 finding
    _replay_proving_rewrites(first, observer, "DBA407_set_utc", "visits")  # SET in the file


def test_dba408_a_validated_check_spares_the_scan(sessions: tuple[Any, Any, Any]) -> None:
    first, _second, observer = sessions
    bad, good = _example("DBA408", "Example"), _example("DBA408", "Use instead")
    first.execute("ALTER TABLE orders ADD COLUMN placed_at timestamptz DEFAULT now()")
    assert [f.code for f in lint_sql(bad, select=["DBA408"])] == ["DBA408"]
    assert lint_sql(good, select=["DBA408"]) == []
    with _in_transaction(first, bad):
        assert "AccessExclusiveLock" in _locks(observer)
        assert _blocked(observer, READ)
    proofs: list[str] = []
    first.add_notice_handler(lambda notice: proofs.append(notice.message_primary or ""))
    first.execute("SET client_min_messages = debug1")
    first.execute(bad)  # no CHECK: PostgreSQL scans
    assert not [p for p in proofs if "sufficient to prove" in p]
    first.execute("ALTER TABLE orders ALTER COLUMN placed_at DROP NOT NULL")
    for statement in _statements(good):
        first.execute(statement)
    assert [p for p in proofs if "sufficient to prove" in p]  # the CHECK spared the scan
    first.execute("SET client_min_messages = notice")


def test_dba403_reindex_blocks_writes_not_concurrently(sessions: tuple[Any, Any, Any]) -> None:
    first, second, observer = sessions
    bad, good = _examples("DBA403")
    with _in_transaction(first, bad):
        assert "ShareLock" in _locks(observer)
        assert "AccessExclusiveLock" in _locks(observer, "orders_status_idx")
        assert _blocked(observer, WRITE)
    with _waiting(first, good, second, observer):
        assert "ShareLock" not in _locks(observer)
        assert not _blocked(observer, WRITE) and not _blocked(observer, READ)


def test_dba403_system_catalogs_cannot_be_reindexed_concurrently(pg_server: Server) -> None:
    # So DBA403 does not ask for CONCURRENTLY there.
    refused = [
        "REINDEX SYSTEM CONCURRENTLY postgres",  # the database connected to
        "REINDEX TABLE CONCURRENTLY pg_catalog.pg_class",
        "REINDEX INDEX CONCURRENTLY pg_catalog.pg_class_oid_index",
        "REINDEX TABLE CONCURRENTLY pg_toast.pg_toast_1260",  # pg_authid's TOAST table
    ]
    with pg_server.connect() as session:
        for sql in refused:
            with pytest.raises(psycopg.errors.FeatureNotSupported, match="system catalogs"):
                session.execute(sql)
        # A user table's TOAST table can: DBA403 still asks for it there.
        session.execute("DROP TABLE IF EXISTS dba403_notes; CREATE TABLE dba403_notes (body text)")
        [(toast,)] = session.execute(
            "SELECT reltoastrelid::regclass::text FROM pg_class "
            "WHERE oid = 'dba403_notes'::regclass"
        ).fetchall()
        session.execute(f"REINDEX TABLE CONCURRENTLY {toast}")
        session.execute("DROP TABLE dba403_notes")
        found = lint_sql(f"REINDEX TABLE {toast};", select=["DBA403"])
        assert [f.code for f in found] == ["DBA403"]
    plain = "REINDEX SYSTEM;\nREINDEX TABLE pg_catalog.pg_class;\n"
    assert lint_sql(plain + "REINDEX INDEX pg_catalog.pg_class_oid_index;", select=["DBA403"]) == []


def test_dba414_vacuum_full_rewrites_plain_vacuum_does_not(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, observer = sessions
    bad, good = _examples("DBA414")
    before = _file_node(observer, "orders")
    first.execute(bad)
    assert _file_node(observer, "orders") != before  # a new copy of the table
    before = _file_node(observer, "orders")
    first.execute(good)
    assert _file_node(observer, "orders") == before
    # CLUSTER (which can run in a transaction block) shows the lock the rewrite holds.
    with _in_transaction(first, "CLUSTER orders USING orders_pkey"):
        assert "AccessExclusiveLock" in _locks(observer)
        assert _blocked(observer, READ)


def test_dba414_persistence_and_access_method_rewrite_only_when_they_change(
    sessions: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    first, _second, observer = sessions
    # A second table access method, as PostgreSQL's own regression tests make one.
    first.execute(
        "DROP TABLE IF EXISTS events; DROP ACCESS METHOD IF EXISTS heap2; "
        "CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler; "
        "CREATE TABLE events (id bigint); INSERT INTO events SELECT generate_series(1, 1000)"
    )
    (tmp_path / "0001.sql").write_text("CREATE TABLE events (id bigint);\n")
    steps = [  # in order, each from the state the one before left: (statement, rewrites)
        ("ALTER TABLE events SET LOGGED", False),
        ("ALTER TABLE events SET ACCESS METHOD heap", False),
        ("ALTER TABLE events SET UNLOGGED", True),
        ("ALTER TABLE events SET UNLOGGED", False),
        ("ALTER TABLE events SET ACCESS METHOD heap2", True),
        ("ALTER TABLE events SET ACCESS METHOD heap2", False),
    ]
    for number, (sql, rewrites) in enumerate(steps, start=2):
        (tmp_path / f"{number:04}.sql").write_text(sql + ";\n")
        result = lint_paths([str(tmp_path)], select=["DBA414"], cwd=str(tmp_path))
        flagged = [f for f in result.findings if f.location.path == f"{number:04}.sql"]
        assert [f.code for f in flagged] == (["DBA414"] if rewrites else []), sql
        before = _file_node(observer, "events")
        first.execute(sql)
        assert (_file_node(observer, "events") != before) == rewrites, sql
    first.execute("DROP TABLE events; DROP ACCESS METHOD heap2")


def test_dba415_refresh_blocks_reads_not_concurrently(sessions: tuple[Any, Any, Any]) -> None:
    first, _second, observer = sessions
    first.execute(
        "DROP MATERIALIZED VIEW IF EXISTS daily_sales; "
        "CREATE MATERIALIZED VIEW daily_sales AS "
        "SELECT status, count(*) AS orders FROM orders GROUP BY status; "
        "CREATE UNIQUE INDEX daily_sales_status_key ON daily_sales (status)"
    )
    bad, good = _examples("DBA415")
    read_view = "SELECT count(*) FROM daily_sales"
    with _in_transaction(first, bad):
        assert "AccessExclusiveLock" in _locks(observer, "daily_sales")
        assert _blocked(observer, read_view)
    with _in_transaction(first, good):
        assert "AccessExclusiveLock" not in _locks(observer, "daily_sales")
        assert not _blocked(observer, read_view)


def test_dba405_volatile_default_rewrites_stable_one_does_not(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, observer = sessions
    bad, good = _examples("DBA405")
    stable = "ALTER TABLE orders ADD COLUMN placed_at timestamptz DEFAULT now()"
    assert lint_sql(stable, select=["DBA405"]) == []
    with _in_transaction(first, bad):
        assert "AccessExclusiveLock" in _locks(observer)
        assert _blocked(observer, READ)
    before = _file_node(observer, "orders")
    first.execute(bad)
    assert _file_node(observer, "orders") != before  # rewritten: every row got its own uuid
    first.execute("ALTER TABLE orders DROP COLUMN token")
    before = _file_node(observer, "orders")
    for sql in [stable, *_statements(good)]:
        first.execute(sql)
        assert _file_node(observer, "orders") == before, sql  # the value is stored once
    # A domain with constraints is checked row by row: a rewrite even without a default.
    first.execute(
        "DROP DOMAIN IF EXISTS positive_amount, label CASCADE;"
        "CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);"
        "CREATE DOMAIN label AS text"
    )
    schema = (
        "CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0); CREATE DOMAIN label AS text;"
    )
    checked = "ALTER TABLE orders ADD COLUMN refund positive_amount"
    plain = "ALTER TABLE orders ADD COLUMN tag label"
    assert [f.code for f in lint_sql(f"{schema} {checked};", select=["DBA405"])] == ["DBA405"]
    assert lint_sql(f"{schema} {plain};", select=["DBA405"]) == []
    first.execute(plain)
    assert _file_node(observer, "orders") == before
    first.execute(checked)
    assert _file_node(observer, "orders") != before


def test_dba404_postgres_refuses_concurrent_builds_in_a_transaction(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, _observer = sessions
    first.execute("ALTER TABLE orders ADD COLUMN placed_at timestamptz DEFAULT now()")
    bad, good = _examples("DBA404")
    with pytest.raises(psycopg.errors.ActiveSqlTransaction, match="transaction block"):
        first.execute(bad)
    first.execute("ROLLBACK")
    first.execute(good)


def test_dba404_postgres_refuses_them_in_a_do_block_outside_a_transaction(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, _observer = sessions
    for sql in (
        "DO $$ BEGIN CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status); END $$",
        "DO $$ BEGIN EXECUTE 'VACUUM orders'; END $$",
    ):
        assert [f.code for f in lint_sql(sql, select=["DBA404"])] == ["DBA404"]
        with pytest.raises(psycopg.errors.ActiveSqlTransaction, match="from a function"):
            first.execute(sql)


def test_dba413_a_waiting_lock_queues_every_query_without_lock_timeout(
    sessions: tuple[Any, Any, Any], pg_server: Server
) -> None:
    first, second, observer = sessions
    bad, good = _examples("DBA413")
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            first.execute(bad)
        except BaseException as error:
            errors.append(error)

    with _in_transaction(second, READ):  # a long query holds ACCESS SHARE
        worker = threading.Thread(target=migrate)
        worker.start()
        deadline = time.monotonic() + 30
        while not observer.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = 'orders'::regclass AND NOT granted"
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "the migration never queued"
            time.sleep(0.02)
        assert _blocked(observer, READ)  # a plain read now queues behind the waiting ALTER
    worker.join(30)
    assert not errors, errors
    first.execute("ALTER TABLE orders DROP COLUMN note")
    with _in_transaction(second, READ), pg_server.connect() as migrator:
        with pytest.raises(psycopg.errors.LockNotAvailable):
            for statement in _statements(good):
                migrator.execute(statement.replace("'2s'", "'200ms'"))
        assert not _blocked(observer, READ)  # it gave up: traffic flows


def test_dba410_validate_in_the_same_transaction_keeps_the_add_lock(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, observer = sessions
    bad, _good = _examples("DBA410")
    add, validate = [s for s in _statements(bad) if s not in ("BEGIN", "COMMIT")]
    with _in_transaction(first, add):
        first.execute(validate)  # the scan ran here, under the ADD's lock, still held
        assert "ShareRowExclusiveLock" in _locks(observer)
        assert _blocked(observer, WRITE)
    first.execute(add)  # committed on its own
    with _in_transaction(first, validate):
        assert "ShareRowExclusiveLock" not in _locks(observer)
        assert not _blocked(observer, WRITE)


PARTITIONS = """
DROP TABLE IF EXISTS events;
CREATE TABLE events (at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2022 PARTITION OF events FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
INSERT INTO events SELECT date '2022-01-01' + n % 700, 'e' || n FROM generate_series(1, 5000) n;
"""
READ_EVENTS = "SELECT count(*) FROM events"


def test_dba416_detach_blocks_the_partitioned_table_not_concurrently(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, second, observer = sessions
    observer.execute(PARTITIONS)
    bad, good = _examples("DBA416", "DBA404")
    with _in_transaction(first, bad):
        assert "AccessExclusiveLock" in _locks(observer, "events")
        assert "AccessExclusiveLock" in _locks(observer, "events_2023")
        assert _blocked(observer, READ_EVENTS)
        assert _blocked(observer, "INSERT INTO events VALUES ('2022-02-02', 'x')")
    # CONCURRENTLY waits for the queries that may see the partition, without blocking new ones.
    with _waiting(
        first, good, second, observer, READ_EVENTS, "events", _waits_for_older_transactions
    ):
        assert "AccessExclusiveLock" not in _locks(observer, "events")
        assert "AccessExclusiveLock" not in _locks(observer, "events_2023")
        assert not _blocked(observer, READ_EVENTS)
        assert not _blocked(observer, "INSERT INTO events VALUES ('2022-02-02', 'x')")
    partition = "SELECT relispartition FROM pg_class WHERE oid = 'events_2023'::regclass"
    assert observer.execute(partition).fetchone() == (False,)
    # DBA404: neither runs inside a transaction block.
    for refused in (
        "ALTER TABLE events DETACH PARTITION events_2022 CONCURRENTLY",
        "ALTER DATABASE postgres SET TABLESPACE pg_default",
    ):
        assert [f.code for f in lint_sql(f"BEGIN; {refused}; COMMIT;", select=["DBA404"])] == [
            "DBA404"
        ]
        with pytest.raises(psycopg.errors.ActiveSqlTransaction, match="transaction block"):
            first.execute(f"BEGIN; {refused}")
        first.execute("ROLLBACK")


def test_dba417_a_new_enum_value_cannot_be_used_before_commit(
    sessions: tuple[Any, Any, Any],
) -> None:
    first, _second, observer = sessions
    observer.execute(
        "DROP TYPE IF EXISTS order_status CASCADE;"
        "CREATE TYPE order_status AS ENUM ('open', 'paid');"
        "ALTER TABLE orders ADD COLUMN refunded_at timestamptz;"
        "ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::order_status"
    )
    bad, good = _examples("DBA417")
    with pytest.raises(psycopg.errors.UnsafeNewEnumValueUsage, match="unsafe use of new value"):
        first.execute(bad)
    first.execute("ROLLBACK")
    first.execute(good)
    # Even a type created in the same transaction cannot use them before COMMIT (on 12+).
    fresh = (
        "BEGIN; CREATE TYPE priority AS ENUM ('low'); ALTER TYPE priority ADD VALUE 'high';"
        "SELECT 'high'::priority; ROLLBACK;"
    )
    assert [f.code for f in lint_sql(fresh, select=["DBA417"])] == ["DBA417"]
    with pytest.raises(psycopg.errors.UnsafeNewEnumValueUsage):
        first.execute(fresh)
    first.execute("ROLLBACK")


def test_dba418_a_backfill_keeps_the_ddl_lock(sessions: tuple[Any, Any, Any]) -> None:
    first, _second, observer = sessions
    bad, _good = _examples("DBA418")
    alter, update = [s for s in _statements(bad) if s not in ("BEGIN", "COMMIT")]
    with _in_transaction(first, alter):
        first.execute(update)  # every row changed under the ALTER's lock, still held
        assert "AccessExclusiveLock" in _locks(observer)
        assert _blocked(observer, READ) and _blocked(observer, WRITE)
    first.execute(alter)  # committed on its own
    with _in_transaction(first, update):
        assert "AccessExclusiveLock" not in _locks(observer)
        assert not _blocked(observer, READ)


def test_dba419_one_transaction_holds_both_tables(sessions: tuple[Any, Any, Any]) -> None:
    first, _second, observer = sessions
    observer.execute("DROP TABLE IF EXISTS invoices; CREATE TABLE invoices (id bigint)")
    bad, _good = _examples("DBA419")
    orders, invoices = [s for s in _statements(bad) if s not in ("BEGIN", "COMMIT")]
    with _in_transaction(first, orders):
        first.execute(invoices)
        assert "AccessExclusiveLock" in _locks(observer, "orders")
        assert "AccessExclusiveLock" in _locks(observer, "invoices")
        assert _blocked(observer, READ)  # orders stays blocked while invoices is changed
    first.execute(orders)
    with _in_transaction(first, invoices):
        assert "AccessExclusiveLock" not in _locks(observer, "orders")
