"""The shortcut: a command repeated with nothing changed is answered from its note, before the
command line loads; any change to what its answer depends on falls through to a normal run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dbarch_lint import cli, discovery, shortcut
from dbarch_lint.cache import CACHE_DIR

PARENT = (
    "CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY, "
    "CONSTRAINT customers_pkey PRIMARY KEY (id));\n"
)
CHILD = (
    "SET lock_timeout = '2s';\n"
    "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY, customer_id bigint NOT NULL, "
    "CONSTRAINT orders_pkey PRIMARY KEY (id), CONSTRAINT orders_customer_id_fkey FOREIGN KEY "
    "(customer_id) REFERENCES customers (id) ON DELETE CASCADE);\n"
)
INDEX = "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\n"
ARGV = ["check", "migrations", "--format", "json"]


def settle() -> None:
    """Wait until the files just written are settled: a path changed within the file system's
    timestamp tick before a run leaves no note, or one checked by content (`shortcut.settled`)."""
    time.sleep(0.15)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / "migrations" / "2024").mkdir(parents=True)
    monkeypatch.chdir(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(shortcut, "_STARTED_NS", shortcut._STARTED_NS)  # (`program` sets it)
    (root / "migrations" / "0001_customers.sql").write_text(PARENT)
    (root / "migrations" / "2024" / "0002_orders.sql").write_text(CHILD)
    settle()
    return root


def program(argv: list[str], capfd: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the command line as the program does (it leaves notes), in this process, as if it
    had just started."""
    shortcut._STARTED_NS = time.time_ns()
    with pytest.raises(SystemExit) as done:
        cli.main.main(args=argv, obj=cli._Program(argv), standalone_mode=False)
    code = done.value.code
    assert isinstance(code, int)
    return code, capfd.readouterr().out


def answered(argv: list[str], capfd: pytest.CaptureFixture[str]) -> tuple[int, str] | None:
    """What the shortcut answers (None: a normal run is needed; then it printed nothing)."""
    code = shortcut.answer(argv)
    out = capfd.readouterr().out
    if code is None:
        assert out == ""
        return None
    return code, out


def test_a_repeated_command_gets_the_same_answer(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    first = program(ARGV, capfd)
    assert first[0] == 1 and "DBA301" in first[1]
    assert os.listdir(project / CACHE_DIR / shortcut.FOLDER)
    assert answered(ARGV, capfd) == first
    assert answered([*ARGV, "--quiet"], capfd) is None  # another command


def _edit(project: Path) -> None:
    (project / "migrations" / "2024" / "0002_orders.sql").write_text(CHILD + INDEX)


def _add(project: Path) -> None:  # (in a new folder below a listed one)
    (project / "migrations" / "2024" / "later").mkdir()
    (project / "migrations" / "2024" / "later" / "0003_index.sql").write_text(INDEX)


def _remove(project: Path) -> None:
    (project / "migrations" / "0001_customers.sql").unlink()


def _copy_keeping_size_and_mtime(project: Path) -> None:  # (as `cp -p` over it does)
    edited = project / "migrations" / "2024" / "0002_orders.sql"
    stat = edited.stat()
    unguarded = CHILD.replace("SET lock_timeout = '2s';", "SELECT 1;".ljust(24))
    assert len(unguarded) == len(CHILD)
    edited.write_text(unguarded)
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _config(project: Path) -> None:
    (project / "dbarch-lint.toml").write_text('ignore = ["DBA301"]\n')


def _pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.dbarch-lint]\nignore = ["DBA301"]\n')


def _config_above(project: Path) -> None:  # (it applies to the working directory below)
    (project.parent / "dbarch-lint.toml").write_text('ignore = ["DBA301"]\n')


@pytest.mark.parametrize(
    "change",
    [_edit, _copy_keeping_size_and_mtime, _add, _remove, _config, _pyproject, _config_above],
)
def test_a_change_the_answer_depends_on_falls_through(
    project: Path, capfd: pytest.CaptureFixture[str], change: Callable[[Path], None]
) -> None:
    first = program(ARGV, capfd)
    change(project)
    assert answered(ARGV, capfd) is None
    assert program(ARGV, capfd)[1] != first[1]  # (and the normal run sees the change)


