"""DBA805 judges only complete histories: its documented examples in a history folder, files
named in their history or alone, and a schema snapshot that completes a history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbarch_lint.plugins.host import PluginHost
from tests.postgres import Server
from tests.test_cli import invoke

[RULE] = [r for r in PluginHost(autoload=False).rules() if r.code == "DBA805"]


def _codes(*args: str) -> list[tuple[str, int]]:
    code, out, err = invoke("check", "--format", "json", "--no-cache", "--select", "DBA805", *args)
    assert code in (0, 1), err
    return [(f["path"], f["line"]) for f in json.loads(out)["findings"]]


@pytest.mark.parametrize(("section", "found"), [("Example", 1), ("Use instead", 0)])
def test_the_documented_examples_in_a_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section: str, found: int
) -> None:
    monkeypatch.chdir(tmp_path)
    sql = RULE.doc().sql_block(section)
    assert sql is not None
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_example.sql").write_text(sql)
    assert len(_codes("migrations")) == found


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20240101000000_create.sql").write_text("CREATE TABLE order_items (id bigint);\n")
    (folder / "20240201000000_drop.sql").write_text("DROP TABLE IF EXISTS order_item;\n")
    return folder


def test_a_file_named_in_its_history_is_judged(history: Path) -> None:
    assert _codes("db/migrations/20240201000000_drop.sql") == [
        ("db/migrations/20240201000000_drop.sql", 1)
    ]


def test_a_file_named_alone_is_not_judged(history: Path) -> None:
    assert _codes("--no-context", "db/migrations/20240201000000_drop.sql") == []


def test_a_snapshot_completes_a_file_named_alone(history: Path) -> None:
    (history.parent / "structure.sql").write_text("CREATE TABLE order_items (id bigint);\n")
    named = "db/migrations/20240201000000_drop.sql"
    args = ("--no-context", "--schema-snapshot", "db/structure.sql", named)
    assert _codes(*args) == [(named, 1)]


def test_drop_if_exists_of_a_missing_table_only_notices(pg_server: Server) -> None:
    notices: list[str] = []
    with pg_server.connect() as session:
        session.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
        session.execute("DROP TABLE IF EXISTS order_items_x; CREATE TABLE order_items_x (id int)")
        session.execute("DROP TABLE IF EXISTS order_item_x")
        assert any("does not exist, skipping" in n for n in notices)
        assert session.execute("SELECT to_regclass('order_items_x')").fetchone()[0] is not None
        session.execute("DROP TABLE order_items_x")
