"""Inputs that must never slip through unlinted, nor hang a run (issue #13): every file is
linted or reported, what is not a regular file is never opened, links stay in the project,
an empty target is an error, and one matcher serves every path pattern of the config.

Runs that could hang run the command line in a process of its own, with a timeout."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dbarch_lint import lint_paths, lint_sql
from dbarch_lint.linting import baseline as dbarch_baseline
from dbarch_lint.model.errors import UsageError
from tests.conftest import ROOT

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


# --- NUL characters and encodings -----------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(before=st.integers(0, 20_000), after=st.sampled_from(["", "DROP TABLE users;\n"]))
@example(before=9_000, after="DROP TABLE users;\n")  # past the first 8 KB
def test_a_nul_anywhere_is_dba004_at_its_line(before: int, after: str) -> None:
    text = "-" * before + "\n\x00" + after
    (finding,) = lint_sql(text, select=["DBA004"])
    assert finding.code == "DBA004" and "NUL" in finding.message
    assert finding.location.line == 2  # where the NUL is, not line 1


def test_a_nul_after_8_kb_of_a_file_hides_nothing(project: Path) -> None:
    (project / "m.sql").write_bytes(b"SELECT 1;\n" * 1_000 + b"\0\n" + SERIAL.format(1).encode())
    result = lint_paths(["m.sql"], select=["DBA004"])
    assert [(f.code, f.location.line) for f in result.findings] == [("DBA004", 1_001)]


def test_utf16_decodes_when_configured(project: Path) -> None:
    (project / "m.sql").write_bytes(SERIAL.format(1).encode("utf-16"))
    (project / "dbarch-lint.toml").write_text(
        'encoding = "utf-16"\nselect = ["DBA004", "DBA101"]\n'
    )
    assert [f.code for f in lint_paths(["m.sql"]).findings] == ["DBA101"]


def test_stdin_is_read_only_for_stdin(project: Path) -> None:
    (project / "a.sql").write_text(SERIAL.format(1))
    command = [sys.executable, "-m", "dbarch_lint", "check", "--no-cache", "--format", "gcc"]
    done = subprocess.run(
        [*command, "--select", "DBA101", "-", "a.sql"],
        cwd=project,
        input="SELECT 1;\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert codes_by_path(done.stdout) == {("a.sql", "DBA101")}


# --- what is not a regular file ---------------------------------------------------------------


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Iterator[None]:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    yield
    server.close()


@pytest.fixture
def specials(project: Path) -> Iterator[Path]:
    """A folder with a FIFO, a socket and a symbolic link loop named as SQL, a link loop
    named otherwise, and migrations around them."""
    folder = project / "db"
    folder.mkdir()
    (folder / "loop.sql").symlink_to("loop.sql")
    (folder / "cycle").symlink_to("cycle")
    _fifo(folder / "fifo.sql")
    for number in range(1, 21):
        (folder / f"{number:02}_m.sql").write_text(SERIAL.format(number))
    yield from _socket(folder / "socket.sql")


def test_a_folder_with_fifos_sockets_and_link_loops_is_linted_whole(specials: Path) -> None:
    done = check("db", cwd=specials)
    found = codes_by_path(done.stdout)
    assert {(f"db/{n:02}_m.sql", "DBA101") for n in range(1, 21)} <= found
    assert {
        ("db/fifo.sql", "DBA004"),
        ("db/socket.sql", "DBA004"),
        ("db/loop.sql", "DBA004"),
    } <= found
    assert "FIFO (named pipe), not a regular file" in done.stdout
    assert "a socket, not a regular file" in done.stdout
    assert done.returncode == 1, done.stderr


def test_a_fifo_named_explicitly_is_reported_not_opened(specials: Path) -> None:
    done = check("db/fifo.sql", cwd=specials)
    assert codes_by_path(done.stdout) == {("db/fifo.sql", "DBA004")}


def test_a_device_is_not_read(project: Path) -> None:
    (project / "null.sql").symlink_to(os.devnull)
    done = check("--follow-outside-links", "null.sql", cwd=project)
    assert "a character device, not a regular file" in done.stdout, done.stderr


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


def _prisma(project: Path) -> list[str]:
    (project / "migrations" / "20240101000000_a").mkdir(parents=True)
    (project / "migrations" / "20240101000000_a" / "migration.sql").write_text("SELECT 1;\n")
    _fifo(project / "migrations" / "migration_lock.toml")
    return ["migrations/20240101000000_a/migration.sql"]


@pytest.mark.parametrize(
    "layout", [_diesel, _flyway, _sqitch, _prisma], ids=["diesel", "flyway", "sqitch", "prisma"]
)
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
        ("schema.sql", ["--schema-snapshot", "schema.sql"]),
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


def test_a_sequelizerc_that_is_a_fifo_is_not_opened(project: Path) -> None:
    """Its `migrations-path` is read only from a regular file (a FIFO swapped in after the
    look that finds it would block the open)."""
    _fifo(project / ".sequelizerc")
    code = "import sys; from dbarch_lint.runners import sequelize as s; print(s.configured_folder("
    code += "sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", code, ".sequelizerc"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    expected = "cannot read .sequelizerc: it is a FIFO (named pipe), not a regular file"
    assert done.stdout.startswith(f"(None, '{expected}"), done.stderr


# --- folders that cannot be listed ------------------------------------------------------------


@pytest.fixture
def locked(project: Path) -> Iterator[Path]:
    """db/1.sql beside db/locked/, a folder nobody may list, holding a migration."""
    (project / "db" / "locked").mkdir(parents=True)
    (project / "db" / "1.sql").write_text(SERIAL.format(1))
    (project / "db" / "locked" / "2.sql").write_text(SERIAL.format(2))
    (project / "db" / "locked").chmod(0)
    yield project
    (project / "db" / "locked").chmod(0o755)


@pytest.mark.parametrize("target", ["db/locked", "db/*"])
def test_an_unreadable_folder_is_an_error_naming_it(locked: Path, target: str) -> None:
    done = check(target, cwd=locked, unprivileged=True)
    assert done.returncode == 2
    assert "dbarch-lint: error: db/locked: cannot list this folder (Permission denied)" in (
        done.stderr
    )


def test_an_unreadable_folder_is_an_error_in_a_run_without_paths(locked: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=locked, check=True, timeout=60)
    for cwd, shown in ((locked, "db/locked"), (locked / "db", "locked")):
        done = check(cwd=cwd, unprivileged=True)
        assert done.returncode == 2
        assert f"error: {shown}: cannot list this folder (Permission denied)" in done.stderr


def test_an_unreadable_folder_is_reported_until_excluded(locked: Path) -> None:
    assert "db/locked: cannot list" in check("db", cwd=locked, unprivileged=True).stderr
    (locked / "dbarch-lint.toml").write_text('exclude = ["locked/"]\n')
    done = check("db", cwd=locked, unprivileged=True)
    assert done.returncode == 1 and done.stderr == ""


# --- symbolic links out of the project --------------------------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A project whose db/ holds links to a secret outside it and to a file inside it."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.sql").write_text("CREATE TABLE secret (password text);\n")
    project = tmp_path / "project"
    (project / "db").mkdir(parents=True)
    (project / "db" / "1.sql").write_text(SERIAL.format(1))
    (project / "db" / "leak.sql").symlink_to(tmp_path / "outside" / "secret.sql")
    (project / "db" / "inside.sql").symlink_to("1.sql")
    (project / "linked").symlink_to(tmp_path / "outside")
    (project / "dbarch-lint.toml").write_text("")
    return project


@pytest.mark.parametrize(
    "target,path",
    [
        ("db", "db/leak.sql"),
        ("db/*.sql", "db/leak.sql"),
        ("db/leak.sql", "db/leak.sql"),
        ("linked", "linked/secret.sql"),
        ("linked/secret.sql", "linked/secret.sql"),
    ],
)
def test_a_link_out_of_the_project_is_not_followed(linked: Path, target: str, path: str) -> None:
    done = check("--show-source", "--select", "DBA", target, cwd=linked)
    assert (path, "DBA004") in codes_by_path(done.stdout)
    assert "outside the project" in done.stdout
    assert "password" not in done.stdout


@pytest.mark.parametrize("how", ["flag", "config"])
def test_links_out_of_the_project_can_be_allowed(linked: Path, how: str) -> None:
    args = ["--follow-outside-links"] if how == "flag" else []
    if how == "config":
        (linked / "dbarch-lint.toml").write_text("follow-outside-links = true\n")
    done = check(*args, "db", cwd=linked)
    assert codes_by_path(done.stdout) == {
        ("db/1.sql", "DBA101"),
        ("db/inside.sql", "DBA101"),  # (a link inside the project is always followed)
    }


def test_the_project_is_the_config_folder(linked: Path) -> None:
    # From a subfolder, a link to a sibling folder stays inside the project, the config
    # file's folder; a link out of it is still refused.
    (linked / "other").mkdir()
    (linked / "other" / "5.sql").write_text(SERIAL.format(5))
    (linked / "db" / "up.sql").symlink_to("../other/5.sql")
    done = check("up.sql", "leak.sql", cwd=linked / "db")
    assert codes_by_path(done.stdout) == {("up.sql", "DBA101"), ("leak.sql", "DBA004")}


# --- empty targets ------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [["empty"], ["nothing*.sql"], []])
def test_an_empty_target_is_an_error_unless_allowed(project: Path, target: list[str]) -> None:
    (project / "empty").mkdir()
    (project / "notes.txt").write_text("not SQL\n")
    done = check(*target, cwd=project)
    assert done.returncode == 2
    assert "no SQL file to lint here" in done.stderr and "--allow-empty" in done.stderr
    assert check("--allow-empty", *target, cwd=project).returncode == 0
    (project / "dbarch-lint.toml").write_text("allow-empty = true\n")
    assert check(*target, cwd=project).returncode == 0


def test_an_empty_target_beside_others_still_lints_them(project: Path) -> None:
    (project / "empty").mkdir()
    (project / "m.sql").write_text(SERIAL.format(1))
    done = check("empty", "m.sql", cwd=project)
    assert done.returncode == 2 and codes_by_path(done.stdout) == {("m.sql", "DBA101")}


# --- one matcher for every path pattern ---------------------------------------------------------


@pytest.fixture
def layered(project: Path) -> Path:
    for path in ("db/1.sql", "db/legacy/2.sql", "db/legacy/old/3.sql", "vendor/4.sql"):
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(SERIAL.format(Path(path).stem))
    return project


def test_exclude_applies_to_globs_and_folders_not_to_named_files(layered: Path) -> None:
    (layered / "dbarch-lint.toml").write_text('exclude = ["vendor"]\n')
    found = codes_by_path(check("**/*.sql", cwd=layered).stdout)
    assert ("vendor/4.sql", "DBA101") not in found and ("db/1.sql", "DBA101") in found
    assert codes_by_path(check(".", cwd=layered).stdout) == found
    named = check("vendor/4.sql", cwd=layered)
    assert codes_by_path(named.stdout) == {("vendor/4.sql", "DBA101")}
    forced = check("--force-exclude", "vendor/4.sql", cwd=layered)
    assert forced.returncode == 0 and forced.stdout == ""
    (layered / "dbarch-lint.toml").write_text('exclude = ["vendor"]\nforce-exclude = true\n')
    assert check("vendor/4.sql", cwd=layered).stdout == ""


def test_the_pre_commit_hook_forces_exclusion() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert "--force-exclude" in hook["entry"].split() + hook.get("args", [])


def test_a_star_never_crosses_a_slash(layered: Path) -> None:
    (layered / "dbarch-lint.toml").write_text(
        '[per-file-ignores]\n"db/legacy/*.sql" = ["DBA101"]\n'
    )
    result = lint_paths(["db"], select=["DBA101"])
    assert sorted(f.path for f in result.findings) == ["db/1.sql", "db/legacy/old/3.sql"]
    (layered / "dbarch-lint.toml").write_text('[per-file-dialect]\n"db/*.sql" = "mysql"\n')
    done = check("-v", "db", cwd=layered)
    dialects = {line.split()[1]: "mysql" in line for line in done.stderr.splitlines()[2:]}
    assert dialects == {"db/1.sql": True, "db/legacy/2.sql": False, "db/legacy/old/3.sql": False}


SEGMENTS = st.sampled_from(["a", "b", "*", "**", "*.sql", "a*", "?.sql"])
# (Not ending in `**/`: pathspec lets `a/**/` match the folder `a/` itself, so the files right
# in it, where git needs a folder below; a known difference, left to pathspec to fix.)
PATTERNS = st.builds(
    lambda lead, parts, trail: lead + "/".join(parts) + trail,
    st.sampled_from(["", "/", "**/"]),
    st.lists(SEGMENTS, min_size=1, max_size=3),
    st.sampled_from(["", "/"]),
).filter(lambda pattern: not pattern.endswith("**/"))
FILES = st.lists(
    st.lists(st.sampled_from(["a", "b", "ab"]), max_size=2).map(lambda d: [*d, "x.sql"]),
    min_size=1,
    max_size=5,
    unique_by=tuple,
).map(lambda paths: sorted("/".join(p) for p in paths))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pattern=PATTERNS, files=FILES)
@example(pattern="a/*.sql", files=["a/b/x.sql", "a/x.sql"])  # fnmatch's `*` crossed `/`
@example(pattern="b/", files=["a/b/x.sql", "b/x.sql"])
def test_exclude_and_per_file_ignores_match_as_git_does(
    tmp_path: Path, pattern: str, files: list[str]
) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    for number, file in enumerate(files):
        (root / file).parent.mkdir(parents=True, exist_ok=True)
        (root / file).write_text(SERIAL.format(number))
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, timeout=60)
    (root / ".git" / "info" / "exclude").write_text(pattern + "\n")
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=root,
        input="\n".join(files),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout.split()
    config = root / "dbarch-lint.toml"
    config.write_text(
        f"select = ['DBA101']\nallow-empty = true\nexclude = [{json.dumps(pattern)}]\n"
    )
    excluded = lint_paths([str(root)], config_path=str(config), cwd=str(root))
    config.write_text(
        f"select = ['DBA101']\n[per-file-ignores]\n{json.dumps(pattern)} = ['DBA1']\n"
    )
    hidden = lint_paths([str(root)], config_path=str(config), cwd=str(root))
    kept = sorted(set(files) - set(ignored))
    assert sorted(f.path for f in excluded.findings) == kept
    assert sorted(f.path for f in hidden.findings) == kept


def test_a_codec_that_fails_its_own_way_is_dba004(project: Path) -> None:
    """Some codecs raise a bare UnicodeError (no byte to point at): still a finding."""
    (project / "dbarch-lint.toml").write_text('encoding = "punycode"\n')
    (project / "a.sql").write_text("SELECT 1;\nCREATE TABLE t (id int);\n")
    result = check("--select", "DBA004", "a.sql", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "a.sql:1:1: error: File is not valid punycode: its text cannot" in result.stdout


def test_a_baseline_is_replaced_whole(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that dies while writing a baseline leaves the old one, never half of one; a
    rewritten one keeps its mode."""
    (project / "a.sql").write_text("CREATE TABLE t (id int);\n")
    baseline = project / "baseline.json"
    write = ["--no-cache", "--write-baseline", str(baseline), "a.sql"]
    assert check(*write, cwd=project).returncode == 0
    old = baseline.read_bytes()
    baseline.chmod(0o640)
    (project / "a.sql").write_text("CREATE TABLE u (id serial);\n")
    result = lint_paths(["a.sql"], cwd=str(project), no_cache=None)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(UsageError, match="No space left"):
        dbarch_baseline.write(str(baseline), result.findings, result.sources)
    assert baseline.read_bytes() == old and os.listdir(project) == sorted(os.listdir(project))
    assert sorted(p.name for p in project.iterdir()) == ["a.sql", "baseline.json"]
    monkeypatch.undo()
    assert check(*write, cwd=project).returncode == 0
    assert baseline.read_bytes() != old and baseline.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("how", ["entry point", "config"])
def test_python_m_imports_no_module_of_the_checkout(project: Path, how: str) -> None:
    """`python -m` puts the working directory on sys.path: a planted module must not load as a
    plugin, whether a planted `*.dist-info` declares it or the checkout's config names it."""
    (project / "a.sql").write_text("SELECT 1;\n")
    (project / "planted.py").write_text(
        "import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('code ran')\n"
    )
    if how == "config":
        (project / "dbarch-lint.toml").write_text('plugins = ["planted"]\n')
    else:
        info = project / "planted-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: planted\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text("[dbarch_lint]\nplanted = planted\n")
    result = subprocess.run(
        [sys.executable, "-m", "dbarch_lint", "check", "--no-cache", "a.sql"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert not (project / "RAN").exists()
    assert result.returncode == (2 if how == "config" else 0), result.stderr
