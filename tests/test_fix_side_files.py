"""`--fix` where it writes more than the migration: the runner's side file for DBA404
(Flyway's `<file>.sql.conf` with `executeInTransaction=false`, Diesel's `metadata.toml` with
`run_in_transaction = false`), and under Prisma 7.3 and earlier a CONCURRENTLY statement moved
to a migration of its own right after the file (DBA401, DBA402, DBA416).

Each fixture folder under `tests/fixtures/` holding a `<file>.fixed` is a case: its migrations
are fixed (`--fix --unsafe-fixes`, with the rule the folder is named after, every migration
named); each `<file>` must then read exactly as its `.fixed` says (a side file, a migration
added, or the migration itself) and every other file be as it was; fixing again changes
nothing; and the history linted again has none of the rule's findings and no finding it did not
have before.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbarch_lint.inputs import config as cfg
from dbarch_lint.inputs import discovery
from dbarch_lint.orchestration import run as lint_run
from dbarch_lint.runners import BATCH_TRANSACTION, FLYWAY, FLYWAY_MIXED, TRANSACTION, planned
from dbarch_lint.runners.switches import transaction_off
from tests.postgres import Server
from tests.test_cli import invoke

FIXTURES = Path(__file__).parent / "fixtures"
SIDE = ".fixed"
CASES = sorted(
    {
        p.parent if p.parent.parent.parent == FIXTURES else p.parent.parent
        for p in FIXTURES.rglob(f"*{SIDE}")
    }
)


def _migrations(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*.sql") if discovery.is_migration(str(p))
    )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _codes(folder: Path, *options: str) -> Counter[str]:
    code, out, err = invoke(
        "check", "--no-cache", "--format", "json", *options, *_migrations(folder)
    )
    assert code in (0, 1), err
    return Counter(f["code"] for f in json.loads(out)["findings"])


def _copy(fixture: Path, tmp_path: Path) -> tuple[Path, dict[Path, bytes]]:
    """The fixture in `tmp_path` without its `.fixed` files (and the folders only they were
    in); and what each names (the file in the copy -> its expected bytes)."""
    folder = tmp_path / fixture.name
    shutil.copytree(fixture, folder)
    expected = {}
    for fixed in sorted(folder.rglob(f"*{SIDE}")):
        expected[fixed.with_name(fixed.name.removesuffix(SIDE))] = fixed.read_bytes()
        fixed.unlink()
        if not any(fixed.parent.iterdir()):
            fixed.parent.rmdir()
    return folder, expected


def _code(fixture: Path) -> str:
    return fixture.name.split("_", 1)[0]


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: p.name)
def test_the_files_are_written_as_expected(
    fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, expected = _copy(fixture, tmp_path)
    monkeypatch.chdir(folder)
    code = _code(fixture)
    before = _codes(folder)
    assert before[code] > 0
    existed = _snapshot(folder)
    migrations = _migrations(folder)
    status, out, err = invoke(
        "check", "--no-cache", "--select", code, "--fix", "--unsafe-fixes", *migrations
    )
    assert status == 0 and "dbarch-lint: fixed" in err, (out, err)
    for path, text in expected.items():
        assert path.read_bytes() == text, path
        shown = str(path.relative_to(folder))
        if shown not in existed:
            assert f"added {shown}" in err
    # every other file is as it was, and no temporary file is left
    others = {p: t for p, t in _snapshot(folder).items() if folder / p not in expected}
    assert others == {p: t for p, t in existed.items() if folder / p not in expected}
    # fixing again changes nothing
    done = _snapshot(folder)
    invoke("check", "--no-cache", "--select", code, "--fix", "--unsafe-fixes", *_migrations(folder))
    assert _snapshot(folder) == done
    # linted again: none of the rule's findings, nothing new
    after = _codes(folder)
    assert after[code] == 0
    assert not after - before


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: p.name)
def test_diff_shows_the_side_file_and_writes_nothing(
    fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, expected = _copy(fixture, tmp_path)
    monkeypatch.chdir(folder)
    files = _snapshot(folder)
    code, out, _ = invoke(
        "check",
        "--no-cache",
        "--select",
        _code(fixture),
        "--diff",
        "--unsafe-fixes",
        *_migrations(folder),
    )
    assert code == 1
    for path in expected:
        assert f"+++ b/{path.relative_to(folder)}\n" in out
    assert _snapshot(folder) == files


def test_a_flyway_file_with_other_statements_gets_an_unsafe_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the transaction the others no longer roll back together: unsafe."""
    shutil.copytree(FIXTURES / "locking" / "DBA404_flyway_mixed", tmp_path / "m")
    monkeypatch.chdir(tmp_path / "m")
    _, _, err = invoke("check", "--no-cache", "--fix", "V1__orders.sql", "V2__mixed.sql")
    assert not (tmp_path / "m" / "V2__mixed.sql.conf").exists()
    assert "1 more fixable with --unsafe-fixes" in err
    _, out, _ = invoke("check", "--no-cache", "--diff", "--unsafe-fixes", "V2__mixed.sql")
    assert out.startswith("# unsafe fix: V2__mixed.sql:2: DBA404 Run this migration outside")


