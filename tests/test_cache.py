"""The cache (parses by content, reports by the whole run) and parallel parsing (`-j`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dbarch_lint.caching import store as cache_module
from dbarch_lint.caching.folder import CACHE_DIR
from dbarch_lint.caching.store import Cache
from dbarch_lint.cli import main
from dbarch_lint.inputs import discovery
from dbarch_lint.model.ir import ParsedFile
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing import stage as parse_stage
from dbarch_lint.parsing.builtin import PARSERS
from tests.cli_runner import CliRunner
from tests.conftest import open_cache

PARENT = (
    "CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY, "
    "CONSTRAINT customers_pkey PRIMARY KEY (id));\n"
)
CHILD = (
    "SET lock_timeout = '2s';\n"  # (the foreign key locks customers)
    "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY, customer_id bigint NOT NULL, "
    "CONSTRAINT orders_pkey PRIMARY KEY (id), CONSTRAINT orders_customer_id_fkey FOREIGN KEY "
    "(customer_id) REFERENCES customers (id) ON DELETE CASCADE);\n"
)
INDEX = "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\n"


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "0001_customers.sql").write_text(PARENT)
    (tmp_path / "0002_orders.sql").write_text(CHILD)
    (tmp_path / "0003_later.sql").write_text("SELECT 1;\n")
    return tmp_path


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout


def test_a_warm_run_prints_what_the_cold_run_printed(history: Path) -> None:
    cold = check(".")
    assert cold[0] == 1 and "DBA301" in cold[1]
    assert (history / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    assert os.listdir(history / CACHE_DIR / "reports")
    assert check(".") == cold
    assert check(".", "--no-cache") == cold


def test_a_later_file_changes_an_earlier_files_findings(history: Path) -> None:
    assert "DBA301" in check(".")[1]
    (history / "0003_later.sql").write_text(INDEX)  # the foreign key is indexed later on
    code, out = check(".")
    assert "DBA301" not in out and code == 0


def test_configuration_and_presentation_are_part_of_the_key(history: Path) -> None:
    assert "DBA301" in check(".")[1]
    assert "DBA301" not in check(".", "--ignore", "DBA301")[1]
    (history / "dbarch-lint.toml").write_text('ignore = ["DBA301"]\n')
    assert "DBA301" not in check(".")[1]
    (history / "dbarch-lint.toml").write_text("")
    text = CliRunner().invoke(main, ["check", "."]).stdout
    assert "DBA301" in text and not text.lstrip().startswith("{")


def test_no_cache_writes_nothing(history: Path) -> None:
    check(".", "--no-cache")
    (history / "dbarch-lint.toml").write_text("cache = false\n")
    check(".")
    assert not (history / CACHE_DIR).exists()


def test_a_damaged_cache_is_ignored(history: Path) -> None:
    cold = check(".")
    for directory, _, names in os.walk(history / CACHE_DIR):
        for name in names:
            if name != ".gitignore":
                Path(directory, name).write_bytes(b"\xff\x00 not msgpack")
    assert check(".") == cold
    assert check(".", "-j", "1") == cold


def test_parses_come_from_the_cache(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = [discovery.read(p.name, str(p), "utf-8") for p in sorted(history.glob("*.sql"))]
    first = list(parse_stage.iter_parsed(inputs, open_cache(history), PARSERS))
    hits: list[bool] = []
    get_parsed = Cache.get_parsed

    def spied(cache: Cache, key: str) -> ParsedFile | None:
        found = get_parsed(cache, key)
        hits.append(found is not None)
        return found

    monkeypatch.setattr(Cache, "get_parsed", spied)
    assert list(parse_stage.iter_parsed(inputs, open_cache(history), PARSERS)) == first
    assert hits == [True] * len(inputs)
    # Changed code is a different cache: the old parses are not used.
    hits.clear()
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "0" * 32)
    assert list(parse_stage.iter_parsed(inputs, open_cache(history), PARSERS)) == first
    assert hits == [False] * len(inputs)


def test_parses_by_a_plugins_parser_are_not_cached(history: Path) -> None:
    """The cache's key covers this tool's code, not a plugin's: its parses are made each time."""
    inputs = [discovery.read(p.name, str(p), "utf-8") for p in sorted(history.glob("*.sql"))]
    calls: list[str] = []

    def plugin_parser(source: SourceFile) -> ParsedFile:
        calls.append(source.path)
        return PARSERS["postgres"](source)

    for _ in range(2):
        list(parse_stage.iter_parsed(inputs, open_cache(history), {"postgres": plugin_parser}))
    assert len(calls) == 2 * len(inputs)


