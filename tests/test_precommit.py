"""The pre-commit hook works as shipped (`pre-commit try-repo`)."""

from __future__ import annotations

import os
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


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_try_repo_lints_staged_sql(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    (repo / "0001_users.sql").write_text("CREATE TABLE users (id serial PRIMARY KEY);\n")
    (repo / "notes.txt").write_text("not sql\n")
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "dbarch-lint", "--all-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "0001_users.sql:1:" in output and "DBA101" in output and "notes.txt" not in output
