"""Migration runners (INTERFACE.md, "Migration runners"): the order each runner applies files
in, how it runs each one (the transaction model the rules see), `auto` detection, the
overrides, the configuration, `-v`, and the cache. The rules' side is in
tests/fixtures/runners/ (scenario folders, one per runner)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dbarch_lint.cli import main
from dbarch_lint.inputs import config as cfg
from dbarch_lint.model import ir
from dbarch_lint.model.errors import PluginError
from dbarch_lint.model.source import SourceFile
from dbarch_lint.orchestration import run as lint_run
from dbarch_lint.parsing.postgres.parser import parse_postgres
from dbarch_lint.runners import RUNNERS, sqitch, transactions
from tests.cli_runner import CliRunner

INDEX = "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def prepared(root: Path, runner: str = "auto", **settings: object) -> lint_run.Run:
    config = cfg.Config()
    cfg.apply(config, "runner", runner)
    for key, value in settings.items():
        cfg.apply(config, key.replace("_", "-"), value)
    return lint_run.prepare([str(root)], config, cwd=str(root), autoload_plugins=False)


def order(root: Path, runner: str = "auto") -> list[str]:
    return [item.path for item in prepared(root, runner).inputs]


def touch(root: Path, *names: str) -> None:
    write(root, dict.fromkeys(names, "SELECT 1;\n"))


# --- order -------------------------------------------------------------------------------------


def test_flyway_orders_by_version_parts_then_repeatables_by_description(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "R__b_view.sql",
        "V1.10__ten.sql",
        "V1.9__nine.sql",
        "V2__two.sql",
        "V1_2__underscore.sql",
        "V1__one.sql",
        "R__a_view.sql",
    )
    assert order(tmp_path) == [
        "V1__one.sql",
        "V1_2__underscore.sql",
        "V1.9__nine.sql",
        "V1.10__ten.sql",
        "V2__two.sql",
        "R__a_view.sql",
        "R__b_view.sql",
    ]
    run = prepared(tmp_path)
    assert run.inputs and run.ordered_by == ["flyway"]


def test_flyway_undo_migrations_follow_the_migration_of_their_version(tmp_path: Path) -> None:
    touch(tmp_path, "U2__drop_users.sql", "V1__init.sql", "V2__users.sql", "U1_0__init.sql")
    assert order(tmp_path) == [
        "V1__init.sql",
        "U1_0__init.sql",
        "V2__users.sql",
        "U2__drop_users.sql",
    ]
    run = prepared(tmp_path)
    assert [item.down for item in run.inputs] == [False, True, False, True]
    assert run.ordered_by == ["flyway"]


def test_a_flyway_undo_migration_is_a_down_migration_of_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flyway pairs an undo with the versioned migration of its version, whatever the
    # descriptions: the undo is linted after V2 with V2's objects new, and never replayed.
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        {
            "V1__init.sql": "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY"
            " CONSTRAINT t_pkey PRIMARY KEY);\n",
            "V2__b.sql": "SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN b text;\n"
            "CREATE TABLE audit (id bigint GENERATED ALWAYS AS IDENTITY"
            " CONSTRAINT audit_pkey PRIMARY KEY);\n",
            "U2__revert_b.sql": "SET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN b;\n"
            "DROP TABLE audit;\n",
            "V3__c.sql": "SET lock_timeout = '1s';\nALTER TABLE t RENAME COLUMN b TO c;\n",
        },
    )
    code, out, _ = check("--select", "DBA5,DBA801", ".")
    found = [(f["path"], f["code"]) for f in json.loads(out)["findings"]]
    # V3 renames b (the undo did not drop it from the replay); the undo drops only what V2 made.
    assert found == [("V3__c.sql", "DBA502")], found
    assert code == 1


def test_flyway_files_it_would_not_run_come_last(tmp_path: Path) -> None:
    touch(tmp_path, "V2__two.sql", "afterMigrate.sql", "V10__ten.sql")
    assert order(tmp_path, "flyway") == ["V2__two.sql", "V10__ten.sql", "afterMigrate.sql"]


def test_golang_migrate_orders_by_numeric_version_with_downs_after_ups(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "10_ten.up.sql",
        "10_ten.down.sql",
        "9_nine.down.sql",
        "9_nine.up.sql",
        "100_hundred.up.sql",
    )
    assert order(tmp_path) == [
        "9_nine.up.sql",
        "9_nine.down.sql",
        "10_ten.up.sql",
        "10_ten.down.sql",
        "100_hundred.up.sql",
    ]


def test_dbmate_orders_by_file_name(tmp_path: Path) -> None:
    # dbmate sorts file names as strings: "10_" before "9_" (real versions are timestamps).
    write(
        tmp_path,
        {name: "-- migrate:up\nSELECT 1;\n-- migrate:down\n" for name in ("9_b.sql", "10_a.sql")},
    )
    assert order(tmp_path) == ["10_a.sql", "9_b.sql"]
    # The same names without dbmate's marker are plain files, in natural order.
    touch(tmp_path, "9_b.sql", "10_a.sql")
    assert order(tmp_path) == ["9_b.sql", "10_a.sql"]


def test_diesel_orders_folders_by_version(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "2026-07-30-140000-0000_late/up.sql",  # crates.io's newer names (a longer version)
        "2026-07-30-140000-0000_late/down.sql",
        "2019-02-26-002946_create_user/up.sql",
        "00000000000000_diesel_initial_setup/up.sql",
        "00000000000000_diesel_initial_setup/down.sql",
    )
    assert order(tmp_path) == [
        "00000000000000_diesel_initial_setup/up.sql",
        "00000000000000_diesel_initial_setup/down.sql",
        "2019-02-26-002946_create_user/up.sql",
        "2026-07-30-140000-0000_late/up.sql",
        "2026-07-30-140000-0000_late/down.sql",
    ]


SQITCH_PLAN = """%syntax-version=1.0.0
%project=shop

