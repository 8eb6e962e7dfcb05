"""`--fix` against crashes, concurrent edits and unusual files: a file is replaced whole or not
at all, never over an edit made since it was linted, keeping its mode, owner, links and line
endings."""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbarch_lint import lint_sql
from dbarch_lint.orchestration import fixes
from dbarch_lint.orchestration.fixes import _apply
from tests.test_cli import invoke

MIGRATION = "CREATE INDEX orders_status_idx ON orders (status);\nDROP INDEX orders_old_idx;\n"
FIXED = (
    "SET lock_timeout = '2s';\n"
    "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\n"
    "DROP INDEX CONCURRENTLY orders_old_idx;\n"
)
NAME = "migrations/001_orders.sql"
FIX = ("check", "--no-cache", "--fix", "--format", "json", NAME)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / NAME).write_text(MIGRATION)
    return tmp_path


def codes(report: str) -> list[str]:
    return [finding["code"] for finding in json.loads(report)["findings"]]


def after_linting(monkeypatch: pytest.MonkeyPatch, action: Callable[[], object]) -> None:
    """Run `action` once the files are linted and fixed in memory, before they are written."""
    plan = fixes.plan

    def plan_then_act(*args: Any) -> fixes.Outcome:
        outcome = plan(*args)
        action()
        return outcome

    monkeypatch.setattr(fixes, "plan", plan_then_act)


def fail(error: BaseException) -> Callable[..., None]:
    def raising(*_: object) -> None:
        raise error

    return raising


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ("replace", OSError(errno.EXDEV, os.strerror(errno.EXDEV))),
        ("fsync", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))),
        ("fsync", KeyboardInterrupt()),
    ],
    ids=["rename", "sync", "interrupt"],
)
def test_a_write_that_fails_leaves_the_file_whole_and_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, step: str, error: BaseException
) -> None:
    monkeypatch.setattr(os, step, fail(error))
    code, out, err = invoke(*FIX)
    assert (project / NAME).read_text() == MIGRATION
    assert os.listdir(project / "migrations") == ["001_orders.sql"]
    if isinstance(error, OSError):
        assert code == 2
        assert f"cannot write the fixes to {NAME}: {error.strerror}; it is left as it was" in err
        assert sorted(codes(out)) == ["DBA401", "DBA402", "DBA413"]  # (as it still is)


STALLED_WRITE = """
import os, sys, time
from pathlib import Path

def stalled(descriptor):  # the fixed file is written, not yet synced nor renamed
    Path(sys.argv[1]).touch()
    time.sleep(600)

os.fsync = stalled
from dbarch_lint.cli import main
main(sys.argv[2:])
"""


def test_kill_9_while_writing_leaves_the_file_whole(project: Path) -> None:
    marker = project / "writing"
    child = subprocess.Popen([sys.executable, "-c", STALLED_WRITE, str(marker), *FIX])
    try:
        while not marker.exists() and child.poll() is None:
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    assert marker.exists()  # (killed while writing, not after)
    assert (project / NAME).read_text() == MIGRATION
    # What a killed run cannot remove: its temporary file, hidden, and never linted as SQL.
    (leftover,) = (name for name in os.listdir(project / "migrations") if name != "001_orders.sql")
    assert re.fullmatch(r"\.dbarch-lint-\w+\.tmp", leftover)
    assert invoke(*FIX)[0] == 0
    assert (project / NAME).read_text() == FIXED


SWAPPED = """
import os, sys
from dbarch_lint.orchestration import fixes

plan = fixes.plan

def plan_then_swap(*args):  # once the file is linted and fixed in memory: a FIFO in its place
    outcome = plan(*args)
    os.unlink(sys.argv[1])
    os.mkfifo(sys.argv[1])
    return outcome

fixes.plan = plan_then_swap
from dbarch_lint.cli import main
main(sys.argv[2:])
"""


def test_a_file_swapped_for_a_fifo_after_it_was_linted_is_not_opened(project: Path) -> None:
    path = project / NAME
    command = [sys.executable, "-c", SWAPPED, str(path), *FIX]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert f"cannot write the fixes to {NAME}: it is a FIFO (named pipe)" in done.stderr
    assert path.is_fifo() and os.listdir(project / "migrations") == ["001_orders.sql"]


