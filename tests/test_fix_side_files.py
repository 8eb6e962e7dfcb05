"""`--fix` for DBA404 where the runner's switch is a side file: Flyway's script configuration
(`<file>.sql.conf`, `executeInTransaction=false`) and Diesel's `metadata.toml`
(`run_in_transaction = false`).

Each fixture folder under `tests/fixtures/` holding `<side file>.fixed` is a case: its
migrations are fixed (`--fix --unsafe-fixes`, every migration named), each side file must then
read exactly as its `.fixed` says, fixing again must change nothing, and the history linted
again has no DBA404 and no finding it did not have before.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from dbarch_lint.inputs import discovery
from dbarch_lint.runners import planned
from dbarch_lint.runners.switches import transaction_off
from tests.test_cli import invoke

FIXTURES = Path(__file__).parent / "fixtures"
SIDE = ".fixed"
CASES = sorted(
    {
        p.parent if p.parent.parent.parent == FIXTURES else p.parent.parent
        for p in FIXTURES.rglob(f"*{SIDE}")
    }
)


def _migrations(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*.sql") if discovery.is_migration(str(p))
    )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _codes(folder: Path, *options: str) -> Counter[str]:
    code, out, err = invoke(
        "check", "--no-cache", "--format", "json", *options, *_migrations(folder)
    )
    assert code in (0, 1), err
    return Counter(f["code"] for f in json.loads(out)["findings"])


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: p.name)
def test_the_side_file_is_written_as_expected(
    fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / fixture.name
    shutil.copytree(fixture, folder)
    expected = {p: p.read_bytes() for p in folder.rglob(f"*{SIDE}")}
    for p in expected:
        p.unlink()
    monkeypatch.chdir(folder)
    before = _codes(folder)
    assert before["DBA404"] > 0
    migrations = {p: (folder / p).read_bytes() for p in _migrations(folder)}
    code, out, err = invoke(
        "check", "--no-cache", "--select", "DBA404", "--fix", "--unsafe-fixes", *migrations
    )
    assert code == 0 and "dbarch-lint: fixed" in err, (out, err)
    for fixed, text in expected.items():
        side = fixed.with_name(fixed.name.removesuffix(SIDE))
        assert side.read_bytes() == text, side
        shown = str(side.relative_to(folder))
        assert f"{'changed' if (fixture / shown).exists() else 'added'} {shown}" in err
    # the migrations themselves are not touched
    assert {p: (folder / p).read_bytes() for p in migrations} == migrations
    assert not list(folder.rglob(".dbarch-lint-*.tmp"))
    # fixing again changes nothing
    done = _snapshot(folder)
    invoke("check", "--no-cache", "--select", "DBA404", "--fix", "--unsafe-fixes", *migrations)
    assert _snapshot(folder) == done
    # linted again: no DBA404, nothing new
    after = _codes(folder)
    assert after["DBA404"] == 0
    assert not after - before


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: p.name)
def test_diff_shows_the_side_file_and_writes_nothing(
    fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / fixture.name
    shutil.copytree(fixture, folder)
    for p in folder.rglob(f"*{SIDE}"):
        p.unlink()
    monkeypatch.chdir(folder)
    files = _snapshot(folder)
    code, out, _ = invoke("check", "--no-cache", "--diff", "--unsafe-fixes", *_migrations(folder))
    assert code == 1
    for fixed in fixture.rglob(f"*{SIDE}"):
        shown = str(fixed.relative_to(fixture)).removesuffix(SIDE)
        assert f"+++ b/{shown}\n" in out
    assert _snapshot(folder) == files


def test_a_flyway_file_with_other_statements_gets_an_unsafe_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the transaction the others no longer roll back together: unsafe."""
    shutil.copytree(FIXTURES / "locking" / "DBA404_flyway_mixed", tmp_path / "m")
    monkeypatch.chdir(tmp_path / "m")
    _, _, err = invoke("check", "--no-cache", "--fix", "V1__orders.sql", "V2__mixed.sql")
    assert not (tmp_path / "m" / "V2__mixed.sql.conf").exists()
    assert "1 more fixable with --unsafe-fixes" in err
    _, out, _ = invoke("check", "--no-cache", "--diff", "--unsafe-fixes", "V2__mixed.sql")
    assert out.startswith("# unsafe fix: V2__mixed.sql:2: DBA404 Run this migration outside")


@pytest.mark.parametrize("case", ["DBA404_diesel_several", "DBA404_flyway_begin"])
def test_no_side_file_where_it_would_not_help(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "locking" / case, tmp_path / "m")
    monkeypatch.chdir(tmp_path / "m")
    files = _snapshot(tmp_path / "m")
    code, out, _ = invoke(
        "check",
        "--no-cache",
        "--select",
        "DBA404",
        "--diff",
        "--unsafe-fixes",
        *_migrations(tmp_path / "m"),
    )
    assert (code, out) == (0, "")
    assert _snapshot(tmp_path / "m") == files


