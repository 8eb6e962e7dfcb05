"""`--diff-base GIT_REF`: report only on files added or changed since the ref, while every
migration still feeds the replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import git
from tests.test_cli import invoke

TABLE = (
    "CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY, CONSTRAINT a_pkey PRIMARY KEY (id));\n"
)
OLD_MISTAKE = "CREATE TABLE old (id serial PRIMARY KEY);\n"  # DBA101 and more
REDUNDANT = "CREATE INDEX CONCURRENTLY a_id_idx ON a (id);\n"  # DBA302: needs a's key replayed


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: 001 (a table) and 002 (old mistakes); a branch `feature` made from it."""
    monkeypatch.chdir(tmp_path)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_a.sql").write_text(TABLE)
    (migrations / "002_old.sql").write_text(OLD_MISTAKE)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "history")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def reported(*args: str) -> tuple[int, dict[str, set[str]], str]:
    """Exit code, the codes reported by file, and stderr."""
    code, out, err = invoke("check", "--format", "json", *args)
    by_file: dict[str, set[str]] = {}
    if out:
        for finding in json.loads(out)["findings"]:
            by_file.setdefault(finding["path"], set()).add(finding["code"])
    return code, by_file, err


def test_only_files_changed_since_the_ref_are_reported_but_all_replay(repo: Path) -> None:
    (repo / "migrations" / "003_index.sql").write_text(REDUNDANT)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "new migration")
    code, by_file, _ = reported("--diff-base", "main", "migrations")
    assert code == 1
    # 002's old mistakes are not reported; 003 is, and sees the key 001 made (DBA302).
    assert by_file == {"migrations/003_index.sql": {"DBA302"}}
    code, by_file, _ = reported("migrations")  # without it: everything
    assert set(by_file) == {"migrations/002_old.sql", "migrations/003_index.sql"}


def test_uncommitted_and_untracked_files_count_and_deleted_ones_do_not(repo: Path) -> None:
    (repo / "migrations" / "002_old.sql").write_text(OLD_MISTAKE + "-- edited\n")
    (repo / "migrations" / "003_index.sql").write_text(REDUNDANT)  # untracked
    _, by_file, _ = reported("--diff-base", "main", "migrations")
    assert set(by_file) == {"migrations/002_old.sql", "migrations/003_index.sql"}
    (repo / "migrations" / "002_old.sql").unlink()
    code, by_file, err = reported("--diff-base", "main", "migrations")
    assert (code, err) == (1, "")
    assert by_file == {"migrations/003_index.sql": {"DBA302"}}


def test_commits_made_on_the_ref_since_the_branch_left_it_are_not_the_branchs(
    repo: Path,
) -> None:
    git(repo, "checkout", "-q", "main")
    (repo / "migrations" / "002_old.sql").write_text(OLD_MISTAKE + "-- changed on main\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "main moved on")
    git(repo, "checkout", "-q", "feature")
    (repo / "migrations" / "003_index.sql").write_text(REDUNDANT)
    code, by_file, _ = reported("--diff-base", "main", "migrations")
    assert (code, set(by_file)) == (1, {"migrations/003_index.sql"})


def test_nothing_changed_reports_nothing(repo: Path) -> None:
    code, out, _ = invoke("check", "--diff-base", "main", "migrations")
    assert code == 0
    assert "All checks passed: 0 files" in out


def test_config_key_and_cache(repo: Path) -> None:
    (repo / "dbarch-lint.toml").write_text(
        'diff-base = "main"\nmigrations = ["migrations/*.sql"]\n'
    )
    (repo / "migrations" / "003_index.sql").write_text(REDUNDANT)
    for _ in range(2):  # (the second run may come from the report cache: the same answer)
        _, by_file, _ = reported()
        assert by_file == {"migrations/003_index.sql": {"DBA302"}}
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "003")
    (repo / "migrations" / "002_old.sql").write_text(OLD_MISTAKE + "-- edited\n")
    _, by_file, _ = reported()  # the files' roles changed: the cached report does not answer
    assert set(by_file) == {"migrations/002_old.sql", "migrations/003_index.sql"}
    _, by_file, _ = reported("--diff-base", "HEAD")  # the command line wins
    assert set(by_file) == {"migrations/002_old.sql"}


def test_unknown_ref_and_no_repository_are_usage_errors(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = invoke("check", "--diff-base", "no-such-branch", "migrations")
    assert (code, out) == (2, "")
    assert "git knows no commit 'no-such-branch'" in err
    assert "git fetch" in err
    elsewhere = tmp_path_factory.mktemp("not-a-repo")
    (elsewhere / "a.sql").write_text(TABLE)
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(elsewhere.parent))
    code, out, err = invoke("check", "--diff-base", "main", "a.sql")
    assert (code, out) == (2, "")
    assert "--diff-base needs a git work tree" in err
    assert "Traceback" not in err