@pytest.mark.parametrize("setting", ["jobs = 0", 'jobs = "many"', 'cache = "yes"'])
def test_bad_jobs_and_cache_settings_are_usage_errors(history: Path, setting: str) -> None:
    (history / "dbarch-lint.toml").write_text(setting + "\n")
    result = CliRunner().invoke(main, ["check", "."])
    assert result.exit_code == 2
    assert setting.split(" ")[0] in result.stderr


def test_a_warm_run_reads_no_file(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = check(".")

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("read although unchanged")

    monkeypatch.setattr(discovery, "read", no_reading)
    assert check(".") == cold


def test_an_edit_of_the_same_size_is_seen(history: Path) -> None:
    target = history / "0002_orders.sql"
    assert "DBA301" in check(".")[1]
    same_size = CHILD.replace("ON DELETE CASCADE", "ON DELETE RESTRICT")[: len(CHILD)]
    target.write_text(
        same_size.replace("customer_id bigint NOT NULL", "customer_id bigint NOT NULX")
    )
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    code, out = check(".")
    assert "DBA001" in out and code == 1


def test_a_copy_that_keeps_size_and_mtime_is_seen(history: Path) -> None:
    target = history / "0002_orders.sql"
    assert "DBA413" not in check(".")[1]
    stat = target.stat()
    unguarded = CHILD.replace("SET lock_timeout = '2s';", "SELECT 1;".ljust(24))
    target.write_text(unguarded)  # (as `cp -p` over it: only the ctime tells)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_size == stat.st_size
    assert "DBA413" in check(".")[1]


def test_a_touched_file_is_the_only_one_read_again(
    history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = check(".")
    os.utime(history / "0002_orders.sql")  # (content unchanged: the report still holds)
    read = discovery.read
    names: list[str] = []

    def reading(path: str, *args: object) -> discovery.Input:
        names.append(path)
        return read(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(discovery, "read", reading)
    assert check(".") == cold
    assert names == ["0002_orders.sql"]
    names.clear()
    assert check(".") == cold and names == []  # (its new stat is remembered)


def test_a_folder_made_by_a_concurrent_worker_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers store parses at once: the one that finds the code's folder made between its
    look and its `mkdir` writes into it (CI lost parse entries that way)."""
    from dbarch_lint.caching import folder as cache_folder

    cache = open_cache(tmp_path)
    opened = cache_folder._open_folder
    raced: list[str] = []

    def too_late(path: str, parent: int | None = None) -> int:
        if path == cache.code and not raced:
            raced.append(path)
            os.mkdir(path, dir_fd=parent)  # (the other worker, just now)
            raise FileNotFoundError(path)
        return opened(path, parent)

    monkeypatch.setattr(cache_folder, "_open_folder", too_late)
    cache.put_parsed("ab" * 16, b"parsed")
    assert raced
    assert cache.folder.read(f"parsed/{cache.code}/{'ab' * 16}") == b"parsed"


def test_the_report_key_holds_every_file_its_place_and_its_roles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbarch_lint.inputs.config import Config
    from dbarch_lint.orchestration import keys
    from dbarch_lint.orchestration.run import Replay, prepare

    monkeypatch.chdir(tmp_path)
    for name in ("1_a.sql", "2_b.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    cache = Cache.open(str(tmp_path), print)
    assert cache is not None
    run = prepare(["2_b.sql"], Config())
    key = keys.report_key(run, cache, ())
    assert keys.report_key(prepare(["2_b.sql"], Config()), cache, ()) == key
    changes = [
        lambda r: r.targets.add("1_a.sql"),
        lambda r: r.history.discard("1_a.sql"),
        lambda r: setattr(r, "added", {"2_b.sql"}),
        lambda r: r.paths.update({"1_a.sql": "./1_a.sql"}),
        lambda r: setattr(r, "replays", [Replay(frozenset(r.paths), frozenset())]),
    ]
    for change in changes:
        changed = prepare(["2_b.sql"], Config())
        change(changed)
        assert keys.report_key(changed, cache, ()) != key
    (tmp_path / "1_a.sql").write_text("SELECT 2;\n")
    assert keys.report_key(prepare(["2_b.sql"], Config()), cache, ()) != key


def test_the_code_fingerprint_marks_every_module_of_ours() -> None:
    import importlib.util

    expected = []
    walked: set[str] = set()  # (each folder once: an installed package holds rules/)
    for package in ("dbarch_lint", "dbarch_lint.rules"):
        spec = importlib.util.find_spec(package)
        assert spec is not None
        for location in spec.submodule_search_locations or []:
            if location in walked:
                continue
            for directory, subdirs, names in os.walk(location):
                walked.add(directory)
                subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
                for name in sorted(names):
                    if name.endswith(".py"):
                        path = os.path.join(directory, name)
                        stat = os.stat(path)
                        expected.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    assert cache_module._own_module_marks() == expected
    assert any(mark.split(":")[0].endswith("caching/store.py") for mark in expected)
