"""The prefix snapshot: the schema replayed up to the first target, from the cache
(`linting/prefix.py`). Every answer equals the uncached run's; only this user's entries load."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from dbarch_lint.caching.folder import CACHE_DIR
from dbarch_lint.caching.store import Cache
from dbarch_lint.cli import main
from dbarch_lint.inputs import discovery
from dbarch_lint.inputs.config import find_config, load
from dbarch_lint.linting import prefix
from dbarch_lint.orchestration.run import prepare
from dbarch_lint.server.project import Project
from tests.cli_runner import CliRunner

FILES = {
    "0001_customers.sql": (
        "CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY, email text, "
        "CONSTRAINT customers_pkey PRIMARY KEY (id));\n"
    ),
    "0002_orders.sql": (
        "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY, customer_id bigint NOT "
        "NULL, CONSTRAINT orders_pkey PRIMARY KEY (id), CONSTRAINT orders_customer_id_fkey "
        "FOREIGN KEY (customer_id) REFERENCES customers (id));\n"
    ),
    "0003_index.sql": "CREATE INDEX orders_customer_id_idx ON orders (customer_id);\n",
    "0004_more.sql": (
        "ALTER TABLE customers ADD COLUMN name text NOT NULL DEFAULT 'x';\n"
        "ALTER TABLE orders ALTER COLUMN customer_id TYPE int;\n"
        "CREATE INDEX customers_email_idx ON customers (email);\n"
    ),
}
EDITS = {
    "0001_customers.sql": "CREATE TABLE audit (id int);\n",
    "0002_orders.sql": "ALTER TABLE customers ADD CONSTRAINT email_key UNIQUE (email);\n",
    "0004_more.sql": "ALTER TABLE orders ADD COLUMN total int;\n",
}


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each lookup of a snapshot found one."""
    found: list[bool] = []
    original = prefix.load

    def spy(*args: object) -> prefix.Snapshot | None:
        result = original(*args)  # type: ignore[arg-type]
        found.append(result is not None)
        return result

    monkeypatch.setattr(prefix, "load", spy)
    return found


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout


def same_as_uncached(*args: str) -> tuple[int, str]:
    cached = check(*args)
    assert cached == check("--no-cache", *args)
    return cached


def test_a_snapshot_answers_as_the_replay(history: Path, loads: list[bool]) -> None:
    first = same_as_uncached("0004_more.sql")
    assert '"code"' in first[1]  # (findings that depend on the earlier files)
    assert os.listdir(history / CACHE_DIR / "prefixes")
    with (history / "0004_more.sql").open("a") as handle:
        handle.write("ALTER TABLE orders ADD COLUMN paid bool NOT NULL DEFAULT false;\n")
    same_as_uncached("0004_more.sql")
    assert loads == [False, True]


@pytest.mark.parametrize("edited", list(EDITS))
@pytest.mark.parametrize("target", ["0003_index.sql", "0004_more.sql", "."])
def test_edits_anywhere_give_the_uncached_answer(
    history: Path, edited: str, target: str, loads: list[bool]
) -> None:
    same_as_uncached(target)
    for n in range(2):  # (the snapshot of the run before, then one of its own)
        with (history / edited).open("a") as handle:
            handle.write(EDITS[edited].replace("audit", f"audit{n}").replace("total", f"t{n}"))
        same_as_uncached(target)
    before_edit = edited < target or target == "."
    if target != "." and not before_edit:  # (unchanged earlier files: the snapshot loads)
        assert loads[-1]


@pytest.mark.parametrize(
    "setting", ['if-not-exists = "new"', "pg-version = 10", 'ignore = ["DBA301"]']
)
def test_a_config_change_is_another_snapshot(history: Path, setting: str) -> None:
    same_as_uncached("0004_more.sql")
    (history / "dbarch-lint.toml").write_text(f"[tool.dbarch-lint]\n{setting}\n")
    same_as_uncached("0004_more.sql")
    with (history / "0004_more.sql").open("a") as handle:
        handle.write("SELECT 1;\n")
    same_as_uncached("0004_more.sql")


