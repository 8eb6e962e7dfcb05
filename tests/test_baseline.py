"""`--write-baseline PATH` records a run's findings; `--baseline PATH` hides them and reports
the rest (adopting the linter on an old repository)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbarch_lint import lint_paths
from tests.test_cli import invoke

OLD = (
    "CREATE TABLE a (id serial PRIMARY KEY);\n"  # DBA101, DBA102, DBA201
    "CREATE TABLE b (id bigint GENERATED ALWAYS AS IDENTITY, CONSTRAINT b_pkey PRIMARY KEY (id),"
    " note varchar(20));\n"  # DBA103
)
NEW = "CREATE TABLE c (id serial PRIMARY KEY);\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_old.sql").write_text(OLD)
    return tmp_path


def codes(*args: str) -> tuple[int, list[tuple[str, int, str]], str]:
    """Exit code, the findings as (path, line, code), and stderr."""
    code, out, err = invoke("check", "--format", "json", *args)
    found = json.loads(out)["findings"] if out else []
    return code, [(f["path"], f["line"], f["code"]) for f in found], err


def test_written_baseline_hides_the_findings_it_records(project: Path) -> None:
    code, found, err = codes("migrations", "--write-baseline", "baseline.json")
    assert code == 0  # (every finding is in the baseline now)
    assert len(found) == 4  # the report still shows them
    assert "recorded 4 findings in baseline.json" in err
    document = json.loads((project / "baseline.json").read_text())
    assert document["format"] == "dbarch-lint baseline"
    assert document["version"] == 1
    assert sorted(e["code"] for e in document["findings"]) == [
        "DBA101",
        "DBA102",
        "DBA103",
        "DBA201",
    ]
    assert all(e["path"] == "migrations/001_old.sql" for e in document["findings"])
    assert codes("migrations", "--baseline", "baseline.json")[:2] == (0, [])
    code, out, _ = invoke("check", "migrations", "--baseline", "baseline.json")
    assert code == 0
    assert "(4 findings hidden by the baseline)" in out
    assert codes("migrations")[0] == 1  # (without it, all are back)


def test_moved_findings_stay_hidden_new_and_edited_ones_are_reported(project: Path) -> None:
    invoke("check", "migrations", "--write-baseline", "baseline.json")
    old = project / "migrations" / "001_old.sql"
    old.write_text("-- a comment\n\n" + OLD.replace("note varchar(20)", "note  varchar(20)"))
    assert codes("migrations", "--baseline", "baseline.json")[:2] == (0, [])  # moved, spaced
    (project / "migrations" / "002_new.sql").write_text(NEW)
    code, found, _ = codes("migrations", "--baseline", "baseline.json")
    assert code == 1
    assert {(path, code) for path, _, code in found} == {
        ("migrations/002_new.sql", "DBA101"),
        ("migrations/002_new.sql", "DBA102"),
        ("migrations/002_new.sql", "DBA201"),
    }
    old.write_text(OLD.replace("varchar(20)", "varchar(40)"))  # the statement changed
    _, found, _ = codes("migrations/001_old.sql", "--baseline", "baseline.json")
    assert found == [("migrations/001_old.sql", 2, "DBA103")]


def test_each_entry_hides_one_finding(project: Path) -> None:
    invoke("check", "migrations", "--write-baseline", "baseline.json")
    (project / "migrations" / "001_old.sql").write_text(OLD + OLD.replace(" a ", " a2 "))
    _, found, _ = codes("migrations", "--baseline", "baseline.json", "--select", "DBA103")
    assert found == [("migrations/001_old.sql", 4, "DBA103")]  # the second varchar(20) line


def test_a_missing_or_broken_baseline_is_a_usage_error(project: Path) -> None:
    code, out, err = invoke("check", "migrations", "--baseline", "nope.json")
    assert (code, out) == (2, "")
    assert "baseline nope.json does not exist (write one with --write-baseline nope.json)" in err
    (project / "broken.json").write_text("{")
    code, out, err = invoke("check", "migrations", "--baseline", "broken.json")
    assert (code, out) == (2, "")
    assert "baseline broken.json is not valid JSON" in err
    (project / "other.json").write_text('{"findings": []}')
    code, _, err = invoke("check", "migrations", "--baseline", "other.json")
    assert code == 2
    assert "is not a version 1 dbarch-lint baseline" in err
    assert "Traceback" not in err


def test_config_paths_are_relative_to_the_config_and_the_cache_sees_the_baseline(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "dbarch-lint.toml").write_text(
        'baseline = "lint/baseline.json"\nmigrations = ["migrations/*.sql"]\n'
    )
    (project / "lint").mkdir()
    monkeypatch.chdir(project / "lint")
    invoke("check", "--write-baseline", "baseline.json")  # (command line: relative to cwd)
    for _ in range(2):  # (the second answer may come from the report cache)
        assert invoke("check")[0] == 0
    document = json.loads((project / "lint" / "baseline.json").read_text())
    document["findings"] = [e for e in document["findings"] if e["code"] != "DBA103"]
    (project / "lint" / "baseline.json").write_text(json.dumps(document))
    code, out, _ = invoke("check")
    assert code == 1
    assert "DBA103" in out


def test_the_python_api_takes_them_too(project: Path) -> None:
    lint_paths(["migrations"], write_baseline="baseline.json")
    assert lint_paths(["migrations"], baseline="baseline.json").findings == ()
    assert lint_paths(["migrations"], baseline="baseline.json").hidden == 4