def test_a_new_side_file_takes_the_migrations_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "locking" / "DBA404_flyway_conf_new", tmp_path / "m")
    monkeypatch.chdir(tmp_path / "m")
    (tmp_path / "m" / "V2__reindex.sql").chmod(0o640)
    code, _, err = invoke("check", "--no-cache", "--select", "DBA404", "--fix", "V2__reindex.sql")
    assert code == 0, err
    assert (tmp_path / "m" / "V2__reindex.sql.conf").stat().st_mode & 0o777 == 0o640


def test_a_side_file_that_changed_since_it_was_read_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbarch_lint.inputs.config import Config
    from dbarch_lint.orchestration import fixes
    from dbarch_lint.orchestration.run import prepare

    shutil.copytree(FIXTURES / "locking" / "DBA404_flyway_conf_changed", tmp_path / "m")
    monkeypatch.chdir(tmp_path / "m")
    conf = tmp_path / "m" / "V2__index.sql.conf"
    config = Config(select=["DBA404"])
    run = prepare(["V2__index.sql"], config)
    outcome = fixes.plan(run, ["V2__index.sql"], None)
    assert list(outcome.sides) == ["V2__index.sql.conf"]
    conf.write_text("executeInTransaction: true\n# edited meanwhile\n")
    saved = fixes.save(run, outcome)
    assert conf.read_text() == "executeInTransaction: true\n# edited meanwhile\n"
    assert any("V2__index.sql.conf changed since it was read" in e for e in saved.result.errors)
    assert not saved.sides and not saved.texts


def test_the_runners_read_the_planned_side_file(tmp_path: Path) -> None:
    from dbarch_lint.runners import diesel, flyway

    migration = tmp_path / "V2__index.sql"
    migration.write_text("SELECT 1;\n")
    assert flyway.run(str(migration), {}).mode == "flyway"
    with planned.presented({str(migration) + ".conf": b"executeInTransaction=false\n"}):
        assert flyway.run(str(migration), {}).mode == "none"
    assert flyway.run(str(migration), {}).mode == "flyway"
    up = tmp_path / "2024-01-01-000000_x" / "up.sql"
    up.parent.mkdir()
    up.write_text("SELECT 1;\n")
    with planned.presented({str(up.parent / "metadata.toml"): b"run_in_transaction = false\n"}):
        assert diesel.run(str(up)).mode == "batch"
    assert diesel.run(str(up)).mode == "batch-transaction"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "executeInTransaction=false\n"),
        ("", "executeInTransaction=false\n"),
        ("encoding=UTF-8", "encoding=UTF-8\nexecuteInTransaction=false\n"),
        ("a=1\r\nb=2\r\n", "a=1\r\nb=2\r\nexecuteInTransaction=false\r\n"),
        ("executeInTransaction true\n", "executeInTransaction=false\n"),
        ("  executeInTransaction = TRUE\nx=1\n", "executeInTransaction=false\nx=1\n"),
        (
            "# executeInTransaction=true\n",
            "# executeInTransaction=true\nexecuteInTransaction=false\n",
        ),
        (
            "executeInTransactionX=true\n",
            "executeInTransactionX=true\nexecuteInTransaction=false\n",
        ),
        ("executeInTransaction=false\n", None),
    ],
)
def test_flyway_script_configuration(tmp_path: Path, before: str | None, after: str | None) -> None:
    migration = tmp_path / "V1__x.sql"
    if before is not None:
        (tmp_path / "V1__x.sql.conf").write_bytes(before.encode())
    side = transaction_off("flyway", str(migration))
    if after is None:
        assert side is None
        return
    assert side is not None
    assert side.where == str(migration) + ".conf"
    assert side.before == (before.encode() if before is not None else None)
    assert side.text == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "run_in_transaction = false\n"),
        ("run_in_transaction = true # why\n", "run_in_transaction = false\n"),
        ('"run_in_transaction"=true\n', "run_in_transaction = false\n"),
        (
            "[t]\nrun_in_transaction = true\n",
            "run_in_transaction = false\n[t]\nrun_in_transaction = true\n",
        ),
        ("not toml = = =\n", None),
        ("run_in_transaction = false\n", None),
    ],
)
def test_diesel_metadata(tmp_path: Path, before: str | None, after: str | None) -> None:
    up = tmp_path / "up.sql"
    if before is not None:
        (tmp_path / "metadata.toml").write_text(before)
    side = transaction_off("diesel", str(up))
    assert (side.text if side is not None else None) == after
    if side is not None:
        assert side.where == os.path.join(str(tmp_path), "metadata.toml")


def test_no_side_file_for_other_runners(tmp_path: Path) -> None:
    for runner in ("golang-migrate", "sqitch", "plain", "dbmate", "prisma"):
        assert transaction_off(runner, str(tmp_path / "1_x.up.sql")) is None
