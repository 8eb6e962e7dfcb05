"""Files named one by one (pre-commit, editors) are linted in their inferred migration history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbarch_lint.cli import main
from dbarch_lint.inputs import config as cfg
from dbarch_lint.inputs.histories import sorts_as_history
from dbarch_lint.orchestration import run as lint_run
from tests.cli_runner import CliRunner

# Each finding of the named files below needs the history: DBA302 (an index of an earlier
# file), DBA801 (a column the earlier file did not create), DBA301 (no later file indexes it).
USERS = (
    "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY, email text NOT NULL,"
    " CONSTRAINT users_pkey PRIMARY KEY (id));\n"
    "CREATE INDEX users_email_idx ON users (email);\n"
)
ORDERS = (
    "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY, user_id bigint NOT NULL,"
    " CONSTRAINT orders_pkey PRIMARY KEY (id), CONSTRAINT orders_user_fk FOREIGN KEY (user_id)"
    " REFERENCES users (id) ON DELETE CASCADE);\n"
)
MORE = (
    "SET lock_timeout = '1s';\n"
    "CREATE INDEX CONCURRENTLY users_email_again_idx ON users (email);\n"
    "CREATE INDEX CONCURRENTLY users_nick_idx ON users (nickname);\n"
)
TRAILING = "SELECT 1;\n"


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], input=stdin)
    assert isinstance(result.exception, SystemExit | None), result.exception
    return result.exit_code, result.stdout, result.stderr


def findings(*args: str, stdin: str | None = None) -> list[tuple[str, int, str]]:
    code, out, err = invoke("--format", "json", *args, stdin=stdin)
    assert code in (0, 1), err
    found = json.loads(out)["findings"]
    return sorted((f["path"], f["line"], f["code"]) for f in found)


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    for name, text in {
        "0001_users.sql": USERS,
        "0002_orders.sql": ORDERS,
        "0003_more.sql": MORE,
        "0004_later.sql": TRAILING,
    }.items():
        (folder / name).write_text(text)
    return folder


def test_a_named_file_gets_the_findings_of_the_whole_run(history: Path) -> None:
    named = ["db/migrations/0002_orders.sql", "db/migrations/0003_more.sql"]
    whole = [f for f in findings("db") if f[0] in named]
    assert {code for _, _, code in whole} >= {"DBA302", "DBA801", "DBA301"}
    assert findings(*named) == whole
    # Named one at a time (pre-commit's chunks), the same.
    assert sorted(findings(named[0]) + findings(named[1])) == whole


def test_no_context_lints_the_named_files_alone(history: Path) -> None:
    named = ["db/migrations/0002_orders.sql", "db/migrations/0003_more.sql"]
    codes = {code for _, _, code in findings("--no-context", *named)}
    assert not codes & {"DBA302", "DBA801"}
    (history.parent.parent / "dbarch-lint.toml").write_text("context = false\n")
    assert {code for _, _, code in findings(*named)} == codes


def test_verbose_says_which_history_was_used(history: Path) -> None:
    _, _, err = invoke("-v", "db/migrations/0003_more.sql")
    assert (
        "context: history db/migrations/ (4 files; found by file names that begin with a "
        "version) replayed for 1 file named" in err
    )
    assert "  history db/migrations/0001_users.sql" in err
    assert "  target  db/migrations/0003_more.sql" in err
    _, _, err = invoke("-v", "--no-context", "db/migrations/0003_more.sql")
    assert "context: off (--no-context, context = false)" in err
    assert "0001_users.sql" not in err


def test_configured_migrations_still_decide_the_history(history: Path) -> None:
    # (`migrations` names the history: nothing is inferred, 0001 is not in it)
    (history.parent.parent / "dbarch-lint.toml").write_text(
        'migrations = ["db/migrations/000[2-9]_*.sql"]\n'
    )
    _, _, err = invoke("-v", "db/migrations/0003_more.sql")
    assert "context:" not in err and "0001_users.sql" not in err


def test_unsaved_text_replaces_the_file_in_its_history(history: Path) -> None:
    text = "CREATE INDEX CONCURRENTLY users_email_again_idx ON users (email);\n"
    found = findings("--stdin-filename", "db/migrations/0003_more.sql", "-", stdin=text)
    assert ("db/migrations/0003_more.sql", 1, "DBA302") in found
    assert not [f for f in found if f[2] == "DBA801"]  # (the file on disk is not linted)


def test_a_file_in_no_history_replays_with_the_named_files_of_its_folder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "create.sql").write_text(USERS)
    (tmp_path / "queries" / "index.sql").write_text(MORE)
    (tmp_path / "queries" / "unrelated.sql").write_text("CREATE TABLE x (;\n")
    _, _, err = invoke("-v", "queries/index.sql", "queries/create.sql")
    assert "context: no history found for 2 files named in queries/" in err
    assert "unrelated.sql" not in err  # (not read)
    found = findings("queries/index.sql", "queries/create.sql")
    assert ("queries/index.sql", 2, "DBA302") in found  # (they replay together)


def test_each_history_of_a_monorepo_replays_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for service in ("billing", "shop"):
        folder = tmp_path / "services" / service / "migrations"
        folder.mkdir(parents=True)
        (folder / "0001_users.sql").write_text(USERS)
        (folder / "0002_more.sql").write_text(MORE)
    named = [f"services/{s}/migrations/0002_more.sql" for s in ("billing", "shop")]
    _, _, err = invoke("-v", *named)
    assert err.count("context: history services/") == 2
    # Replayed together, the second users table and index would be duplicates (DBA803).
    found = findings(*named)
    assert [f for f in found if f[2] == "DBA302"] == [(p, 2, "DBA302") for p in named]
    assert not [f for f in found if f[2] == "DBA803"]
    assert "in 2 files" in invoke(*named)[1]  # (the counts add up over the histories)


def test_a_file_in_nested_histories_is_reported_once_in_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "db" / "tenant").mkdir(parents=True)
    (tmp_path / "db" / "0001_users.sql").write_text(USERS)
    (tmp_path / "db" / "0002_more.sql").write_text(MORE)
    (tmp_path / "db" / "tenant" / "0001_users.sql").write_text(USERS)
    (tmp_path / "db" / "tenant" / "0002_more.sql").write_text(MORE)
    named = ["db/0002_more.sql", "db/tenant/0002_more.sql"]
    # (db/ holds db/tenant/: named together, the tenant's file still counts once)
    found = findings(*named)
    assert [f for f in found if f[2] == "DBA801"] == [(p, 3, "DBA801") for p in named]
    assert found == sorted(findings(named[0]) + findings(named[1]))


@pytest.mark.parametrize(
    ("layout", "named", "history", "line"),
    [
        (  # Diesel: a folder per migration
            {"m/2020-01-01-000000_users/up.sql": USERS, "m/2020-01-02-000000_more/up.sql": MORE},
            "m/2020-01-02-000000_more/up.sql",
            "m/",
            2,
        ),
        (  # Flyway
            {"sql/V1__users.sql": USERS, "sql/V2__more.sql": MORE},
            "sql/V2__more.sql",
            "sql/",
            2,
        ),
        (  # golang-migrate
            {
                "migrate/1_users.up.sql": USERS,
                "migrate/1_users.down.sql": "DROP TABLE users;\n",
                "migrate/2_more.up.sql": MORE,
            },
            "migrate/2_more.up.sql",
            "migrate/",
            2,
        ),
        (  # dbmate: up and down sections in one file
            {
                "db/migrations/20200101000000_users.sql": f"-- migrate:up\n{USERS}"
                "-- migrate:down\nDROP TABLE users;\n",
                "db/migrations/20200102000000_more.sql": f"-- migrate:up\n{MORE}-- migrate:down\n",
            },
            "db/migrations/20200102000000_more.sql",
            "db/migrations/",
            3,
        ),
        (  # Sqitch: the folder of the sqitch.plan
            {
                "db/sqitch.plan": "%project=x\n\nusers 2020-01-01T00:00:00Z a <a@b> # u\n"
                "more 2020-01-02T00:00:00Z a <a@b> # m\n",
                "db/deploy/users.sql": USERS,
                "db/deploy/more.sql": MORE,
            },
            "db/deploy/more.sql",
            "db/",
            2,
        ),
        (  # Django: `sqlmigrate` output saved under the migrations' numbered names
            {
                "shop/sql/0001_initial.sql": f"BEGIN;\n{USERS}COMMIT;\n",
                "shop/sql/0002_more.sql": MORE,
            },
            "shop/sql/0002_more.sql",
            "shop/sql/",
            2,
        ),
        (  # Alembic: `alembic upgrade --sql` output saved per revision, numbered
            {
                "alembic/sql/001_users.sql": "BEGIN;\nCREATE TABLE alembic_version (version_num"
                " varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY"
                f" (version_num));\n{USERS}COMMIT;\n",
                "alembic/sql/002_more.sql": MORE,
            },
            "alembic/sql/002_more.sql",
            "alembic/sql/",
            2,
        ),
    ],
)
def test_runner_layouts_are_histories(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    layout: dict[str, str],
    named: str,
    history: str,
    line: int,
) -> None:
    monkeypatch.chdir(tmp_path)
    for path, text in layout.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    _, _, err = invoke("-v", named)
    assert f"context: history {history} " in err, err
    assert (named, line, "DBA302") in findings(named)
    assert (named, line, "DBA302") not in findings("--no-context", named)


def test_versioned_names() -> None:
    for name in ("0001_init.sql", "20240101120000_x.sql", "V1_2__x.sql", "U3__x.sql", "R__v.sql"):
        assert sorts_as_history(name), name
    for name in ("init.sql", "Views__x.sql", "up.sql", "v1"):
        assert not sorts_as_history(name), name


def test_histories_are_looked_for_up_to_the_project_folder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A versioned folder above the project says nothing of its migrations.
    project = tmp_path / "2024-work" / "app"
    (project / "queries").mkdir(parents=True)
    (project / "queries" / "a.sql").write_text(USERS)
    (tmp_path / "2024-work" / "other.sql").write_text("CREATE TABLE x (;\n")
    monkeypatch.chdir(project)
    run = lint_run.prepare(["queries/a.sql"], cfg.Config(), autoload_plugins=False)
    assert run.replays is not None and [r.paths for r in run.replays] == [{"queries/a.sql"}]
    assert sorted(run.paths) == ["queries/a.sql"]


def test_folders_named_on_the_command_line_replay_as_before(history: Path) -> None:
    run = lint_run.prepare(["db"], cfg.Config(), autoload_plugins=False)
    assert run.replays is None and run.context == []
    run = lint_run.prepare(
        ["db/migrations/0002_orders.sql", "db"], cfg.Config(), autoload_plugins=False
    )
    assert run.replays is not None and len(run.replays) == 1  # (all of it is the history)


def test_each_file_of_the_history_is_read_once(
    history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    original = lint_run.discovery.read

    def counting(path: str, *args: object, **kwargs: object) -> lint_run.discovery.Input:
        read.append(path)
        return original(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lint_run.discovery, "read", counting)
    named = ["db/migrations/0003_more.sql", "./db/migrations/0002_orders.sql"]
    run = lint_run.prepare(named, cfg.Config(), autoload_plugins=False)
    lint_run.execute(run)
    assert sorted(read) == sorted(f"db/migrations/{p.name}" for p in history.iterdir())
