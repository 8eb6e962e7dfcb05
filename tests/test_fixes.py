"""`--fix` and `--diff`: the safe rewrites, only in files not yet applied, never bringing another
finding."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from dbarch_lint import lint_sql
from dbarch_lint.model.findings import Edit
from dbarch_lint.orchestration.fixes import _apply
from tests.conftest import git
from tests.postgres import Server
from tests.test_cli import invoke

MIGRATION = (
    "-- orders by status\n"
    "CREATE INDEX orders_status_idx ON orders (status);\n"
    "DROP INDEX IF EXISTS orders_old_idx;\n"
)
FIXED = (
    "-- orders by status\n"
    "SET lock_timeout = '2s';\n"
    "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\n"
    "DROP INDEX CONCURRENTLY IF EXISTS orders_old_idx;\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_orders.sql").write_text(MIGRATION)
    return tmp_path


def test_diff_shows_the_fixes_and_changes_nothing(project: Path) -> None:
    code, out, _ = invoke("check", "--diff", "migrations/001_orders.sql")
    assert code == 1
    assert out.splitlines()[:2] == [
        "--- a/migrations/001_orders.sql",
        "+++ b/migrations/001_orders.sql",
    ]
    assert "+CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);" in out
    assert "+SET lock_timeout = '2s';" in out
    assert (project / "migrations" / "001_orders.sql").read_text() == MIGRATION
    (project / "migrations" / "001_orders.sql").write_text(FIXED)
    assert invoke("check", "--diff", "migrations/001_orders.sql")[:2] == (0, "")


def test_fix_edits_the_named_file_and_reports_what_is_left(project: Path) -> None:
    code, out, err = invoke("check", "--fix", "--format", "json", "migrations/001_orders.sql")
    assert (project / "migrations" / "001_orders.sql").read_text() == FIXED
    assert code == 0
    assert json.loads(out)["findings"] == []
    assert "fixed 3 findings in 1 file" in err
    assert "already been applied must not be edited" in err  # (no --diff-base: a warning)
    assert invoke("check", "migrations/001_orders.sql")[0] == 0


def test_fix_leaves_files_found_in_folders_alone(project: Path) -> None:
    code, _, err = invoke("check", "--fix", "migrations")
    assert code == 1
    assert (project / "migrations" / "001_orders.sql").read_text() == MIGRATION
    assert "3 fixable, but --fix edits only the files named one by one or changed since" in err


def test_fix_with_diff_base_edits_the_changed_files(project: Path) -> None:
    (project / "migrations" / "000_base.sql").write_text("CREATE INDEX a_idx ON a (x);\n")
    (project / "migrations" / "001_orders.sql").unlink()
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "applied")
    (project / "migrations" / "001_orders.sql").write_text(MIGRATION)
    code, _, err = invoke("check", "--fix", "--diff-base", "main", "migrations")
    assert code == 0
    assert (project / "migrations" / "001_orders.sql").read_text() == FIXED
    assert (project / "migrations" / "000_base.sql").read_text() == "CREATE INDEX a_idx ON a (x);\n"
    assert "fixed 3 findings" in err and "already been applied" not in err


def test_no_fix_where_it_would_fail() -> None:
    in_block = lint_sql("BEGIN;\nCREATE INDEX i ON t (a);\nDROP INDEX j;\nCOMMIT;\n")
    assert {f.code for f in in_block} >= {"DBA401", "DBA402"}
    assert all(f.fix is None for f in in_block if f.code in ("DBA401", "DBA402"))
    several = lint_sql("DROP INDEX i, j;\nDROP INDEX k CASCADE;\n", select=["DBA402"])
    assert len(several) == 3 and all(f.fix is None for f in several)


def test_a_single_statement_golang_migrate_file_stays_single(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "1_note.up.sql").write_text("ALTER TABLE orders ADD COLUMN note text;\n")
    (tmp_path / "2_more.up.sql").write_text(
        "ALTER TABLE orders ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text;\n"
    )
    _, out, _ = invoke(
        "check", "--runner", "golang-migrate", "--format", "json", "1_note.up.sql", "2_more.up.sql"
    )
    fixes = {f["path"]: f["fix"] for f in json.loads(out)["findings"] if f["code"] == "DBA413"}
    assert fixes["1_note.up.sql"] is None
    assert fixes["2_more.up.sql"]["edits"][0]["text"] == "SET lock_timeout = '2s';\n"


def test_the_lock_timeout_option(project: Path) -> None:
    (project / "dbarch-lint.toml").write_text('[rules.DBA413]\nlock-timeout = "5s"\n')
    _, out, _ = invoke("check", "--diff", "migrations/001_orders.sql")
    assert "+SET lock_timeout = '5s';" in out


REWRITING_PLUGIN = '''
from dbarch_lint.model.ir import CreateTable
from dbarch_lint.rule import (
    Applicability, FixAvailability, Rewrite, Severity, StatementRule, hookimpl
)


class ScratchTable(StatementRule):
    """A table named scratch.

    ## What it does
    Flags it.

    ## Why is this bad?
    Tests.

    ## Example
    ```sql
    CREATE TABLE scratch (id bigint);
    ```

    ## Use instead
    ```sql
    CREATE TABLE kept (id bigint);
    ```
    """

    code = "ACME001"
    name = "scratch-table"
    family = "acme"
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    targets = (CreateTable,)

    def check(self, event, ctx):
        if event.table.name == "scratch":
            start = ctx.text.find(b"bigint")
            # (a bad fix: serial brings DBA101)
            fix = Rewrite("use serial", ((start, start + 6, "serial"),)) if start >= 0 else None
            yield ctx.report(event.span, "scratch table", fix=fix)


class UnsafeScratchTable(ScratchTable):
    """A table named scratch, with an unsafe fix.

    ## What it does
    Flags it.

    ## Why is this bad?
    Tests.

    ## Example
    ```sql
    CREATE TABLE scratch (id bigint);
    ```

    ## Use instead
    ```sql
    CREATE TABLE kept (id bigint);
    ```
    """

    code = "ACME002"
    name = "unsafe-scratch-table"
    fix_applicability = Applicability.UNSAFE

    def check(self, event, ctx):
        if event.table.name == "scratch":
            at = event.span.start
            yield ctx.report(event.span, "scratch", fix=Rewrite("drop", ((at, at, "-- "),)))


@hookimpl
def dbarch_lint_rules():
    return [ScratchTable, UnsafeScratchTable]
'''


def test_a_fix_that_would_bring_another_finding_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "rewriting_plugin.py").write_text(REWRITING_PLUGIN)
    (tmp_path / "dbarch-lint.toml").write_text('plugins = ["rewriting_plugin"]\n')
    sql = "CREATE TABLE scratch (id bigint);\n"
    (tmp_path / "m.sql").write_text(sql)
    code, out, err = invoke("check", "--fix", "--format", "gcc", "m.sql")
    assert (tmp_path / "m.sql").read_text() == sql
    assert "not fixing m.sql: its fixes would bring DBA101" in err
    assert "ACME001" in out
    assert code == 1


def test_an_unsafe_fix_is_shown_and_not_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "rewriting_plugin.py").write_text(REWRITING_PLUGIN)
    (tmp_path / "dbarch-lint.toml").write_text('plugins = ["rewriting_plugin"]\n')
    sql = "CREATE TABLE scratch (id text);\n"
    (tmp_path / "m.sql").write_text(sql)
    code, out, err = invoke("check", "--fix", "--select", "ACME002", "m.sql")
    assert (tmp_path / "m.sql").read_text() == sql
    assert "drop (unsafe: --fix does not apply it, --fix --unsafe-fixes does)" in out
    assert "[*] 0 fixable with --fix (1 more with --fix --unsafe-fixes)." in out
    assert "fixed" not in err and "1 more fixable with --unsafe-fixes" in err
    assert code == 1
    code, out, err = invoke("check", "--diff", "--unsafe-fixes", "--select", "ACME002", "m.sql")
    assert code == 1 and "more fixable" not in err
    assert out.splitlines()[:3] == [
        "# unsafe fix: m.sql:1: ACME002 drop",
        "--- a/m.sql",
        "+++ b/m.sql",
    ]
    assert (tmp_path / "m.sql").read_text() == sql
    code, out, err = invoke("check", "--fix", "--unsafe-fixes", "--select", "ACME002", "m.sql")
    assert (tmp_path / "m.sql").read_text() == "CREATE TABLE -- scratch (id text);\n", (out, err)
    assert "fixed 1 finding in 1 file" in err
    rules = json.loads(invoke("rules", "--format", "json")[1])
    unsafe = next(r for r in rules if r["code"] == "ACME002")
    assert (unsafe["fix_availability"], unsafe["fix_applicability"]) == ("sometimes", "unsafe")


def test_lines_are_counted_as_findings_count_them() -> None:
    sql = "-- a\u2028b\fc\nCREATE INDEX i ON t (a);\n"  # (\r would end the comment)
    (finding,) = lint_sql(sql, select=["DBA401"])
    assert finding.fix is not None
    fixed, _ = _apply(sql, [finding.fix.edits])
    assert fixed == "-- a\u2028b\fc\nCREATE INDEX CONCURRENTLY i ON t (a);\n"


def test_overlapping_edits_wait_for_the_next_run() -> None:
    text = "abcdef\nghi\n"
    first = (Edit(1, 2, 1, 4, "X"),)  # bc -> X
    overlapping = (Edit(1, 3, 1, 5, "Y"),)  # cd: overlaps
    elsewhere = (Edit(2, 1, 2, 1, ">"),)
    assert _apply(text, [first, overlapping, elsewhere]) == ("aXdef\n>ghi\n", 2)


def test_the_byte_order_mark_and_the_encoding_are_kept(project: Path) -> None:
    path = project / "migrations" / "001_orders.sql"
    path.write_bytes(codecs.BOM_UTF8 + "-- café\n".encode() + MIGRATION.encode())
    invoke("check", "--fix", "migrations/001_orders.sql")
    assert path.read_bytes() == codecs.BOM_UTF8 + ("-- café\n" + FIXED).encode()
    (project / "dbarch-lint.toml").write_text('encoding = "latin-1"\n')
    path.write_bytes("-- café\n".encode("latin-1") + MIGRATION.encode("latin-1"))
    invoke("check", "--fix", "migrations/001_orders.sql")
    assert path.read_bytes() == ("-- café\n" + FIXED).encode("latin-1")


NAMES = """
CREATE TABLE customers (id bigint CONSTRAINT customers_pkey PRIMARY KEY);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint REFERENCES customers ON DELETE CASCADE,
    code text UNIQUE,
    total numeric CHECK (total >= 0),
    lo int, hi int, CHECK (lo < hi), check (hi > 0),
    UNIQUE (customer_id, code),
    FOREIGN KEY (lo) REFERENCES customers (id) ON DELETE SET NULL
);
CREATE TABLE order_notes (order_id bigint, note text);
ALTER TABLE order_notes ADD PRIMARY KEY (order_id), ADD UNIQUE (note),
    ADD CHECK (note <> '') NOT VALID,
    ADD FOREIGN KEY (order_id) REFERENCES orders ON DELETE CASCADE NOT VALID;
