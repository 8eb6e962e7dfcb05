"""`--no-down` / `check-down = false`: down migrations (files, and dbmate's down sections) are
not reported on, and the summary says how many files were left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import invoke

UP = (
    "CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY, CONSTRAINT a_pkey PRIMARY KEY (id));\n"
)
DOWN = "CREATE TABLE b (id serial PRIMARY KEY);\n"  # DBA101 and more, when linted
DBMATE = (
    "-- migrate:up\n"
    "CREATE TABLE t (id bigint CONSTRAINT t_pkey PRIMARY KEY);\n"
    "\n"
    "-- migrate:down\n"
    "DROP TABLE t; -- noqa: DBA101\n"  # an unused suppression (DBA003) in the down section
    "DROP TABLE other;\n"
)


@pytest.fixture
def diesel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "migrations" / "2020-01-01-000000_a"
    folder.mkdir(parents=True)
    (folder / "up.sql").write_text(UP)
    (folder / "down.sql").write_text(DOWN)
    return tmp_path


def report(*args: str) -> tuple[int, dict[str, object], str]:
    code, out, err = invoke("check", "--no-cache", "--format", "json", *args)
    return code, json.loads(out), err


def paths(document: dict[str, object]) -> set[str]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return {finding["path"] for finding in findings}


def test_down_files_are_linted_by_default_and_left_out_with_no_down(diesel: Path) -> None:
    _, document, _ = report("migrations")
    assert paths(document) == {"migrations/2020-01-01-000000_a/down.sql"}
    assert document["summary"]["files"] == 2  # type: ignore[index]
    code, document, _ = report("--no-down", "migrations")
    assert (code, document["findings"]) == (0, [])
    assert document["summary"]["files"] == 1  # type: ignore[index]


def test_the_config_key_turns_them_off_and_the_option_wins_over_it(diesel: Path) -> None:
    (diesel / "dbarch-lint.toml").write_text("check-down = false\n")
    _, document, _ = report("migrations")
    assert document["findings"] == []
    (diesel / "dbarch-lint.toml").write_text("check-down = true\n")
    assert paths(report("migrations")[1]) == {"migrations/2020-01-01-000000_a/down.sql"}
    assert report("--no-down", "migrations")[1]["findings"] == []
    (diesel / "dbarch-lint.toml").write_text('check-down = "no"\n')
    code, _, err = invoke("check", "migrations")
    assert code == 2 and "check-down must be true or false" in err


def test_the_summary_and_verbose_say_how_many_were_left_out(diesel: Path) -> None:
    code, out, err = invoke("check", "--no-cache", "--no-down", "-v", "migrations")
    assert code == 0
    assert out.strip() == (
        "All checks passed: 1 file, 1 statement (1 down migration not linted: check-down = false)."
    )
    assert "check-down = false: 1 down migration not linted" in err
    assert "down.sql" not in err  # not in the replay order either
    _, out, _ = invoke("check", "--no-cache", "migrations")
    assert "not linted" not in out


def test_a_down_file_named_alone_is_left_out_too(diesel: Path) -> None:
    code, out, _ = invoke(
        "check", "--no-cache", "--no-down", "migrations/2020-01-01-000000_a/down.sql"
    )
    assert code == 0
    assert "0 files, 0 statements (1 down migration not linted" in out


def test_a_dbmate_down_section_is_not_reported_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "20200101000000_t.sql").write_text(DBMATE)
    _, document, _ = report("db")
    lines = {(f["code"], f["line"]) for f in document["findings"]}  # type: ignore[union-attr]
    # (no DBA413: a lock only on the table the statement drops blocks no one who matters)
    assert {("DBA003", 5), ("DBA504", 6)} <= lines
    assert document["summary"]["statements"] == 3  # type: ignore[index]
    _, document, _ = report("--no-down", "db")
    assert document["findings"] == []
    # The file counts (its up section is linted); the down section's statements do not.
    assert document["summary"]["files"] == 1  # type: ignore[index]
    assert document["summary"]["statements"] == 1  # type: ignore[index]
