"""DBA605 out-of-order-migration with a real git repository: `--diff-base` tells which
migrations are new, the runner's order which of them sort before one the base holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbarch_lint.plugins.host import PluginHost
from tests.conftest import git
from tests.test_cli import invoke

ORDERS = "CREATE TABLE orders (id bigint);\n"
INVOICES = "CREATE TABLE invoices (id bigint);\n"
NOTE = "ALTER TABLE orders ADD COLUMN note text;\n"
DBMATE_BASE = {"b/20240110000000_i.sql": "-- migrate:up\n" + INVOICES}


def base_repo(root: Path, files: dict[str, str]) -> None:
    """A repository whose `main` holds `files`, on a branch `feature` made from it."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")


def out_of_order(*args: str) -> list[tuple[str, str, str]]:
    """(path, severity, message) of each DBA605 finding."""
    code, out, err = invoke("check", "--no-cache", "--format", "json", "--select", "DBA605", *args)
    assert code in (0, 1), err
    return [(f["path"], f["severity"], f["message"]) for f in json.loads(out)["findings"]]


@pytest.fixture
def golang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    base_repo(
        tmp_path,
        {
            "m/20240101000000_orders.up.sql": ORDERS,
            "m/20240101000000_orders.down.sql": "DROP TABLE orders;\n",
            "m/20240110000000_invoices.up.sql": INVOICES,
        },
    )
    return tmp_path


def test_a_committed_new_migration_older_than_the_base_s_newest_is_an_error(golang: Path) -> None:
    (golang / "m" / "20240105000000_note.up.sql").write_text(NOTE)
    (golang / "m" / "20240105000000_note.down.sql").write_text("ALTER TABLE orders DROP note;\n")
    git(golang, "add", ".")
    git(golang, "commit", "-q", "-m", "note")
    [(path, severity, message)] = out_of_order("--diff-base", "main", "m")
    assert (path, severity) == ("m/20240105000000_note.up.sql", "error")  # not its down file
    assert "sorts before m/20240110000000_invoices.up.sql" in message
    assert "golang-migrate never applies" in message
    assert out_of_order("m") == []  # without --diff-base: nothing is known to be new


def test_untracked_and_renamed_migrations_are_new_and_edited_ones_are_not(golang: Path) -> None:
    (golang / "m" / "20240105000000_note.up.sql").write_text(NOTE)  # untracked
    assert [p for p, _, _ in out_of_order("--diff-base", "main", "m")] == [
        "m/20240105000000_note.up.sql"
    ]
    # Renamed to sort after the base's newest: fine.
    (golang / "m" / "20240105000000_note.up.sql").rename(
        golang / "m" / "20240112000000_note.up.sql"
    )
    assert out_of_order("--diff-base", "main", "m") == []
    # An older migration edited on the branch is on the base: not new.
    (golang / "m" / "20240101000000_orders.up.sql").write_text(ORDERS + "-- edited\n")
    assert out_of_order("--diff-base", "main", "m") == []


def test_the_base_is_where_the_branch_left_main(golang: Path) -> None:
    """A migration merged to main after the branch left it is not on this branch's base."""
    (golang / "m" / "20240105000000_note.up.sql").write_text(NOTE)
    git(golang, "add", ".")
    git(golang, "commit", "-q", "-m", "note")
    git(golang, "checkout", "-q", "main")
    (golang / "m" / "20240120000000_later.up.sql").write_text("CREATE TABLE later (id int);\n")
    git(golang, "add", ".")
    git(golang, "commit", "-q", "-m", "later")
    git(golang, "checkout", "-q", "feature")
    # (the comparison is still with invoices, the newest on the merge base)
    [(_, _, message)] = out_of_order("--diff-base", "main", "m")
    assert "sorts before m/20240110000000_invoices.up.sql" in message


@pytest.mark.parametrize(
    ("runner", "files", "new", "options", "severity", "says"),
    [
        ("diesel", {"d/2024-01-10-000000_i/up.sql": INVOICES}, "d/2024-01-05-000000_n/up.sql",
         "", "warning", "diesel applies it after"),
        ("flyway", {"f/V10__i.sql": INVOICES}, "f/V5__n.sql", "", "error", "flyway refuses"),
        ("flyway", {"f/V10__i.sql": INVOICES}, "f/V5__n.sql",
         "[runners.flyway]\nout-of-order = true\n", "warning", "flyway applies it after"),
        ("dbmate", DBMATE_BASE, "b/20240105000000_n.sql", "", "warning",
         "dbmate applies it after"),
        ("dbmate", DBMATE_BASE, "b/20240105000000_n.sql", "[runners.dbmate]\nstrict = true\n",
         "error", "dbmate refuses"),
        ("plain", {"p/0010_i.sql": INVOICES}, "p/0005_n.sql", "", "error",
         "most runners skip or refuse"),
    ],
)  # fmt: skip
def test_the_severity_says_what_the_runner_does_with_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    runner: str,
    files: dict[str, str],
    new: str,
    options: str,
    severity: str,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    base_repo(tmp_path, files)
    (tmp_path / new).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / new).write_text(("-- migrate:up\n" if runner == "dbmate" else "") + NOTE)
    (tmp_path / "dbarch-lint.toml").write_text(options)
    [(path, found, message)] = out_of_order("--diff-base", "main", new.split("/")[0])
    assert (path, found) == (new, severity)
    assert says in message


def test_the_docstring_example_triggers_it_and_use_instead_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(tests/test_docs.py cannot run this rule's examples alone: they need a history.)"""
    [rule] = [r for r in PluginHost(autoload=False).rules() if r.code == "DBA605"]
    doc = rule.doc()
    bad, good = doc.sql_block("Example"), doc.sql_block("Use instead")
    assert bad is not None and good is not None
    monkeypatch.chdir(tmp_path)
    base_repo(tmp_path, {"migrations/20240110000000_add_invoices.sql": INVOICES})
    (tmp_path / "migrations" / "20240105000000_add_orders_note.sql").write_text(bad)
    assert len(out_of_order("--diff-base", "main", "migrations")) == 1
    (tmp_path / "migrations" / "20240105000000_add_orders_note.sql").unlink()
    (tmp_path / "migrations" / "20240112000000_add_orders_note.sql").write_text(good)
    assert out_of_order("--diff-base", "main", "migrations") == []


def test_the_report_cache_knows_which_files_are_new(golang: Path) -> None:
    """The same files, settings and targets; only whether the base holds the note differs: the
    cached report must not answer the second run."""
    note = golang / "m" / "20240105000000_note.up.sql"
    note.write_text(NOTE)
    git(golang, "add", ".")
    git(golang, "commit", "-q", "-m", "note")
    note.write_text(NOTE + "-- edited\n")  # changed since either base: a target both times
    git(golang, "branch", "base", "main")
    args = ["check", "--format", "json", "--select", "DBA605", "--diff-base", "base", "m"]
    _, out, _ = invoke(*args)
    assert [f["code"] for f in json.loads(out)["findings"]] == ["DBA605"]
    git(golang, "branch", "-f", "base", "feature")  # now the base holds the note
    _, out, _ = invoke(*args)
    assert json.loads(out)["findings"] == []
