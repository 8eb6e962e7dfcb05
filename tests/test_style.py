"""House style: ruff-clean, ruff-formatted, and `mypy --strict` on the engine and the rules."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PATHS = ["src", "rules", "tests", "scripts", "benchmarks"]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_ruff_check() -> None:
    result = run("ruff", "check", *PATHS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = run("ruff", "format", "--check", *PATHS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict(tmp_path: Path) -> None:
    # `rules/` is installed as `dbarch_lint.rules`: give mypy that layout with symlinks.
    if not hasattr(Path, "symlink_to") or shutil.which("ln") is None:
        pytest.skip("needs symlinks")
    package = tmp_path / "dbarch_lint"
    package.mkdir()
    for entry in (ROOT / "src" / "dbarch_lint").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    (package / "rules").symlink_to(ROOT / "rules")
    result = run(
        "mypy",
        "--strict",
        "--config-file",
        str(ROOT / "pyproject.toml"),
        "dbarch_lint",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
