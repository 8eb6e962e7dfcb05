"""The command line: exit codes, selection, formats, stdin, errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dbarch_lint import __version__, arguments
from dbarch_lint.cli import COMMANDS, main, wants_colour
from tests.cli_runner import CliRunner
from tests.conftest import ROOT

BAD = "CREATE TABLE a (id serial PRIMARY KEY);\n"
GOOD = (
    "CREATE TABLE b (id bigint GENERATED ALWAYS AS IDENTITY, CONSTRAINT b_pkey PRIMARY KEY (id));\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "bad.sql").write_text(BAD)
    (tmp_path / "good.sql").write_text(GOOD)
    return tmp_path


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_exit_codes_follow_fail_on(project: Path) -> None:
    assert invoke("check", "good.sql")[0] == 0
    assert invoke("check", "bad.sql")[0] == 1
    assert invoke("check", "bad.sql", "--fail-on", "error")[0] == 0
    assert invoke("check", "bad.sql", "--fail-on", "never")[0] == 0
    assert invoke("check", "bad.sql", "--ignore", "DBA1,unnamed-constraint")[0] == 0


def test_syntax_errors_fail_and_the_rest_is_linted(project: Path) -> None:
    (project / "broken.sql").write_text(
        "CREATE TABL x ();\nCREATE TABLE y (id serial PRIMARY KEY);\n"
    )
    code, out, _ = invoke("check", "broken.sql", "--format", "gcc", "--select", "DBA001,DBA101")
    assert code == 1
    assert out.splitlines() == [
        'broken.sql:1:8: error: Syntax error at or near "TABL" [DBA001 syntax-error]',
        "broken.sql:2:20: warning: Column y.id is declared serial, which creates a separately "
        "owned integer sequence [DBA101 serial-column]",
    ]


def test_missing_path_is_exit_2_but_the_rest_is_linted(project: Path) -> None:
    code, out, err = invoke("check", "bad.sql", "nope.sql", "--format", "gcc")
    assert code == 2
    assert "nope.sql: no such file or directory" in err and "Traceback" not in err
    assert "bad.sql:1:20" in out


def test_usage_errors_are_one_line_with_suggestions(project: Path) -> None:
    code, _, err = invoke("check", "bad.sql", "--select", "DBA10l")
    assert code == 2 and "unknown rule code or name" in err and "Traceback" not in err
    code, _, err = invoke("check", "bad.sql", "--format", "sariff")
    assert code == 2 and 'did you mean "sarif"' in err
    (project / "dbarch-lint.toml").write_text("fial-on = 'error'\n")
    code, _, err = invoke("check", "bad.sql")
    assert code == 2 and 'did you mean "fail-on"' in err


def test_stdin_with_a_filename(project: Path) -> None:
    code, out, _ = invoke(
        "check", "-", "--stdin-filename", "db/0001.sql", "--format", "gcc", stdin=BAD
    )
    assert code == 1 and out.startswith("db/0001.sql:1:20: warning:")


def test_stdin_replaces_the_file_of_the_same_name_in_the_history(project: Path) -> None:
    (project / "db").mkdir()
    (project / "db" / "1.sql").write_text("CREATE TABLE a (id bigint);\n")
    (project / "db" / "2.sql").write_text("SELECT 1;\n")
    (project / "dbarch-lint.toml").write_text('migrations = ["db/*.sql"]\nselect = ["DBA502"]\n')
    buffer = "ALTER TABLE a RENAME COLUMN id TO key;\n"
    code, out, _ = invoke(
        "check", "-", "--stdin-filename", "db/2.sql", "--format", "gcc", stdin=buffer
    )
    assert code == 1 and out.startswith("db/2.sql:1:1: warning: Renaming column id of a")


def test_undecodable_stdin_is_dba004(project: Path) -> None:
    result = CliRunner().invoke(main, ["check", "-", "--format", "gcc"], input=b"SELECT '\xe9';\n")
    assert result.exit_code == 1 and "DBA004" in result.stdout and "offset 8" in result.stdout


def test_json_report_and_output_file(project: Path) -> None:
    code, out, _ = invoke(
        "check", "bad.sql", "good.sql", "--format", "json", "--output-file", "r.json"
    )
    assert code == 1 and out == ""
    report = json.loads((project / "r.json").read_text())
    assert report["version"] == 1 and report["summary"]["files"] == 2
    assert {f["code"] for f in report["findings"]} >= {"DBA101", "DBA102"}
    first = report["findings"][0]
    assert first["path"] == "bad.sql" and first["url"].endswith("/DBA101/")


def test_unwritable_output_file_is_a_clear_error(project: Path) -> None:
    code, _, err = invoke("check", "bad.sql", "--output-file", "no/such/dir/r.json")
    assert code == 2 and "cannot write no/such/dir/r.json" in err


def test_quiet_drops_the_summary(project: Path) -> None:
    assert "Found" in invoke("check", "bad.sql")[1]
    assert "Found" not in invoke("check", "bad.sql", "-q")[1]


def test_verbose_says_what_was_read(project: Path) -> None:
    result = CliRunner().invoke(main, ["check", "-v", "good.sql", "bad.sql"])
    assert "target  bad.sql [plain: no transaction]" in result.stderr
    assert "runner: auto (ordered as plain; 2 files in replay order)" in result.stderr
    result = CliRunner().invoke(main, ["check", "-v", "good.sql"])
    assert "runner: auto (ordered as plain; 1 file in replay order)" in result.stderr


def test_verbose_says_why_files_of_several_runners_are_ordered_as_plain(project: Path) -> None:
    folder = project / "migrations" / "2024-01-01-000000_t"
    folder.mkdir(parents=True)
    (folder / "up.sql").write_text(GOOD)
    (folder / "down.sql").write_text("DROP TABLE b;\n")
    result = CliRunner().invoke(main, ["check", "-v", "--no-cache", "."])
    assert (
        "runner: auto (ordered as plain, the natural order, as its files were detected as "
        "diesel and plain; 4 files in replay order)"
    ) in result.stderr
    assert "up.sql [diesel: in a transaction" in result.stderr


def test_no_colour_when_not_a_tty_or_no_color(project: Path) -> None:
    assert "\x1b[" not in invoke("check", "bad.sql")[1]


@pytest.mark.parametrize(
    ("env", "to_terminal", "no_color", "expected"),
    [
        ({}, True, False, True),
        ({}, False, False, False),
        ({"TERM": "dumb"}, True, False, False),
        ({"NO_COLOR": "1"}, True, False, False),
        ({"FORCE_COLOR": "1"}, False, False, True),
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, True, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, True, False, False),
        ({"FORCE_COLOR": "1"}, True, True, False),
        ({"FORCE_COLOR": ""}, False, False, False),
    ],
)
def test_colour_follows_the_environment(
    env: dict[str, str], to_terminal: bool, no_color: bool, expected: bool
) -> None:
    assert wants_colour(env, to_terminal, no_color) is expected


def test_force_color_colours_a_pipe(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in invoke("check", "--no-cache", "bad.sql")[1]
    assert "\x1b[" not in invoke("check", "--no-cache", "--no-color", "bad.sql")[1]


def test_version_and_rules_and_explain(project: Path) -> None:
    assert __version__ in invoke("--version")[1]
    assert __version__ in invoke("check", "--version")[1]
    rules = json.loads(invoke("rules", "--format", "json")[1])
    dba101 = next(r for r in rules if r["code"] == "DBA101")
    assert set(dba101) == {
        "code",
        "name",
        "family",
        "enabled_by_default",
        "severity",
        "fixable",
        "fix_availability",
        "fix_applicability",
        "dialects",
        "summary",
        "url",
    }
    assert (dba101["fixable"], dba101["fix_availability"], dba101["fix_applicability"]) == (
        True,
        "sometimes",
        "unsafe",
    )
    dba104 = next(r for r in rules if r["code"] == "DBA104")
    assert (dba104["fixable"], dba104["fix_availability"], dba104["fix_applicability"]) == (
        False,
        "never",
        None,
    )
    dba401 = next(r for r in rules if r["code"] == "DBA401")
    assert (dba401["fixable"], dba401["fix_availability"], dba401["fix_applicability"]) == (
        True,
        "sometimes",
        "safe",
    )
    assert "DBA101  serial-column" in invoke("rules")[1]
    code, out, _ = invoke("explain", "serial-column")
    assert code == 0 and "## Why is this bad?" in out and "## Use instead" in out
    code, _, err = invoke("explain", "DBA1O1")
    assert code == 2 and "unknown rule" in err


def test_default_paths_come_from_migrations_setting(project: Path) -> None:
    (project / "db").mkdir()
    (project / "db" / "001.sql").write_text(BAD)
    (project / "dbarch-lint.toml").write_text('migrations = ["db/*.sql"]\n')
    code, out, _ = invoke("check", "--format", "gcc")
    assert code == 1 and out.startswith("db/001.sql:")


def test_python_dash_m_works_the_same(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dbarch_lint", "check", "bad.sql", "--format", "gcc"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 1 and result.stdout.startswith("bad.sql:1:20:")


def test_examples_run_as_the_readme_says() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dbarch_lint", "check", "docs/examples/", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    # (docs/examples/sequelize/ is a history of its own: tests/test_sequelize.py checks it)
    found = [
        (f["path"].rsplit("/", 1)[1], f["line"], f["code"])
        for f in report["findings"]
        if not f["path"].startswith("docs/examples/sequelize/")
    ]
    # The deliberate mistakes listed in docs/examples/README.md, and nothing else.
    assert found == [
        ("0006_create_categories.sql", 10, "DBA201"),
        ("0006_create_categories.sql", 13, "DBA205"),
        ("0008_add_order_fulfilment.sql", 12, "DBA105"),
        ("0010_add_billing_details.sql", 6, "DBA103"),
        ("0010_add_billing_details.sql", 10, "DBA301"),
        ("0011_pricing_changes.sql", 8, "DBA407"),
        ("0011_pricing_changes.sql", 9, "DBA407"),
        ("0011_pricing_changes.sql", 11, "DBA106"),
        ("0012_rename_addresses_zip_code.sql", 6, "DBA502"),
    ]
    assert report["summary"]["files"] == 12 + 7


def test_schema_command_json_and_mermaid(project: Path) -> None:
    (project / "db").mkdir()
    (project / "db" / "1.sql").write_text(
        "CREATE TABLE customers (id bigint CONSTRAINT customers_pkey PRIMARY KEY, email text);\n"
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL\n"
        "  CONSTRAINT orders_customer_id_fkey REFERENCES customers ON DELETE CASCADE);\n"
    )
    (project / "db" / "2.sql").write_text("ALTER TABLE customers ADD COLUMN name text;\n")
    (project / "db" / "2.down.sql").write_text("ALTER TABLE customers DROP COLUMN email;\n")
    code, out, _ = invoke("schema", "db")
    assert code == 0
    tables = {t["name"]: t for t in json.loads(out)["tables"]}
    assert [c["name"] for c in tables["customers"]["columns"]] == ["id", "email", "name"]
    [fk] = [c for c in tables["orders"]["constraints"] if c["kind"] == "foreign-key"]
    assert fk["references"] == {"table": "public.customers", "columns": ["id"]}
    code, out, _ = invoke("schema", "db", "--format", "mermaid")
    assert code == 0 and out.startswith("erDiagram\n")
    assert 'customers ||--o{ orders : "orders_customer_id_fkey"' in out
    assert "bigint id PK" in out and "bigint customer_id FK" in out


def test_assume_in_transaction_from_the_command_line_and_the_config(tmp_path: Path) -> None:
    """A runner that wraps each file: CREATE INDEX CONCURRENTLY fails there (DBA404)."""
    (tmp_path / "0001.sql").write_text("CREATE INDEX CONCURRENTLY i ON t (a);\n")
    runner = CliRunner()
    args = ["check", "--select", "DBA404", "--format", "json", "--no-cache", str(tmp_path)]
    assert '"DBA404"' not in runner.invoke(main, args).stdout
    assert '"DBA404"' in runner.invoke(main, [*args, "--assume-in-transaction"]).stdout
    config = tmp_path / "dbarch-lint.toml"
    config.write_text("assume-in-transaction = true\n")
    with_config = [*args, "--config", str(config)]
    assert '"DBA404"' in runner.invoke(main, with_config).stdout
    assert (
        '"DBA404"' not in runner.invoke(main, [*with_config, "--no-assume-in-transaction"]).stdout
    )
    config.write_text('assume-in-transaction = "yes"\n')
    result = runner.invoke(main, with_config)
    assert result.exit_code == 2 and "must be true or false" in result.stderr


@pytest.mark.parametrize("columns", [40, 60, 72, 80, 120, 200])
def test_rules_wrap_to_the_terminal(project: Path, columns: int) -> None:
    result = CliRunner().invoke(main, ["rules"], env={"COLUMNS": str(columns)})
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) < columns
    assert len([line for line in lines if line.startswith("DBA")]) >= 60
    words = " ".join(result.stdout.split())  # (every summary is there, wrapped or not)
    assert "A rule raised an exception on a statement." in words


def test_rules_piped_are_a_line_each(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    lines = invoke("rules")[1].splitlines()
    assert all(line.startswith("DBA") for line in lines)
    assert any(len(line) > 120 for line in lines)


def test_a_named_file_that_is_not_sql_is_skipped_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not linted as SQL (it would get syntax errors and dialect hints), never silently."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "NOTES.md").write_text("# notes\nALTER TABLE x DROP COLUMN y;\n")
    (tmp_path / "0001_a.sql").write_text("SELECT 1;\n")
    for _ in range(2):  # (the second from the report cache)
        result = CliRunner().invoke(main, ["check", "NOTES.md", "0001_a.sql"])
        assert result.exit_code == 0, result.output
        assert result.stdout.endswith("1 file, 1 statement (1 file skipped: not SQL).\n")
    alone = CliRunner().invoke(main, ["check", "0001_a.sql"])
    assert alone.stdout == "All checks passed: 1 file, 1 statement.\n"
    globbed = CliRunner().invoke(main, ["check", "-v", "*"])
    assert "skipped NOTES.md (not SQL" in globbed.stderr
    assert "(1 file skipped: not SQL)" in globbed.stdout


def _parsed(*args: str) -> dict[str, object]:
    parsed = arguments.parse(COMMANDS, args)
    assert parsed.eager is None and parsed.command is not None
    return parsed.values


def test_options_not_given_are_what_click_gave_so_the_config_decides() -> None:
    values = _parsed("check")
    given_or_not = ("show_source", "no_down", "fix", "diff", "unsafe_fixes", "force_exclude")
    assert all(values[name] is None for name in given_or_not)
    assert values["assume_in_transaction"] is None and values["paths"] == ()
    assert values["no_color"] is values["no_context"] is values["no_cache"] is False
    assert _parsed("rules")["format_"] == "text" and _parsed("schema")["format_"] == "json"


def test_the_command_line_reads_as_click_read_it() -> None:
    values = _parsed("check", "a.sql", "-qvj4", "--format=gcc", "b.sql", "--select=-x")
    assert values["paths"] == ("a.sql", "b.sql") and values["jobs"] == 4
    assert values["quiet"] is values["verbose"] is True
    assert values["format_"] == "gcc" and values["select"] == "-x"  # (a value, whatever it is)
    with pytest.raises(arguments.CommandLineError, match="--select: expected one argument"):
        _parsed("check", "--select", "-x")  # (argparse: a value that looks like an option is one)
    values = _parsed("check", "--format", "json", "--format", "gcc", "-j", "2", "--jobs=3")
    assert values["format_"] == "gcc" and values["jobs"] == 3  # (the last one wins)
    pair = ("--assume-in-transaction", "--no-assume-in-transaction")
    assert _parsed("check", *pair)["assume_in_transaction"] is False
    assert _parsed("check", *reversed(pair))["assume_in_transaction"] is True
    assert _parsed("check", "--", "-q", "--format")["paths"] == ("-q", "--format")
    assert _parsed("check", "-", "--pg-version", " 15 ")["pg_version"] == 15
    assert _parsed("explain", "--", "-x")["rule"] == "-x"
    assert arguments.parse(COMMANDS, ["check", "--format", "x", "-h"]).eager == "HELP"
    assert arguments.parse(COMMANDS, ["--", "check"]).command is COMMANDS[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["chek"], 'no such command \'chek\' (did you mean "check" or "schema"?)'),
        (["check", "--formt", "json"], "no such option '--formt' (did you mean \"--format\"?)"),
        (["check", "-x"], "no such option '-x'"),
        (["check", "bad.sql", "--format"], "argument --format: expected one argument"),
        (["check", "--pg-version", "x"], "argument --pg-version: expected a whole number, not 'x'"),
        (["check", "-j2x"], "argument -j/--jobs: expected a whole number, not '2x'"),
        (["check", "--no-cache=1"], "argument --no-cache: ignored explicit argument '1'"),
        (["check", "--output-file", "."], "argument --output-file: '.' is a directory, not a file"),
        (["rules", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["explain"], "missing RULE"),
        (["explain", "a", "b"], "unexpected extra argument 'b'"),
        (["server", "x"], "unexpected extra argument 'x'"),
    ],
)
def test_usage_errors_are_one_line_exit_2_and_point_at_help(
    project: Path, args: list[str], message: str
) -> None:
    code, out, err = invoke(*args)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("dbarch-lint: error: ") and message in err, err
    assert err.rstrip().endswith(
        (" --help'", "the commands: check, explain, rules, schema, server")
    )


def test_help_lists_every_option_and_no_arguments_is_help_on_stderr(project: Path) -> None:
    code, out, _ = invoke("check", "--help")
    assert code == 0 and out.startswith("usage: ") and "[OPTIONS] [PATHS]...\n" in out
    for option in COMMANDS[0].options:
        assert option.names[-1] in out
    assert "--assume-in-transaction, --no-assume-in-transaction\n" in out
    code, out, err = invoke()
    assert code == 2 and out == "" and "commands:\n  COMMAND\n    check     Lint SQL files" in err