ALTER TABLE order_notes ADD COLUMN code text UNIQUE;
"""


def test_named_constraints_get_the_names_postgresql_would_invent(pg_server: Server) -> None:
    findings = [f for f in lint_sql(NAMES, select=["DBA201"]) if f.fix is not None]
    assert len(findings) == 13
    fixed, applied = _apply(NAMES, [f.fix.edits for f in findings if f.fix is not None])
    assert applied == 13
    assert lint_sql(fixed, select=["DBA201"]) == []

    def names(sql: str) -> set[tuple[str, str]]:
        with pg_server.connect() as session:
            session.execute("DROP SCHEMA IF EXISTS fixes CASCADE; CREATE SCHEMA fixes")
            session.execute("SET search_path = fixes")
            session.execute(sql)
            found = set(
                session.execute(
                    "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                    "WHERE connamespace = 'fixes'::regnamespace"
                ).fetchall()
            )
            session.execute("DROP SCHEMA fixes CASCADE")
        return found

    assert names(fixed) == names(NAMES)


def test_fix_warns_only_about_committed_files_in_git(project: Path) -> None:
    git(project, "init", "-q", "-b", "main")
    path = project / "migrations" / "001_orders.sql"
    _, _, err = invoke("check", "--fix", "migrations/001_orders.sql")
    assert "fixed 3 findings" in err and "already been applied" not in err  # untracked: new
    path.write_text(MIGRATION)
    git(project, "add", ".")
    _, _, err = invoke("check", "--fix", "migrations/001_orders.sql")
    assert "fixed 3 findings" in err and "already been applied" not in err  # only staged
    path.write_text(MIGRATION)
    git(project, "commit", "-q", "-m", "applied")
    _, _, err = invoke("check", "--fix", "migrations/001_orders.sql")
    assert "fixed 3 findings" in err
    assert "already been applied must not be edited" in err
    assert "(migrations/001_orders.sql is committed)" in err


ADD_CHECK = "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);\n"
VALIDATE = "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;\n"


@pytest.mark.parametrize(
    ("runner", "files", "fixed", "added"),
    [
        (
            "flyway",
            {"V1__orders.sql": "CREATE TABLE orders (total int);\n", "V2__check.sql": ADD_CHECK},
            "V2__check.sql",
            {"V2.1__validate_orders_total_check.sql": VALIDATE},
        ),
        (
            "golang-migrate",
            {
                "000001_orders.up.sql": "CREATE TABLE orders (total int);\n",
                "000002_check.up.sql": ADD_CHECK,
                "000004_later.up.sql": "SELECT 1;\n",
            },
            "000002_check.up.sql",
            {
                "000003_validate_orders_total_check.up.sql": VALIDATE,
                "000003_validate_orders_total_check.down.sql": (
                    "-- Nothing to undo: validating changes no schema.\n"
                ),
            },
        ),
        (
            "dbmate",
            {
                "20240101000000_orders.sql": "-- migrate:up\nCREATE TABLE orders (total int);\n",
                "20240102000000_check.sql": "-- migrate:up\n" + ADD_CHECK,
            },
            "20240102000000_check.sql",
            {
                "20240102000001_validate_orders_total_check.sql": (
                    f"-- migrate:up\n{VALIDATE}\n-- migrate:down\n"
                )
            },
        ),
        (
            "diesel",
            {
                "2024-01-01-000000_orders/up.sql": "CREATE TABLE orders (total int);\n",
                "2024-01-02-000000_check/up.sql": ADD_CHECK,
            },
            "2024-01-02-000000_check/up.sql",
            {
                "2024-01-02-000001_validate_orders_total_check/up.sql": VALIDATE,
                "2024-01-02-000001_validate_orders_total_check/down.sql": (
                    "-- Nothing to undo: validating changes no schema.\n"
                ),
            },
        ),
    ],
)
def test_not_valid_then_validate_in_a_migration_right_after(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    runner: str,
    files: dict[str, str],
    fixed: str,
    added: dict[str, str],
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "migrations"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / fixed).chmod(0o640)
    target = f"migrations/{fixed}"
    code, out, err = invoke("check", "--runner", runner, "--select", "DBA409", "--diff", target)
    assert code == 1 and "+++ b/migrations/" + next(iter(added)) in out, (out, err)
    assert not any((folder / name).exists() for name in added)
    code, out, err = invoke("check", "--runner", runner, "--select", "DBA409", "--fix", target)
    assert code == 0, (out, err)
    assert (
        (folder / fixed)
        .read_text()
        .endswith("CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\n")
    )
    for name, text in added.items():
        assert (folder / name).read_text() == text
        assert (folder / name).stat().st_mode & 0o777 == 0o640
        assert f"added migrations/{name}" in err
    assert not list(tmp_path.rglob(".dbarch-lint-*.tmp"))


def test_no_validate_where_the_runner_leaves_no_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "5_check.up.sql").write_text(ADD_CHECK)
    (tmp_path / "6_next.up.sql").write_text("SELECT 1;\n")
    code, out, _ = invoke(
        "check", "--runner", "golang-migrate", "--select", "DBA409", "--diff", "5_check.up.sql"
    )
    assert (code, out) == (0, "")


def test_a_plain_folder_validate_is_unsafe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "002_check.sql").write_text(ADD_CHECK)
    _, _, err = invoke("check", "--select", "DBA409", "--fix", "002_check.sql")
    assert (tmp_path / "002_check.sql").read_text() == ADD_CHECK
    assert "1 more fixable with --unsafe-fixes" in err
    code, out, err = invoke(
        "check", "--select", "DBA409", "--diff", "--unsafe-fixes", "002_check.sql"
    )
    assert code == 1 and out.startswith("# unsafe fix: 002_check.sql:1: DBA409 Add it NOT VALID")
    assert "+++ b/002_check_validate_orders_total_check.sql" in out


def test_a_new_migration_never_replaces_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "V2__check.sql").write_text(ADD_CHECK)
    # (there, but not linted: a name the history does not show)
    (tmp_path / "V2.1__validate_orders_total_check.sql").mkdir()
    code, _, err = invoke(
        "check", "--runner", "flyway", "--select", "DBA409", "--fix", "V2__check.sql"
    )
    assert code == 2 and "cannot add V2.1__validate_orders_total_check.sql" in err
    assert (tmp_path / "V2__check.sql").read_text() == ADD_CHECK


def test_edits_are_taken_in_order_whatever_their_place() -> None:
    text = "0123456789\n"
    late = (Edit(1, 8, 1, 9, "H"),)  # 7 -> H
    early = (Edit(1, 2, 1, 3, "B"),)  # 1 -> B
    inside_late = (Edit(1, 8, 1, 8, "x"),)  # an insertion where `late` starts: overlaps
    around_early = (Edit(1, 1, 1, 4, "Z"),)  # 012: overlaps `early`
    at_end_of_early = (Edit(1, 3, 1, 3, "+"),)  # an insertion where `early` ends: free
    both = (Edit(1, 10, 1, 10, "<"), Edit(1, 5, 1, 6, "F"))  # edits out of order: both taken
    fixes = [late, early, inside_late, around_early, at_end_of_early, both]
    assert _apply(text, fixes) == ("0B+23F56H8<9\n", 4)


def test_a_fix_whose_own_edits_overlap_is_not_applied() -> None:
    text = "abcdef\n"
    own_overlap = (Edit(1, 1, 1, 3, "X"), Edit(1, 2, 1, 4, "Y"))
    assert _apply(text, [own_overlap, (Edit(1, 6, 1, 7, "F"),)]) == ("abcdeF\n", 1)


def test_many_edits_in_one_file() -> None:
    lines = [f"CREATE TABLE t{n} (id bigint);\n" for n in range(20000)]
    fixes = [(Edit(n + 1, 14, n + 1, 14, "x"),) for n in reversed(range(20000))]
    fixed, applied = _apply("".join(lines), fixes)
    assert applied == 20000
    assert fixed == "".join(line.replace("TABLE t", "TABLE xt") for line in lines)