@pytest.mark.parametrize(
    "case",
    [
        "DBA404_diesel_several",
        "DBA404_flyway_begin",
        "DBA401_prisma_used_later",
        "DBA401_prisma_referenced_later",
        "DBA401_prisma_no_place",
    ],
)
def test_no_side_file_where_it_would_not_help(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "locking" / case, tmp_path / "m")
    monkeypatch.chdir(tmp_path / "m")
    files = _snapshot(tmp_path / "m")
    code, out, _ = invoke(
        "check",
        "--no-cache",
        "--select",
        _code(Path(case)),
        "--diff",
        "--unsafe-fixes",
        *_migrations(tmp_path / "m"),
    )
    assert (code, out) == (0, "")
    assert _snapshot(tmp_path / "m") == files


def test_a_new_side_file_takes_the_migrations_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "locking" / "DBA404_flyway_conf_new", tmp_path / "m")
    monkeypatch.chdir(tmp_path / "m")
    (tmp_path / "m" / "V2__reindex.sql").chmod(0o640)
    code, _, err = invoke("check", "--no-cache", "--select", "DBA404", "--fix", "V2__reindex.sql")
    assert code == 0, err
    assert (tmp_path / "m" / "V2__reindex.sql.conf").stat().st_mode & 0o777 == 0o640


def test_a_side_file_that_changed_since_it_was_read_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbarch_lint.inputs.config import Config
    from dbarch_lint.orchestration import fixes
    from dbarch_lint.orchestration.run import prepare

    shutil.copytree(FIXTURES / "locking" / "DBA404_flyway_conf_changed", tmp_path / "m")
    monkeypatch.chdir(tmp_path / "m")
    conf = tmp_path / "m" / "V2__index.sql.conf"
    config = Config(select=["DBA404"])
    run = prepare(["V2__index.sql"], config)
    outcome = fixes.plan(run, ["V2__index.sql"], None)
    assert list(outcome.sides) == ["V2__index.sql.conf"]
    conf.write_text("executeInTransaction: true\n# edited meanwhile\n")
    saved = fixes.save(run, outcome)
    assert conf.read_text() == "executeInTransaction: true\n# edited meanwhile\n"
    assert any("V2__index.sql.conf changed since it was read" in e for e in saved.result.errors)
    assert not saved.sides and not saved.texts