zebra 2020-01-01T00:00:00Z Ada <ada@example.com> # first, although it sorts last
apple [zebra] 2020-01-02T00:00:00Z Ada <ada@example.com>
@v1.0 2020-01-03T00:00:00Z Ada <ada@example.com>
middle 2020-01-04T00:00:00Z Ada <ada@example.com>
zebra [zebra@v1.0] 2020-01-05T00:00:00Z Ada <ada@example.com> # reworked
"""


def test_sqitch_orders_by_its_plan(tmp_path: Path) -> None:
    write(tmp_path, {"db/sqitch.plan": SQITCH_PLAN})
    touch(
        tmp_path,
        "db/deploy/apple.sql",
        "db/deploy/middle.sql",
        "db/deploy/zebra.sql",
        "db/deploy/zebra@v1.0.sql",
        "db/revert/zebra@v1.0.sql",
        "db/verify/apple.sql",
        "db/revert/apple.sql",
        "db/deploy/unplanned.sql",
    )
    assert order(tmp_path) == [
        "db/deploy/zebra@v1.0.sql",
        "db/revert/zebra@v1.0.sql",
        "db/deploy/apple.sql",
        "db/revert/apple.sql",
        "db/verify/apple.sql",
        "db/deploy/middle.sql",
        "db/deploy/zebra.sql",
        "db/deploy/unplanned.sql",
    ]
    run = prepared(tmp_path)
    assert run.files["db/revert/apple.sql"].down  # revert scripts are down migrations
    assert not run.files["db/verify/apple.sql"].down


def test_sqitch_plan_order() -> None:
    assert sqitch.plan_order(SQITCH_PLAN) == {
        "zebra@v1.0": 0,
        "apple": 1,
        "middle": 3,  # (positions count the plan's entries, tags included)
        "zebra": 4,
    }


def test_auto_orders_files_of_several_runners_naturally(tmp_path: Path) -> None:
    touch(tmp_path, "V10__ten.sql", "V9__nine.sql", "0002_b/up.sql", "0001_a/up.sql")
    run = prepared(tmp_path)
    assert [item.path for item in run.inputs] == [
        "0001_a/up.sql",
        "0002_b/up.sql",
        "V9__nine.sql",
        "V10__ten.sql",
    ]
    assert run.ordered_by == ["plain"]
    # Each file still runs as its own runner runs it.
    assert {path: item.run.runner for path, item in run.files.items() if item.run} == {
        "0001_a/up.sql": "diesel",
        "0002_b/up.sql": "diesel",
        "V9__nine.sql": "flyway",
        "V10__ten.sql": "flyway",
    }


def test_a_target_outside_the_history_comes_after_it(tmp_path: Path) -> None:
    touch(tmp_path, "V1__one.sql", "V3__three.sql", "V2__two.sql")
    config = cfg.Config()
    cfg.apply(config, "migrations", ["V1__one.sql", "V3__three.sql"])
    config.root = str(tmp_path)
    target = str(tmp_path / "V2__two.sql")
    run = lint_run.prepare([target], config, cwd=str(tmp_path), autoload_plugins=False)
    assert [item.path for item in run.inputs] == ["V1__one.sql", "V3__three.sql", "V2__two.sql"]
    assert run.ordered_by == ["flyway", "flyway"]


# --- detection and the transaction mode ---------------------------------------------------------


def test_auto_detects_each_files_runner_from_its_layout(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "diesel/2020-01-01-000000_a/up.sql": INDEX,
            "golang/1_a.up.sql": INDEX,
            "flyway/V1__a.sql": INDEX,
            "dbmate/20200101000000_a.sql": "-- migrate:up transaction:false\n" + INDEX,
            "dbmate/20200102000000_b.sql": "-- migrate:up\n" + INDEX,
            "sqitch/sqitch.plan": "a 2020-01-01T00:00:00Z Ada <ada@example.com>\n",
            "sqitch/deploy/a.sql": INDEX,
            "plain/0001_a.sql": INDEX,
            "not_sqitch/deploy/a.sql": INDEX,  # no sqitch.plan governs it
        },
    )
    found = {
        item.path: (item.run.runner, item.run.mode)
        for item in prepared(tmp_path).inputs
        if item.run
    }
    assert found == {
        "diesel/2020-01-01-000000_a/up.sql": ("diesel", "batch-transaction"),
        "golang/1_a.up.sql": ("golang-migrate", "batch"),
        "flyway/V1__a.sql": ("flyway", "flyway"),
        "dbmate/20200101000000_a.sql": ("dbmate", "batch"),
        "dbmate/20200102000000_b.sql": ("dbmate", "batch-transaction"),
        "sqitch/deploy/a.sql": ("sqitch", "none"),
        "plain/0001_a.sql": ("plain", "none"),
        "not_sqitch/deploy/a.sql": ("plain", "none"),
    }


def test_a_named_runner_applies_to_every_file(tmp_path: Path) -> None:
    touch(tmp_path, "0001_a.sql", "0002_b/up.sql")
    run = prepared(tmp_path, "dbmate")
    assert {item.run.runner for item in run.inputs if item.run} == {"dbmate"}
    assert prepared(tmp_path, "golang-migrate", runners={"golang-migrate": {}}).inputs
    for runner in ("alembic", "django", "plain", "sqitch"):
        modes = {(i.run.runner, i.run.mode) for i in prepared(tmp_path, runner).inputs if i.run}
        assert modes == {(runner, "none")}


@pytest.mark.parametrize(
    ("runner", "options", "mode"),
    [
        ("flyway", {"mixed": True}, "flyway-mixed"),
        ("flyway", {"execute-in-transaction": False}, "none"),
        ("golang-migrate", {"multi-statement": True}, "none"),
    ],
)
def test_runner_options(tmp_path: Path, runner: str, options: dict[str, bool], mode: str) -> None:
    touch(tmp_path, "V1__a.sql", "1_a.up.sql")
    run = prepared(tmp_path, runner, runners={runner: options})
    assert {item.run.mode for item in run.inputs if item.run} == {mode}


def test_assume_in_transaction_overrides_every_runner(tmp_path: Path) -> None:
    touch(tmp_path, "V1__a.sql", "1_a.up.sql", "0001_a/up.sql", "plain.sql")
    wrapped = prepared(tmp_path, assume_in_transaction=True).inputs
    assert {item.run.mode for item in wrapped if item.run} == {"transaction"}
    bare = prepared(tmp_path, assume_in_transaction=False).inputs
    assert {item.run.mode for item in bare if item.run} == {"none"}
    # (the runner that governs each file is still the detected one)
    assert {item.run.runner for item in bare if item.run} == {
        "flyway",
        "golang-migrate",
        "diesel",
        "plain",
    }


def parsed(sql: str) -> tuple[ir.Statement, ...]:
    return parse_postgres(SourceFile("x.sql", sql)).statements


def test_one_multi_statement_string_is_one_implicit_transaction() -> None:
    one = parsed(INDEX)
    assert transactions.resolve("batch", one).starts == (-1,)
    several = parsed(INDEX + INDEX + "COMMIT;\n" + INDEX)
    model = transactions.resolve("batch", several)
    # After the COMMIT the next statement starts a new implicit block.
    assert model.starts == (0, 0, 0, 3)
    assert model.kinds == ("implicit",) * 4
    assert model.implicit and not model.wrapped


def test_a_runner_transaction_and_an_explicit_commit() -> None:
    statements = parsed("SELECT 1;\nCOMMIT;\nSELECT 2;\nSELECT 3;\n")
    # Statement by statement (the override): after the COMMIT, outside any block.
    assert transactions.resolve("transaction", statements).starts == (0, 0, -1, -1)
    # One string inside the runner's transaction (dbmate, Diesel): an implicit block follows.
    model = transactions.resolve("batch-transaction", statements)
    assert model.starts == (0, 0, 2, 2)
    assert model.kinds == ("runner", "runner", "implicit", "implicit")


def test_a_down_section_runs_on_its_own() -> None:
    sql = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\nSELECT 3;\n"
    statements = parsed(sql)
    offset = sql.index("-- migrate:down")
    model = transactions.resolve(
        "batch", statements, down_mode="batch-transaction", down_offset=offset
    )
    assert model.starts == (-1, 1, 1)
    assert model.kinds == ("", "runner", "runner")


def test_flyway_runs_non_transactional_statements_outside_and_refuses_a_mix() -> None:
    alone = transactions.resolve("flyway", parsed(INDEX + "VACUUM orders;\n"))
    assert alone.starts == (-1, -1) and not alone.refused
    mixed = transactions.resolve("flyway", parsed("SELECT 1;\n" + INDEX))
    assert list(mixed.refused) == [1] and "Flyway refuses" in mixed.refused[1]
    assert not transactions.resolve("flyway-mixed", parsed("SELECT 1;\n" + INDEX)).refused
    plain = transactions.resolve("flyway", parsed("SELECT 1;\nSELECT 2;\n"))
    assert plain.starts == (0, 0) and plain.wrapped
    # ADD VALUE runs outside a transaction only before PostgreSQL 12 (as Flyway decides).
    add = parsed("ALTER TYPE s ADD VALUE 'x';\n")
    assert transactions.resolve("flyway", add, pg_version=11).starts == (-1,)
    assert transactions.resolve("flyway", add, pg_version=12).starts == (0,)


# --- configuration --------------------------------------------------------------------------------


def check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"migrations/2020-01-01-000000_index/up.sql": INDEX})
    return tmp_path


def test_runner_from_the_command_line_and_the_config(project: Path) -> None:
    code, out, _ = check("migrations", "--select", "DBA404")
    assert code == 1 and '"DBA404"' in out  # auto: Diesel's transaction
    assert check("migrations", "--select", "DBA404", "--runner", "plain")[0] == 0
    (project / "dbarch-lint.toml").write_text('runner = "plain"\n')
    assert check("migrations", "--select", "DBA404")[0] == 0
    assert check("migrations", "--select", "DBA404", "--runner", "diesel")[0] == 1


RUNNER_CHOICES = ", ".join(RUNNERS)  # (every runner, in the order the config lists them)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            'runner = "flyaway"\n',
            f"runner = 'flyaway' is not one of {RUNNER_CHOICES} (did you mean \"flyway\"?)",
        ),
        (
            "[runners.flyaway]\nmixed = true\n",
            'runners.flyaway: unknown runner (did you mean "flyway"?)',
        ),
        (
            "[runners.flyway]\nmixd = true\n",
            "runners.flyway: unknown option 'mixd' (did you mean \"mixed\"?) "
            "(options: mixed, execute-in-transaction, out-of-order)",
        ),
        ("[runners.flyway]\nmixed = 1\n", "runners.flyway.mixed must be true or false"),
        (
            "[runners.diesel]\nrun-in-transaction = false\n",
            "runners.diesel: this runner takes no options",
        ),
        ('runners = "flyway"\n', "runners must be a table"),
        ("[runner]\nflyway = true\n", "runner must be a string"),
        (
            "[runnres.flyway]\nmixed = true\n",
            "unknown setting 'runnres' (did you mean \"runners\"?)",
        ),
    ],
)
def test_runner_configuration_errors(project: Path, config: str, message: str) -> None:
    (project / "dbarch-lint.toml").write_text(config)
    code, out, err = check("migrations")
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_an_unknown_runner_on_the_command_line(project: Path) -> None:
    code, _, err = check("migrations", "--runner", "golang")
    assert code == 2 and 'did you mean "golang-migrate"?' in err


def test_runner_options_in_pyproject(project: Path) -> None:
    write(project, {"db/V1__mixed.sql": "SELECT 1;\n" + INDEX})
    assert '"DBA404"' in check("db", "--select", "DBA404")[1]
    (project / "pyproject.toml").write_text("[tool.dbarch-lint.runners.flyway]\nmixed = true\n")
    assert check("db", "--select", "DBA404")[0] == 0


# --- -v and the cache -----------------------------------------------------------------------------


def test_verbose_names_the_runner_and_each_files_transaction(project: Path) -> None:
    write(project, {"migrations/2020-01-02-000000_more/up.sql": "SELECT 1;\n"})
    write(
        project, {"migrations/2020-01-02-000000_more/metadata.toml": "run_in_transaction = false\n"}
    )
    result = CliRunner().invoke(main, ["check", "-v", "migrations"])
    assert "runner: auto (ordered as diesel; 2 files in replay order)" in result.stderr
    assert (
        "target  migrations/2020-01-01-000000_index/up.sql [diesel: in a transaction "
        "(no metadata.toml)]" in result.stderr
    )
    assert (
        "target  migrations/2020-01-02-000000_more/up.sql [diesel: one multi-statement string "
        "(an implicit transaction when it holds several) (run_in_transaction = false)]"
        in result.stderr
    )
    result = CliRunner().invoke(main, ["check", "-v", "--runner", "plain", "migrations"])
    assert "runner: plain (ordered by it; 2 files" in result.stderr
    assert "[plain: no transaction]" in result.stderr


@pytest.mark.parametrize(
    ("side_file", "before", "after"),
    [
        ("migrations/2020-01-01-000000_index/metadata.toml", None, "run_in_transaction = false\n"),
        ("migrations/2020-01-01-000000_index/metadata.toml", "run_in_transaction = false\n", None),
        (
            "migrations/2020-01-01-000000_index/metadata.toml",
            "run_in_transaction = false\n",
            "run_in_transaction = true\n",
        ),
    ],
)
def test_a_changed_metadata_toml_invalidates_the_cached_report(
    project: Path, side_file: str, before: str | None, after: str | None
) -> None:
    path = project / side_file
    if before is not None:
        path.write_text(before)
    first = check("migrations", "--select", "DBA404")
    assert check("migrations", "--select", "DBA404") == first  # (answered from the cache)
    if after is None:
        path.unlink()
    else:
        path.write_text(after)
    assert check("migrations", "--select", "DBA404") == check(
        "migrations", "--select", "DBA404", "--no-cache"
    )
    assert check("migrations", "--select", "DBA404")[0] != first[0]


def test_a_changed_flyway_conf_or_sqitch_plan_invalidates_the_cached_report(project: Path) -> None:
    write(project, {"db/V1__mixed.sql": "SELECT 1;\n" + INDEX})
    assert check("db", "--select", "DBA404")[0] == 1
    write(project, {"db/V1__mixed.sql.conf": "executeInTransaction=false\n"})
    assert check("db", "--select", "DBA404")[0] == 0
    # A deploy script: natural order until a sqitch.plan says otherwise.
    write(
        project,
        {
            "shop/deploy/b_table.sql": "CREATE TABLE t (id bigint);\n",
            "shop/deploy/a_index.sql": "CREATE INDEX CONCURRENTLY t_nope_idx ON t (nope);\n",
        },
    )
    assert check("shop", "--select", "DBA801")[0] == 0  # t is not known yet
    write(
        project,
        {
            "shop/sqitch.plan": (
                "b_table 2020-01-01T00:00:00Z A <a@b>\na_index 2020-01-01T00:00:00Z A <a@b>\n"
            )
        },
    )
    assert '"DBA801"' in check("shop", "--select", "DBA801")[1]  # t exists, without `nope`


def test_stdin_is_detected_by_its_file_name(project: Path) -> None:
    (project / "migrations/2020-01-01-000000_index/metadata.toml").write_text(
        "run_in_transaction = false\n"
    )
    name = "migrations/2020-01-01-000000_index/up.sql"
    result = CliRunner().invoke(
        main,
        ["check", "--format", "json", "--select", "DBA404", "--stdin-filename", name, "-"],
        input=INDEX + INDEX,
    )
    found = json.loads(result.stdout)["findings"]
    assert [f["message"].split(",")[1].strip()[:38] for f in found] == [
        "and diesel sends this file as one mult"
    ] * 2


# --- plugins --------------------------------------------------------------------------------------


PLUGIN = """
from dbarch_lint import hookimpl
from dbarch_lint.runners import FileRun