def write_keeping_mtime(path: Path, text: str) -> None:
    before = path.stat()
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize(
    "edited",
    [MIGRATION + "-- a line added meanwhile\n", MIGRATION.replace("status", "STATUS")],
    ids=["appended", "same-size-and-mtime"],
)
def test_a_file_edited_after_it_was_linted_is_not_overwritten(
    project: Path, monkeypatch: pytest.MonkeyPatch, edited: str
) -> None:
    path = project / NAME
    after_linting(monkeypatch, lambda: write_keeping_mtime(path, edited))
    code, out, err = invoke(*FIX)
    assert path.read_text() == edited
    assert code == 2
    assert f"not fixing {NAME}: it changed since it was linted; run dbarch-lint again" in err
    assert "fixed" not in err
    assert sorted(codes(out)) == ["DBA401", "DBA402", "DBA413"]  # (as it was linted)
    assert os.listdir(project / "migrations") == ["001_orders.sql"]


def test_a_file_saved_again_unchanged_is_fixed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project / NAME
    inode = path.stat().st_ino
    after_linting(monkeypatch, lambda: os.utime(path, ns=(1, 1)))
    assert invoke(*FIX)[0] == 0
    assert path.read_text() == FIXED
    assert path.stat().st_ino != inode  # (renamed over the old file, not written into it)


@pytest.mark.parametrize("mode", [0o640, 0o755, 0o644], ids=oct)
def test_the_fixed_file_replaces_the_old_one_with_its_mode_and_owner(
    project: Path, mode: int
) -> None:
    path = project / NAME
    path.chmod(mode)
    if os.geteuid() == 0:  # (only root may give a file to another user)
        os.chown(path, 65534, 65534)
    before = path.stat()
    assert invoke(*FIX)[0] == 0
    after = path.stat()
    assert path.read_text() == FIXED
    assert after.st_ino != before.st_ino
    assert (after.st_mode, after.st_uid, after.st_gid) == (
        before.st_mode,
        before.st_uid,
        before.st_gid,
    )


def test_a_symlinked_file_is_fixed_where_it_is_and_the_link_stays(project: Path) -> None:
    (project / "shared").mkdir()
    real = project / "shared" / "orders.sql"
    (project / NAME).rename(real)
    (project / NAME).symlink_to("../shared/orders.sql")
    inode = real.stat().st_ino
    assert invoke(*FIX)[0] == 0
    assert os.readlink(project / NAME) == "../shared/orders.sql"
    assert real.read_text() == FIXED
    assert real.stat().st_ino != inode
    assert os.listdir(project / "shared") == ["orders.sql"]
    assert os.listdir(project / "migrations") == ["001_orders.sql"]


@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_an_inserted_line_ends_as_the_file_s_lines_do(project: Path, ending: str) -> None:
    path = project / NAME
    path.write_bytes(MIGRATION.replace("\n", ending).encode())
    assert invoke(*FIX, "--select", "DBA413")[0] == 0
    fixed = "SET lock_timeout = '2s';\n" + MIGRATION
    assert path.read_bytes() == fixed.replace("\n", ending).encode()


def test_a_byte_order_mark_is_kept_once(project: Path) -> None:
    (project / "dbarch-lint.toml").write_text('encoding = "utf-8-sig"\n')
    path = project / NAME
    path.write_bytes(codecs.BOM_UTF8 + MIGRATION.encode())
    assert invoke(*FIX)[0] == 0
    assert path.read_bytes() == codecs.BOM_UTF8 + FIXED.encode()


LINE_BREAK = re.compile(r"\r\n|\r|\n")
STATEMENTS = [
    "CREATE INDEX i ON t (x);",
    "DROP INDEX j;",
    "ALTER TABLE t ADD COLUMN c int;",
    "-- a comment",
    "",
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(STATEMENTS), st.sampled_from(["\n", "\r\n", "\r"]))))
def test_fixes_bring_no_line_ending_the_file_does_not_use(lines: list[tuple[str, str]]) -> None:
    text = "".join(statement + ending for statement, ending in lines)
    found = lint_sql(text)
    fixed, _ = _apply(text, [f.fix.edits for f in found if f.fix is not None])
    if LINE_BREAK.search(text):
        assert set(LINE_BREAK.findall(fixed)) <= set(LINE_BREAK.findall(text))