def test_the_runners_read_the_planned_side_file(tmp_path: Path) -> None:
    from dbarch_lint.runners import diesel, flyway

    migration = tmp_path / "V2__index.sql"
    migration.write_text("SELECT 1;\n")
    assert flyway.run(str(migration), {}).mode == "flyway"
    with planned.presented({str(migration) + ".conf": b"executeInTransaction=false\n"}):
        assert flyway.run(str(migration), {}).mode == "none"
    assert flyway.run(str(migration), {}).mode == "flyway"
    up = tmp_path / "2024-01-01-000000_x" / "up.sql"
    up.parent.mkdir()
    up.write_text("SELECT 1;\n")
    with planned.presented({str(up.parent / "metadata.toml"): b"run_in_transaction = false\n"}):
        assert diesel.run(str(up)).mode == "batch"
    assert diesel.run(str(up)).mode == "batch-transaction"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "executeInTransaction=false\n"),
        ("", "executeInTransaction=false\n"),
        ("encoding=UTF-8", "encoding=UTF-8\nexecuteInTransaction=false\n"),
        ("a=1\r\nb=2\r\n", "a=1\r\nb=2\r\nexecuteInTransaction=false\r\n"),
        ("executeInTransaction true\n", "executeInTransaction=false\n"),
        ("  executeInTransaction = TRUE\nx=1\n", "executeInTransaction=false\nx=1\n"),
        (
            "# executeInTransaction=true\n",
            "# executeInTransaction=true\nexecuteInTransaction=false\n",
        ),
        (
            "executeInTransactionX=true\n",
            "executeInTransactionX=true\nexecuteInTransaction=false\n",
        ),
        ("executeInTransaction=false\n", None),
    ],
)
def test_flyway_script_configuration(tmp_path: Path, before: str | None, after: str | None) -> None:
    migration = tmp_path / "V1__x.sql"
    if before is not None:
        (tmp_path / "V1__x.sql.conf").write_bytes(before.encode())
    side = transaction_off("flyway", str(migration))
    if after is None:
        assert side is None
        return
    assert side is not None
    assert side.where == str(migration) + ".conf"
    assert side.before == (before.encode() if before is not None else None)
    assert side.text == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "run_in_transaction = false\n"),
        ("run_in_transaction = true # why\n", "run_in_transaction = false\n"),
        ('"run_in_transaction"=true\n', "run_in_transaction = false\n"),
        (
            "[t]\nrun_in_transaction = true\n",
            "run_in_transaction = false\n[t]\nrun_in_transaction = true\n",
        ),
        ("not toml = = =\n", None),
        ("run_in_transaction = false\n", None),
    ],
)
def test_diesel_metadata(tmp_path: Path, before: str | None, after: str | None) -> None:
    up = tmp_path / "up.sql"
    if before is not None:
        (tmp_path / "metadata.toml").write_text(before)
    side = transaction_off("diesel", str(up))
    assert (side.text if side is not None else None) == after
    if side is not None:
        assert side.where == os.path.join(str(tmp_path), "metadata.toml")


def test_no_side_file_for_other_runners(tmp_path: Path) -> None:
    for runner in ("golang-migrate", "sqitch", "plain", "dbmate", "prisma"):
        assert transaction_off(runner, str(tmp_path / "1_x.up.sql")) is None


@pytest.mark.parametrize(
    ("others", "added", "expected"),
    [
        ([], [], "m/20240102000001_create_x/migration.sql"),
        (["m/20240103000000_next/migration.sql"], [], "m/20240102000001_create_x/migration.sql"),
        # a second moved statement: a timestamp of its own, after the first
        (
            ["m/20240102000001_create_a/migration.sql"],
            ["m/20240102000001_create_a/migration.sql"],
            "m/20240102000002_create_x/migration.sql",
        ),
        # Prisma orders by folder name: a later migration a second after still sorts after
        # this name, unless its name sorts first
        (["m/20240102000001_next/migration.sql"], [], "m/20240102000001_create_x/migration.sql"),
        (["m/20240102000001_a/migration.sql"], [], None),
        (["m/20240102000000_next/migration.sql"], [], None),
        # another folder's migrations do not count
        (
            ["other/20240102000001_next/migration.sql"],
            [],
            "m/20240102000001_create_x/migration.sql",
        ),
    ],
)
def test_prisma_places_the_moved_statement_right_after(
    others: list[str], added: list[str], expected: str | None
) -> None:
    from dbarch_lint.runners.follow_up import follow_up

    path = "m/20240102000000_index/migration.sql"
    files = follow_up("prisma", path, [path, *others], "create_x", "SQL;\n", added)
    assert (next(iter(files)) if files else None) == expected
    if files:
        assert files[expected or ""] == "SQL;\n"