def test_a_touched_file_is_answered_again_after_one_normal_run(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    first = program(ARGV, capfd)
    os.utime(project / "migrations" / "0001_customers.sql")  # content unchanged
    assert answered(ARGV, capfd) is None
    settle()
    assert program(ARGV, capfd) == first  # from the report cache: it leaves a new note
    assert answered(ARGV, capfd) == first


def test_the_terminal_and_no_color_are_part_of_the_command(
    project: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    program(ARGV, capfd)
    monkeypatch.setenv("NO_COLOR", "1")
    assert answered(ARGV, capfd) is None


def test_a_glob_lists_every_folder_it_could_match_in(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    argv = ["check", "migrations/**/*.sql", "--format", "json"]
    assert "DBA301" in program(argv, capfd)[1]
    assert answered(argv, capfd) is not None
    _add(project)
    assert answered(argv, capfd) is None
    assert "DBA301" not in program(argv, capfd)[1]


def test_the_answer_goes_where_the_report_went(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    argv = [*ARGV, "--output-file", "report.json"]
    first = program(argv, capfd)
    report = (project / "report.json").read_bytes()
    (project / "report.json").unlink()
    assert answered(argv, capfd) == first
    assert (project / "report.json").read_bytes() == report


def test_a_file_that_had_just_changed_is_checked_by_content(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    edited = project / "migrations" / "2024" / "0002_orders.sql"
    edited.write_text(CHILD.replace("2s", "3s"))  # (now: a change in the same tick may not show)
    first = program(ARGV, capfd)
    assert answered(ARGV, capfd) == first
    # A second change within the tick keeps the stat: the content tells.
    path, stat = str(edited), shortcut.stat_of(str(edited))
    assert shortcut._unchanged([(path, stat, shortcut.digest(edited.read_bytes()))])
    assert not shortcut._unchanged([(path, stat, shortcut.digest(b"other"))])


def test_no_note_for_stdin_or_a_folder_that_had_just_changed(
    project: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "migrations" / "0003_index.sql").write_text(INDEX)
    program(ARGV, capfd)
    assert not (project / CACHE_DIR / shortcut.FOLDER).exists()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(PARENT.encode())))
    program(["check", "-", "--format", "json"], capfd)
    assert not (project / CACHE_DIR / shortcut.FOLDER).exists()


def test_the_baseline_is_part_of_the_answer_and_diff_base_leaves_no_note(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (project / "migrations" / "0003_index.sql").write_text(INDEX.replace(" CONCURRENTLY", ""))
    program([*ARGV, "--write-baseline", "baseline.json"], capfd)
    settle()
    argv = [*ARGV, "--baseline", "baseline.json"]
    code, out = program(argv, capfd)
    assert code == 0
    assert answered(argv, capfd) == (code, out)
    (project / "baseline.json").write_text(
        '{"format": "dbarch-lint baseline", "version": 1, "findings": []}'
    )
    settle()
    assert answered(argv, capfd) is None
    assert program(argv, capfd)[0] == 1
    for git in (["init", "-q"], ["add", "."], ["commit", "-qm", "all"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *git],
            cwd=project,
            check=True,
        )
    settle()
    assert program([*ARGV, "--diff-base", "HEAD"], capfd)[0] == 0  # (git's answer: no stat)
    assert answered([*ARGV, "--diff-base", "HEAD"], capfd) is None


def test_a_damaged_note_is_ignored(project: Path, capfd: pytest.CaptureFixture[str]) -> None:
    program(ARGV, capfd)
    for entry in os.scandir(project / CACHE_DIR / shortcut.FOLDER):
        Path(entry.path).write_bytes(b"\x00garbage")
    assert answered(ARGV, capfd) is None


def test_the_program_answers_without_loading_the_command_line(project: Path) -> None:
    command = [sys.executable, "-X", "importtime", "-m", "dbarch_lint", *ARGV]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    first = subprocess.run(command, capture_output=True, text=True, env=env)
    again = subprocess.run(command, capture_output=True, text=True, env=env)
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)
    assert first.returncode == 1 and "DBA301" in first.stdout
    assert "click" in first.stderr
    assert "click" not in again.stderr and "msgspec" not in again.stderr


def test_a_change_is_settled_after_the_file_systems_timestamp_tick() -> None:
    start = shortcut._STARTED_NS
    fine = (start - 500_000_000) | 1  # (digits below the second: ticks of at most 10 ms)
    coarse = (start // 1_000_000_000 - 1) * 1_000_000_000  # (whole seconds, as FAT or ext3)
    assert shortcut.settled((0, 0, 0, fine, fine)) and shortcut.settled(None)
    assert not shortcut.settled((0, 0, 0, start - 50_000_000, start - 50_000_000))
    assert not shortcut.settled((0, 0, 0, coarse, coarse))
    assert shortcut.settled((0, 0, 0, coarse - 2_000_000_000, coarse - 2_000_000_000))
    assert not shortcut.settled((0, 0, 0, fine, start))  # (a copy that kept an old mtime)


def test_a_link_back_up_does_not_loop_the_folders_a_glob_lists(tmp_path: Path) -> None:
    (tmp_path / "migrations" / "2024").mkdir(parents=True)
    (tmp_path / "migrations" / "2024" / "up").symlink_to(tmp_path / "migrations")
    listed: dict[str, shortcut.Stat | None] = {}
    discovery._glob_folders(str(tmp_path / "migrations" / "**" / "*.sql"), listed)
    assert str(tmp_path / "migrations" / "2024") in listed
    assert len(listed) <= 4


def test_a_note_whose_report_was_pruned_falls_through(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    first = program(ARGV, capfd)
    for entry in os.scandir(project / CACHE_DIR / "reports"):
        os.unlink(entry.path)
    assert answered(ARGV, capfd) is None
    assert program(ARGV, capfd) == first


def test_a_report_that_cannot_be_written_is_an_error_not_a_second_run(
    project: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    program(ARGV, capfd)

    class Full(io.BytesIO):
        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(Full()))
    assert shortcut.answer(ARGV) == 2
    assert "cannot write the report: No space left on device" in capfd.readouterr().err
