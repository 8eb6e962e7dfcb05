"""The pre-commit hook works as shipped (`pre-commit try-repo`)."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT


def test_hook_definition() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "dbarch-lint" and hook["language"] == "python"
    assert hook["types"] == ["sql"] and hook["require_serial"] is True


def _environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }


def _try_repo(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "dbarch-lint", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=600,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_try_repo_lints_staged_sql(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    env = _environment(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    (repo / "0001_users.sql").write_text("CREATE TABLE users (id serial PRIMARY KEY);\n")
    (repo / "notes.txt").write_text("not sql\n")
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    result = _try_repo(repo, env, "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "0001_users.sql:1:" in output and "DBA101" in output and "notes.txt" not in output


# A history long enough that pre-commit splits its file list (past 128 KiB of arguments) into
# several invocations. Each finding below needs the history: DBA301 (in the first chunk: no
# later file indexes the foreign key), DBA302 and DBA801 (in the last: an earlier index and
# table).
HISTORY_FILES = 2500
_PAD = "add_a_descriptive_name_as_real_projects_do_for_each_of_their_migrations"


def _write_history(folder: Path) -> list[str]:
    folder.mkdir()
    names = []
    for number in range(1, HISTORY_FILES + 1):
        if number == 1:
            text = (
                "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY, email text NOT NULL,"
                " CONSTRAINT users_pkey PRIMARY KEY (id));\n"
                "CREATE INDEX users_email_idx ON users (email);\n"
            )
        elif number == 2:
            text = (
                "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY, user_id bigint NOT"
                " NULL, CONSTRAINT orders_pkey PRIMARY KEY (id), CONSTRAINT orders_user_fk"
                " FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);\n"
            )
        elif number == HISTORY_FILES:
            text = (
                "SET lock_timeout = '1s';\n"
                "CREATE INDEX CONCURRENTLY users_email_again_idx ON users (email);\n"
                "CREATE INDEX CONCURRENTLY users_nick_idx ON users (nickname);\n"
            )
        else:
            text = (
                f"CREATE TABLE t{number} (id bigint GENERATED ALWAYS AS IDENTITY,"
                f" CONSTRAINT t{number}_pkey PRIMARY KEY (id));\n"
            )
        name = f"{number:05d}_{_PAD}_{number}.sql"
        (folder / name).write_text(text)
        names.append(f"{folder.name}/{name}")
    return names


def _findings(output: str) -> list[str]:
    """The finding lines of text reports (each invocation's are sorted; chunks follow)."""
    return sorted(
        line for line in output.splitlines() if re.match(r"migrations/\S+:\d+:\d+: ", line)
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_staged_files_get_the_findings_of_the_whole_history_even_split(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    env = _environment(tmp_path)
    git = functools.partial(subprocess.run, cwd=repo, check=True, env=env)
    git(["git", "init", "-q"])
    names = _write_history(repo / "migrations")
    whole = subprocess.run(
        [sys.executable, "-m", "dbarch_lint", "check", "--no-cache", "migrations"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    expected = _findings(whole.stdout)
    assert {code for code in ("DBA301", "DBA302", "DBA801") if code in whole.stdout} == {
        "DBA301",
        "DBA302",
        "DBA801",
    }, whole.stdout + whole.stderr
    # The staged migrations (the first and last two) in a history otherwise committed.
    staged = [names[0], names[1], names[-2], names[-1]]
    git(["git", "add", "--", *names[2:-2]])
    git(["git", "commit", "-q", "-m", "history"])
    git(["git", "add", "--", *staged])
    result = _try_repo(repo, env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert _findings(output) == expected, output
    # Every file, in the invocations pre-commit splits the list into.
    result = _try_repo(repo, env, "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert sum(line.startswith("Found ") for line in output.splitlines()) >= 2, output
    assert _findings(output) == expected, output