def test_prisma_timestamps_roll_over_as_dates() -> None:
    from dbarch_lint.runners.follow_up import follow_up

    path = "m/20231231235959_index/migration.sql"
    files = follow_up("prisma", path, [path], "drop_y", "SQL;\n")
    assert files == {"m/20240101000000_drop_y/migration.sql": "SQL;\n"}
    assert follow_up("prisma", "m/2024_bad/migration.sql", [], "x", "SQL;\n") is None


IN_PLACE = {
    "DBA401_prisma_moved": (" INDEX ", " INDEX CONCURRENTLY "),
    "DBA402_prisma_moved": (" INDEX ", " INDEX CONCURRENTLY "),
    "DBA416_prisma_moved": ('"events_2023";', '"events_2023" CONCURRENTLY;'),
}


@pytest.mark.parametrize("fixture", sorted(IN_PLACE))
def test_the_moved_statements_run_where_in_place_they_fail(
    pg_server: Server, fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prisma 7.3 and earlier send each migration as one simple-protocol query (psycopg's
    `execute` of a string without parameters: `tests/test_prisma_server.py`). CONCURRENTLY in
    place fails with 25001 in a file of several statements; the fixed history, each migration
    sent whole in folder order, runs, and leaves the indexes built (valid) or dropped, the
    partition detached."""
    folder, _ = _copy(FIXTURES / "locking" / fixture, tmp_path)
    monkeypatch.chdir(folder)
    code = _code(Path(fixture))
    original = {p: (folder / p).read_text() for p in _migrations(folder)}
    invoke("check", "--no-cache", "--select", code, "--fix", "--unsafe-fixes", *original)
    fixed = {p: (folder / p).read_text() for p in _migrations(folder)}
    assert len(fixed) > len(original)
    schema = f"fixfiles_{code.lower()}"
    with pg_server.connect() as session:
        session.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        session.execute(f"SET search_path = {schema}")
        try:
            # in place: the statement with CONCURRENTLY, among the file's others, in one query
            session.execute(original["20240101000000_init/migration.sql"])
            [index] = [t for p, t in original.items() if p.startswith("20240102000000_")]
            with pytest.raises(psycopg.errors.ActiveSqlTransaction) as failed:
                session.execute(index.replace(*IN_PLACE[fixture], 1))
            assert failed.value.sqlstate == "25001"
            session.execute(f"DROP SCHEMA {schema} CASCADE; CREATE SCHEMA {schema}")
            for path in sorted(fixed):  # (Prisma's order: by folder name)
                session.execute(fixed[path])
            partitions = session.execute(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass(%s || '.events')",
                (schema,),
            ).fetchone()[0]
            rows = session.execute(
                "SELECT c.relname, i.indisvalid FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON "
                "n.oid = c.relnamespace WHERE n.nspname = %s ORDER BY 1",
                (schema,),
            ).fetchall()
        finally:
            session.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    built = {name for name, valid in rows if valid}
    assert all(valid for _, valid in rows)
    if code == "DBA401":
        assert {"orders_note_idx", "orders_id_note_key"} <= built
    elif code == "DBA402":
        assert "orders_tag_idx" not in built and "orders_pkey" in built
    else:
        assert partitions == 0  # (detached)


def test_no_side_file_when_the_run_assumes_the_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "locking" / "DBA404_flyway_conf_new", tmp_path / "m")
    monkeypatch.chdir(tmp_path / "m")
    code, out, _ = invoke(
        "check",
        "--no-cache",
        "--select",
        "DBA404",
        "--assume-in-transaction",
        "--diff",
        "V2__reindex.sql",
    )
    assert (code, out) == (0, "")


IN_TRANSACTION = (TRANSACTION, BATCH_TRANSACTION, FLYWAY, FLYWAY_MIXED)


@pytest.mark.parametrize("fixture", ["DBA404_flyway_conf_new", "DBA404_diesel_metadata_new"])
def test_the_side_file_lets_the_statement_run(
    pg_server: Server, fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each migration sent as the tool's runner model says its runner sends it (inside a
    transaction block the runner opens, or not): before the fix the concurrent statement fails
    with 25001 inside the runner's transaction; with the side file the fix writes, the runner
    sends it outside one, and the history runs, leaving the index valid."""
    folder, _ = _copy(FIXTURES / "locking" / fixture, tmp_path)
    monkeypatch.chdir(folder)

    def sent() -> list[tuple[str, bool]]:
        run = lint_run.prepare(["."], cfg.Config(), autoload_plugins=False)
        ups = [i for i in run.inputs if not discovery.is_down(i.path)]
        return [(i.text or "", i.run is not None and i.run.mode in IN_TRANSACTION) for i in ups]

    def apply(session: psycopg.Connection[Any], files: list[tuple[str, bool]]) -> None:
        for text, wrapped in files:
            if wrapped:
                with session.transaction():
                    session.execute(text)
            else:
                session.execute(text)

    before = sent()
    assert before[-1][1]  # (the concurrent statement's file, in the runner's transaction)
    invoke("check", "--no-cache", "--select", "DBA404", "--fix", *_migrations(folder))
    after = sent()
    assert [text for text, _ in after] == [text for text, _ in before]  # (the SQL is unchanged)
    assert not after[-1][1]
    schema = f"sidefile_{fixture.split('_')[1]}"
    with pg_server.connect() as session:
        session.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        session.execute(f"SET search_path = {schema}")
        try:
            with pytest.raises(psycopg.errors.ActiveSqlTransaction):
                apply(session, before)
            session.execute(f"DROP SCHEMA {schema} CASCADE; CREATE SCHEMA {schema}")
            apply(session, after)
            valid = session.execute(
                "SELECT bool_and(i.indisvalid), count(*) FROM pg_index i JOIN pg_class c ON "
                "c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s",
                (schema,),
            ).fetchone()
        finally:
            session.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    # (the primary key, rebuilt by Flyway's REINDEX; and Diesel's new index)
    assert valid == (True, 1 if "flyway" in fixture else 2)


def test_a_foreign_key_needs_the_unique_index_it_references(pg_server: Server) -> None:
    """Why a unique index stays where a later foreign key of the file references its table:
    built after it (moved to the next migration), the foreign key fails with 42830."""
    with pg_server.connect() as session:
        session.execute("DROP SCHEMA IF EXISTS fk_unique CASCADE; CREATE SCHEMA fk_unique")
        session.execute("SET search_path = fk_unique")
        try:
            session.execute('CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "note" text)')
            session.execute('CREATE TABLE "notes" ("order_id" bigint, "note" text)')
            add = (
                'ALTER TABLE "notes" ADD CONSTRAINT "notes_order_fkey" FOREIGN KEY '
                '("order_id", "note") REFERENCES "orders"("id", "note")'
            )
            with pytest.raises(psycopg.errors.InvalidForeignKey) as failed:
                session.execute(add)
            assert failed.value.sqlstate == "42830"
            session.execute('CREATE UNIQUE INDEX "orders_id_note_key" ON "orders"("id", "note")')
            session.execute(add)
        finally:
            session.execute("DROP SCHEMA IF EXISTS fk_unique CASCADE")