@hookimpl
def dbarch_lint_migration_transactions(inputs, runner):
    if runner == "plain":
        return [FileRun("acme", "transaction") for _ in inputs]
    if runner == "sqitch":
        return []  # not one per file: a broken plugin


@hookimpl
def dbarch_lint_order_migrations(paths, runner):
    return sorted(paths, reverse=True) if runner == "plain" else None
"""


def test_a_plugin_runner_comes_first(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "acme_runner.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(project))
    monkeypatch.delitem(sys.modules, "acme_runner", raising=False)
    write(project, {"flat/1.sql": INDEX, "flat/2.sql": "SELECT 1;\n"})
    config = cfg.Config(plugins=["acme_runner"], runner="plain")
    run = lint_run.prepare(["flat"], config, cwd=str(project), autoload_plugins=False)
    assert [item.path for item in run.inputs] == ["flat/2.sql", "flat/1.sql"]
    assert {item.run.runner for item in run.inputs if item.run} == {"acme"}
    assert [f.code for f in lint_run.execute(run).findings if f.code == "DBA404"] == ["DBA404"]
    config = cfg.Config(plugins=["acme_runner"], runner="sqitch")
    with pytest.raises(PluginError, match="did not say how it runs each file"):
        assert lint_run.prepare(["flat"], config, cwd=str(project), autoload_plugins=False).inputs


def test_a_flyway_conf_setting_twice_takes_the_last(project: Path) -> None:
    # Java's Properties.load keeps a key's last value; Flyway reads the file with it.
    write(project, {"db/V1__mixed.sql": "SELECT 1;\n" + INDEX})
    conf = "executeInTransaction=true\nexecuteInTransaction=false\n"
    write(project, {"db/V1__mixed.sql.conf": conf})
    assert check("db", "--select", "DBA404", "--no-cache")[0] == 0
    write(
        project,
        {"db/V1__mixed.sql.conf": "executeInTransaction=false\nexecuteInTransaction: true\n"},
    )
    assert check("db", "--select", "DBA404", "--no-cache")[0] == 1


def test_the_side_files_consulted_are_hashed_as_the_runners_read_them(tmp_path: Path) -> None:
    from dbarch_lint.caching.files import digest, file_digest

    write(
        tmp_path,
        {
            "m/2024-01-01-000000_a/up.sql": "SELECT 1;\n",
            "m/2024-01-01-000000_a/metadata.toml": "run_in_transaction = false\n",
            "m/2024-01-02-000000_b/up.sql": "SELECT 2;\n",
        },
    )
    run = prepared(tmp_path / "m")
    assert len(run.inputs) == 2  # (the runners decide)
    consulted = run.consulted()
    first, second = (
        str(tmp_path / f"m/2024-01-0{n}-000000_{x}/metadata.toml") for n, x in [(1, "a"), (2, "b")]
    )
    assert consulted == {first: digest(b"run_in_transaction = false\n"), second: "-"}
    assert consulted == {path: file_digest(path) or "-" for path in consulted}
    # (what the runners read decided the run: a file changed since is stale for it)
    (tmp_path / "m/2024-01-02-000000_b/metadata.toml").write_text("run_in_transaction = true\n")
    assert run.consulted() == consulted


def test_sequelize_folders_replay_apart_and_nothing_else_moves() -> None:
    groups = [{"db/1.sql", "db/2.sql"}, {"x/up.sql"}]
    assert lint_run._sequelize_apart(groups) == [groups]
    mixed = [{"db/1.sql", "migrations/1-a.JS", "migrations/2-b.ts"}, {"x/up.sql"}]
    assert lint_run._sequelize_apart(mixed) == [
        [{"db/1.sql"}, {"x/up.sql"}],
        [{"migrations/1-a.JS", "migrations/2-b.ts"}],
    ]
    assert lint_run._sequelize_apart([{"types.d.ts", "a.sql"}]) == [[{"types.d.ts", "a.sql"}]]
