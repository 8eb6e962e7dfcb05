"""Configuration discovery, validation and selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbarch_lint import lint_paths, lint_sql
from dbarch_lint.inputs import config as cfg
from dbarch_lint.model.errors import UsageError
from dbarch_lint.model.findings import Severity
from dbarch_lint.plugins.host import PluginHost

RULES = PluginHost(autoload=False).rules()


def test_discovery_walks_up_and_prefers_dbarch_lint_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.dbarch-lint]\nfail-on = "error"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert cfg.find_config(str(nested)) == str(tmp_path / "pyproject.toml")
    (tmp_path / "dbarch-lint.toml").write_text('fail-on = "info"\n')
    assert cfg.find_config(str(nested)) == str(tmp_path / "dbarch-lint.toml")


def test_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    assert cfg.find_config(str(tmp_path)) in (None,) or not str(
        cfg.find_config(str(tmp_path))
    ).startswith(str(tmp_path))


@pytest.mark.parametrize(
    "text,message",
    [
        ('fail_on = "error"\n', 'did you mean "fail-on"'),
        ('fail-on = "erorr"\n', 'did you mean "error"'),
        ("pg-version = 9\n", "10 to 18"),
        ('select = ["DBA10l"]\n', "unknown rule code or name"),
        ('ignore = ["serial-colum"]\n', 'did you mean "serial-column"'),
        ('[severity]\nDBA101 = "fatal"\n', "error, warning or info"),
        ("[rules.DBA101]\nfoo = 1\n", "unknown option 'foo'"),
        ("select = 3\n", "must be a list of strings"),
        ("this is not toml", "invalid TOML"),
        ('encoding = "utf-9"\n', "not an encoding"),
        ('if-not-exists = "nwe"\n', 'did you mean "new"'),
        ("if-not-exists = true\n", "must be a string"),
        ("schema-snapshot = 3\n", "must be a string"),
        ('schema-snaphot = "db/s.sql"\n', 'did you mean "schema-snapshot"'),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "dbarch-lint.toml"
    path.write_text(text)
    (tmp_path / "m.sql").write_text("SELECT 1;\n")
    with pytest.raises(UsageError, match=message):
        lint_paths([str(tmp_path / "m.sql")], config_path=str(path), cwd=str(tmp_path))


def test_select_extend_select_ignore() -> None:
    config = cfg.Config(select=["DBA1"], ignore=["serial-column"], extend_select=["DBA109"])
    enabled = cfg.enabled_codes(config, RULES)
    assert "DBA101" not in enabled and "DBA103" in enabled and "DBA109" in enabled
    assert "DBA201" not in enabled and "DBA000" in enabled
    defaults = cfg.enabled_codes(cfg.Config(), RULES)
    assert "DBA109" not in defaults and "DBA101" in defaults
    everything = cfg.enabled_codes(cfg.Config(select=["DBA"]), RULES)
    assert {r.code for r in RULES} <= everything
    assert "DBA000" in cfg.enabled_codes(cfg.Config(ignore=["DBA0"]), RULES)


def test_severity_override_and_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "dbarch-lint.toml").write_text(
        'select = ["DBA101"]\n[severity]\nserial-column = "error"\n'
        '[per-file-ignores]\n"legacy/*.sql" = ["DBA1"]\n'
    )
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "a.sql").write_text("CREATE TABLE a (id serial);\n")
    (tmp_path / "b.sql").write_text("CREATE TABLE b (id serial);\n")
    result = lint_paths(
        [str(tmp_path)], config_path=str(tmp_path / "dbarch-lint.toml"), cwd=str(tmp_path)
    )
    assert [(f.path, f.severity) for f in result.findings] == [("b.sql", Severity.ERROR)]


def test_exclude_globs_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "x.sql").write_text("CREATE TABLE x (id serial);\n")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "y.sql").write_text("CREATE TABLE y (id serial);\n")
    (tmp_path / "dbarch-lint.toml").write_text('exclude = ["vendor/*"]\nselect = ["DBA101"]\n')
    monkeypatch.chdir(tmp_path / "db")
    result = lint_paths([str(tmp_path)])
    assert [f.path for f in result.findings] == ["y.sql"]


def test_migrations_key_feeds_the_replay_for_named_targets(tmp_path: Path) -> None:
    migrations = tmp_path / "db"
    migrations.mkdir()
    (migrations / "001_a.sql").write_text("CREATE TABLE a (id serial);\n")
    (migrations / "002_b.sql").write_text("CREATE TABLE b (id serial);\n")
    (tmp_path / "dbarch-lint.toml").write_text('migrations = ["db/*.sql"]\nselect = ["DBA101"]\n')
    result = lint_paths([str(migrations / "002_b.sql")], cwd=str(tmp_path))
    assert result.files == 1 and [f.path for f in result.findings] == ["db/002_b.sql"]
    everything = lint_paths([], cwd=str(tmp_path))
    assert everything.files == 2


def test_a_target_outside_the_history_is_replayed_after_it(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "002_create.sql").write_text("CREATE TABLE a (id bigint);\n")
    (tmp_path / "dbarch-lint.toml").write_text('migrations = ["db/*.sql"]\nselect = ["DBA801"]\n')
    (tmp_path / "001_rename.sql").write_text("ALTER TABLE a RENAME COLUMN nosuch TO key;\n")
    result = lint_paths([str(tmp_path / "001_rename.sql")], cwd=str(tmp_path))
    # Replayed after db/002_create.sql, so table a is known and its missing column is reported.
    assert [f.code for f in result.findings] == ["DBA801"]


def test_api_settings_are_validated() -> None:
    with pytest.raises(UsageError, match="fail-on"):
        lint_sql("SELECT 1;", fail_on="sometimes")
