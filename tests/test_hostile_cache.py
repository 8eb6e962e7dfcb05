"""The cache under attack: a checkout whose `.dbarch-lint-cache/` was committed, planted or
linked elsewhere must neither lose the user's files nor change what a run reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dbarch_lint.caching import folder as cache_folder
from dbarch_lint.caching.folder import CACHE_DIR, MARKER
from dbarch_lint.caching.store import Cache
from dbarch_lint.cli import main
from tests.cli_runner import CliRunner

BAD = "CREATE TABLE t (id serial PRIMARY KEY, name varchar(20));\n"
HEX = "0123456789abcdef" * 2


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    (root / "0001_t.sql").write_text(BAD)
    return root


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder of the user's that looks like cache entries: named as ours, folders included."""
    folder = tmp_path / "victim"
    for sub in ("", HEX, "parsed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        for n in range(40):
            (folder / sub / f"{n:032x}").write_text("precious\n")
    return folder


def check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("linked", ["parsed", "reports", "runs", f"parsed/{HEX}"])
def test_a_linked_subfolder_is_never_entered(project: Path, victim: Path, linked: str) -> None:
    expected = check(".", "--no-cache")
    check(".")  # (makes the cache folder)
    target = project / CACHE_DIR / linked
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        os.rename(target, project / "moved-away")
    target.symlink_to(victim, target_is_directory=True)
    before = snapshot(victim)
    for _ in range(3):
        assert check(".")[:2] == expected[:2]
    assert snapshot(victim) == before


def test_a_linked_cache_folder_is_not_used(project: Path, victim: Path) -> None:
    expected = check(".", "--no-cache")
    (project / CACHE_DIR).symlink_to(victim, target_is_directory=True)
    before = snapshot(victim)
    code, out, err = check(".")
    assert (code, out) == expected[:2]
    assert err.count("warning") == 1 and "is a link" in err
    assert snapshot(victim) == before


def test_a_folder_of_someone_else_is_not_used(project: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root to give the folder to another user")
    expected = check(".", "--no-cache")
    (project / CACHE_DIR).mkdir()
    os.chown(project / CACHE_DIR, 65534, 65534)
    code, out, err = check(".")
    assert (code, out) == expected[:2]
    assert "belongs to another user" in err
    assert os.listdir(project / CACHE_DIR) == []


def test_a_folder_not_marked_as_ours_is_not_touched(project: Path) -> None:
    expected = check(".", "--no-cache")
    mine = project / CACHE_DIR / "reports"
    mine.mkdir(parents=True)
    (mine / HEX).write_text("not a cache entry\n")
    code, out, err = check(".")
    assert (code, out) == expected[:2] and "not dbarch-lint's cache" in err
    assert snapshot(project / CACHE_DIR) == {f"reports/{HEX}": b"not a cache entry\n"}


def test_only_our_entries_are_deleted(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check(".")
    cache = project / CACHE_DIR
    assert (cache / MARKER).read_bytes() == cache_folder.MARKER_TEXT
    old_code = next((cache / "parsed").iterdir())
    (old_code / "notes.txt").write_text("mine\n")
    (old_code / "mine").mkdir()
    (cache / "reports" / "notes.txt").write_text("mine too\n")
    for n in range(100):
        (cache / "reports" / f"{n:032x}.out").write_text("not ours by name\n")
    monkeypatch.setattr("dbarch_lint.caching.store.code_fingerprint", lambda: "f" * 32)
    for n in range(40):  # (more distinct runs than the reports kept)
        (project / "0001_t.sql").write_text(f"-- {n}\n{BAD}")
        check(".")
    assert (old_code / "notes.txt").read_text() == "mine\n" and (old_code / "mine").is_dir()
    assert not [p for p in old_code.iterdir() if len(p.name) == 32]  # (our old parses: gone)
    assert (cache / "reports" / "notes.txt").exists()
    assert len(list((cache / "reports").glob("*.out"))) == 100
    assert len([p for p in (cache / "reports").iterdir() if len(p.name) == 32]) == 32


def test_entries_written_under_another_key_are_not_trusted(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache copied from elsewhere (another user, another machine, a commit): every parse
    is made again, and a report that says all is well is not believed."""
    expected = check(".")
    assert expected[0] == 1
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    (project / "0001_t.sql").write_text("SELECT 1;\n")
    clean = check(".")  # (someone else's cache now holds a clean report ...)
    assert clean[0] == 0
    (project / "0001_t.sql").write_text(BAD)
    reports = project / CACHE_DIR / "reports"
    forged = next(
        p
        for p in reports.iterdir()
        if p.stat().st_mtime_ns == max(q.stat().st_mtime_ns for q in reports.iterdir())
    )
    for entry in reports.iterdir():  # (... planted under every name this run may look for)
        if entry != forged:
            entry.write_bytes(forged.read_bytes())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "me"))
    found: list[object] = []
    get_parsed = Cache.get_parsed

    def spied(cache: Cache, key: str) -> object:
        parsed = get_parsed(cache, key)
        found.append(parsed)
        return parsed

    monkeypatch.setattr(Cache, "get_parsed", spied)
    assert check(".")[:2] == expected[:2]
    assert found and not any(found)  # (every parse made again)


def test_an_entry_moved_to_another_name_does_not_verify(project: Path) -> None:
    check(".")
    folder = cache_folder.Folder.open(str(project), cache_folder.user_key())
    folder.write(f"reports/{HEX}", b"report A")
    assert folder.read(f"reports/{HEX}") == b"report A"
    reports = project / CACHE_DIR / "reports"
    (reports / ("f" * 32)).write_bytes((reports / HEX).read_bytes())
    assert folder.read(f"reports/{'f' * 32}") is None
    folder.close()


def test_a_damaged_report_is_repaired(project: Path) -> None:
    expected = check(".")
    reports = project / CACHE_DIR / "reports"
    for entry in reports.iterdir():
        data = bytearray(entry.read_bytes())
        data[-3] ^= 0xFF
        entry.write_bytes(bytes(data))
    assert check(".")[:2] == expected[:2]
    folder = cache_folder.Folder.open(str(project), cache_folder.user_key())
    assert all(folder.read(f"reports/{entry.name}") is not None for entry in reports.iterdir())
    folder.close()


def test_a_fifo_in_the_cache_does_not_hang_the_run(project: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "dbarch_lint", "check", "--format", "json", "."]
    expected = subprocess.run(command, capture_output=True, env=env, timeout=60)
    cache = project / CACHE_DIR
    for folder in (cache / "reports", *(cache / "parsed").iterdir()):
        for entry in folder.iterdir():
            entry.unlink()
            os.mkfifo(entry)
    (cache / "files").unlink()
    os.mkfifo(cache / "files")
    again = subprocess.run(command, capture_output=True, env=env, timeout=60)
    assert (again.returncode, again.stdout) == (expected.returncode, expected.stdout)


def test_no_cache_consults_nothing(
    project: Path, victim: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    (project / CACHE_DIR).symlink_to(victim, target_is_directory=True)
    code, _, err = check(".", "--no-cache")
    assert code == 1 and err == ""
    assert not (tmp_path / "home").exists()


def test_the_key_is_the_users_alone(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    check(".")
    key = home / "dbarch-lint" / "key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    assert (home / "dbarch-lint").stat().st_mode & 0o077 == 0
    key.chmod(0o644)
    code, _, err = check(".")
    assert code == 1 and "is not a file of this user's alone" in err
    key.unlink()
    key.symlink_to(project / "0001_t.sql")
    assert "cache key" in check(".")[2]


# The program as installed (`dbarch-lint`: `__main__.main`), each path it opens, lists or stats
# under a cache folder written to a log as it goes (the program leaves with `os._exit`).
WATCHED = """
import os, sys
log = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
def watch(event, args):
    if event in ("open", "os.listdir", "os.scandir", "os.stat") and args:
        if isinstance(args[0], (str, bytes)) and ".dbarch-lint-cache" in os.fsdecode(args[0]):
            os.write(log, os.path.abspath(os.fsdecode(args[0])).encode() + b"\\n")
sys.addaudithook(watch)
sys.argv[1:2] = []
from dbarch_lint.__main__ import main
main()
"""


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_only_the_projects_own_cache_is_consulted(tmp_path: Path, cache: bool) -> None:
    """No cache folder but the project's is looked at, however trusted it would be (here: a
    good cache of this very user, in the folder above): the earlier shortcut read its notes
    from every ancestor's cache, even under --no-cache, and let them decide the run."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")}
    parent = tmp_path / "parent"
    (parent / "project").mkdir(parents=True)
    (parent / "0001_t.sql").write_text(BAD)
    (parent / "project" / "0001_t.sql").write_text(BAD)
    lint = [sys.executable, "-m", "dbarch_lint", "check", "--format", "json", "0001_t.sql"]
    subprocess.run(lint, cwd=parent, env=env, check=False, timeout=60)
    assert (parent / CACHE_DIR / MARKER).is_file()  # (the folder above has a cache: a good one)
    log = tmp_path / "touched"
    command = [sys.executable, "-c", WATCHED, str(log), "check", "0001_t.sql"]
    done = subprocess.run(
        [*command, *([] if cache else ["--no-cache"])],
        cwd=parent / "project",
        env=env,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    caches = set(log.read_text().splitlines()) if log.exists() else set()
    own = str(parent / "project" / CACHE_DIR)
    assert caches and all(p.startswith(own) for p in caches) if cache else not caches, caches