def test_a_tampered_snapshot_is_not_loaded(history: Path, loads: list[bool]) -> None:
    same_as_uncached("0004_more.sql")
    folder = history / CACHE_DIR / "prefixes"
    [entry] = folder.iterdir()
    data = bytearray(entry.read_bytes())
    data[-5] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert check("0004_more.sql") == check("--no-cache", "0004_more.sql")
    assert loads[-1] is False


def test_a_foreign_snapshot_is_never_unpickled(
    history: Path, tmp_path_factory: pytest.TempPathFactory, loads: list[bool]
) -> None:
    same_as_uncached("0004_more.sql")
    folder = history / CACHE_DIR / "prefixes"
    [entry] = folder.iterdir()
    planted = history.parent / "planted"
    # A pickle that would create a file when loaded, under another user's MAC (garbage here).
    payload = b"cos\nsystem\n(S'touch " + str(planted).encode() + b"'\ntR."
    entry.write_bytes(os.urandom(32) + payload)
    assert check("0004_more.sql") == check("--no-cache", "0004_more.sql")
    assert not planted.exists()
    assert loads[-1] is False


def test_another_users_key_makes_it_a_miss(
    history: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    loads: list[bool],
) -> None:
    same_as_uncached("0004_more.sql")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("other-user")))
    assert check("0004_more.sql") == check("--no-cache", "0004_more.sql")
    assert loads[-1] is False


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files each run reads, by shown path."""
    names: list[str] = []
    original = discovery.read

    def spy(path: str, *args: object) -> discovery.Input:
        names.append(path)
        return original(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(discovery, "read", spy)
    return names


def test_earlier_files_known_by_their_stat_are_not_read(
    history: Path, reads: list[str], loads: list[bool]
) -> None:
    same_as_uncached("0004_more.sql")
    with (history / "0004_more.sql").open("a") as handle:
        handle.write("ALTER TABLE orders ADD COLUMN paid bool NOT NULL DEFAULT false;\n")
    reads.clear()
    check("0004_more.sql")
    assert reads == ["0004_more.sql"] and loads[-1]  # (the snapshot covers the others)
    assert check("--no-cache", "0004_more.sql") == check("0004_more.sql")


def test_earlier_files_known_behind_a_link_out_of_the_project_are_read_to_be_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    for name, text in FILES.items():
        (outside / name).write_text(text)
    project = tmp_path / "project"
    project.mkdir()
    (project / "dbarch-lint.toml").write_text("")
    (project / "db").symlink_to(outside)
    monkeypatch.chdir(project)
    check("--follow-outside-links", "db/0004_more.sql")  # (the file index knows them all now)
    run = prepare(["db/0004_more.sql"], load(find_config(str(project))))
    cache = Cache.open(str(project), print)
    assert cache is not None and len(cache.get_file_index().files) == len(FILES)
    run.known = cache.get_file_index()
    assert not any(item.unread for item in run.files.values())  # (none trusted unread)
    assert all(
        item.problem and "outside the project" in item.problem.message
        for item in run.files.values()
    )
    reads.clear()
    _code, out = check("db/0004_more.sql")
    assert sorted(reads) == sorted(f"db/{name}" for name in FILES)
    assert "outside the project" in out and "customers" not in out


def test_an_earlier_file_copied_over_with_its_size_and_mtime_is_seen(
    history: Path, reads: list[str], loads: list[bool]
) -> None:
    same_as_uncached("0004_more.sql")
    earlier = history / "0002_orders.sql"
    stat = earlier.stat()
    # (as `cp -p` over it: the same size and mtime, another content; only the ctime tells)
    earlier.write_text(FILES["0002_orders.sql"].replace("bigint NOT NULL", "integer NULL   "))
    os.utime(earlier, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert earlier.stat().st_size == stat.st_size
    with (history / "0004_more.sql").open("a") as handle:
        handle.write("SELECT 1;\n")
    reads.clear()
    same_as_uncached("0004_more.sql")
    assert "0002_orders.sql" in reads and loads[-1] is False


def test_a_miss_reads_the_earlier_files_and_keys_them_as_read(
    history: Path, reads: list[str], loads: list[bool]
) -> None:
    same_as_uncached("0004_more.sql")
    for entry in (history / CACHE_DIR / "prefixes").iterdir():
        entry.unlink()  # (the parses and the file index stay)
    with (history / "0004_more.sql").open("a") as handle:
        handle.write("SELECT 1;\n")
    same_as_uncached("0004_more.sql")
    assert loads[-1] is False
    with (history / "0004_more.sql").open("a") as handle:
        handle.write("SELECT 2;\n")
    reads.clear()
    same_as_uncached("0004_more.sql")
    assert loads[-1] is True and reads[0] == "0004_more.sql"


def test_an_earlier_file_a_finding_points_into_is_read_for_its_place(
    history: Path, reads: list[str], loads: list[bool]
) -> None:
    (history / "0003_index.sql").write_text(
        "-- an index\n\n" + FILES["0003_index.sql"]  # (on line 3: its place must be right)
    )
    redundant = "CREATE INDEX orders_customer_id_idx2 ON orders (customer_id);\n"
    same_as_uncached("0004_more.sql")
    with (history / "0004_more.sql").open("a") as handle:
        handle.write(redundant)
    reads.clear()
    _code, out = same_as_uncached("0004_more.sql")
    assert '"0003_index.sql"' in out and loads[-1] is True
    assert reads[:2] == ["0004_more.sql", "0003_index.sql"]


def test_runner_detection_reads_only_the_files_it_needs() -> None:
    from dbarch_lint.runners.builtin import needs_text

    assert needs_text("db/20240101120000_add.sql", "auto")  # (dbmate's marker decides)
    assert not needs_text("migrations/2024-01-01-000000_add/up.sql", "auto")  # (Diesel)
    assert not needs_text("V1__init.sql", "auto") and not needs_text("1_init.up.sql", "auto")
    assert not needs_text("schema.sql", "auto")
    assert needs_text("V1__init.sql", "dbmate") and not needs_text("x.sql", "flyway")


# Edits of the last file that change what the earlier files made (renames, drops, a type, a
# conditional), then the original text again.
SERVER_EDITS = (
    "ALTER TABLE customers RENAME TO clients;\n"
    "ALTER TABLE clients RENAME COLUMN email TO mail;\n"
    "ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;\n"
    "DROP INDEX orders_customer_id_idx;\n",
    "ALTER TABLE orders ALTER COLUMN customer_id TYPE bigint;\n"
    "ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);\n"
    "DROP TABLE customers CASCADE;\n",
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'o_idx') THEN\n"
    "CREATE INDEX o_idx ON orders (id); ALTER TABLE orders DROP COLUMN customer_id;\n"
    "END IF; END $$;\n",
    FILES["0004_more.sql"],
)


def test_the_language_server_forks_the_snapshot_it_keeps(history: Path, loads: list[bool]) -> None:
    """The server keeps the snapshot it loaded and lints into a fork of it: every answer
    equals `check`'s, and the kept schema never changes."""
    project = Project(str(history))
    project.load_config()
    target = str(history / "0004_more.sql")
    cache = project._cache  # (the server's cache, and the snapshot it keeps loaded)
    assert cache is not None
    kept: list[bytes] = []
    for text in (FILES["0004_more.sql"], *SERVER_EDITS):
        Path(target).write_text(text)
        project.unsaved[target] = text
        linted = project.lint(target, alone=True)
        found = [
            (f.code, f.location.line, f.location.column, f.message) for f in linted.findings[target]
        ]
        _, out = check("--no-cache", "0004_more.sql")
        expected = [
            (f["code"], f["line"], f["column"], f["message"]) for f in json.loads(out)["findings"]
        ]
        assert found == expected
        if cache._prefix is not None:
            kept.append(pickle.dumps(cache._prefix[1]))
    assert loads == [False, True, True, True, True]  # (a miss, then the one loaded, kept)
    assert len(kept) == 4 and len(set(kept)) == 1
