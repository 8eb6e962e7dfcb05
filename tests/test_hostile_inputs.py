"""Inputs that must never slip through unlinted, nor hang a run (issue #13): every file is
linted or reported, what is not a regular file is never opened, links stay in the project,
an empty target is an error, and one matcher serves every path pattern of the config.

Runs that could hang run the command line in a process of its own, with a timeout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SERIAL = "CREATE TABLE t{} (id serial);\n"  # one DBA101 each


def check(*args: str, cwd: Path, unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    """`dbarch-lint check` in its own process (gcc format, only DBA004 and DBA101 unless the
    arguments say otherwise); a hang fails the test instead of stopping the suite."""
    command = [sys.executable, "-m", "dbarch_lint", "check", "--no-cache", "--format", "gcc"]
    if "--select" not in args:
        command += ["--select", "DBA004,DBA101"]
    prefix = _unprivileged() if unprivileged else []
    return subprocess.run(
        [*prefix, *command, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _unprivileged() -> list[str]:
    """A command prefix under which permissions apply. root reads a mode-000 folder, and
    `nobody` cannot reach this interpreter (below /root): drop root's two capabilities that
    bypass them instead."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: mode 000 would not keep root out")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def codes_by_path(output: str) -> set[tuple[str, str]]:
    """(path, code) of each finding in gcc output."""
    found = set()
    for line in output.splitlines():
        path, _, rest = line.partition(":")
        found.add((path, rest.rsplit("[", 1)[1].split()[0]))
    return found


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- what is not a regular file ---------------------------------------------------------------


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _diesel(project: Path) -> list[str]:
    folder = project / "2020-01-01-000000_a"
    folder.mkdir()
    (folder / "up.sql").write_text("SELECT 1;\n")
    _fifo(folder / "metadata.toml")
    return [str(folder / "up.sql")]


def _flyway(project: Path) -> list[str]:
    (project / "V1__a.sql").write_text("SELECT 1;\n")
    _fifo(project / "V1__a.sql.conf")
    return ["V1__a.sql"]


def _sqitch(project: Path) -> list[str]:
    (project / "deploy").mkdir()
    (project / "deploy" / "a.sql").write_text("SELECT 1;\n")
    _fifo(project / "sqitch.plan")
    return ["deploy/a.sql"]


@pytest.mark.parametrize("layout", [_diesel, _flyway, _sqitch], ids=["diesel", "flyway", "sqitch"])
def test_a_runner_side_file_that_is_a_fifo_is_dba004(
    project: Path, layout: Callable[[Path], list[str]]
) -> None:
    (migration,) = layout(project)
    done = check(migration, cwd=project)
    assert "FIFO (named pipe), not a regular file" in done.stdout, done.stderr
    assert done.returncode == 1


@pytest.mark.parametrize(
    "name,args",
    [
        ("baseline.json", ["--baseline", "baseline.json"]),
        ("dbarch-lint.toml", []),
        ("pyproject.toml", []),
        ("other.toml", ["--config", "other.toml"]),
    ],
)
def test_a_config_or_baseline_that_is_a_fifo_is_an_error(
    project: Path, name: str, args: list[str]
) -> None:
    (project / "m.sql").write_text("SELECT 1;\n")
    _fifo(project / name)
    done = check(*args, "m.sql", cwd=project)
    assert done.returncode == 2
    assert done.stderr.startswith("dbarch-lint: error: ") and name in done.stderr
    assert "FIFO (named pipe), not a regular file" in done.stderr
