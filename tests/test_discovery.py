"""Which files are read and in which order the history is replayed."""

from __future__ import annotations

from pathlib import Path

from dbarch_lint.inputs.discovery import expand, read
from dbarch_lint.runners.naming import is_down, order_plain, up_migration_path


def test_natural_order_with_down_migrations_after_their_up() -> None:
    paths = [
        "m/10_c/up.sql",
        "m/2_b/down.sql",
        "m/2_b/up.sql",
        "m/1_a.up.sql",
        "m/1_a.down.sql",
    ]
    assert order_plain(paths) == [
        "m/1_a.up.sql",
        "m/1_a.down.sql",
        "m/2_b/up.sql",
        "m/2_b/down.sql",
        "m/10_c/up.sql",
    ]


def test_diesel_versions_compare_without_dashes() -> None:
    paths = [
        "c/2026-06-11-213312-0000_newest/up.sql",
        "c/2018-04-27-194025_new/up.sql",
        "c/20140929103761_old/up.sql",
    ]
    assert order_plain(paths) == [
        "c/20140929103761_old/up.sql",
        "c/2018-04-27-194025_new/up.sql",
        "c/2026-06-11-213312-0000_newest/up.sql",
    ]


def test_down_files_are_recognised() -> None:
    assert is_down("x/down.sql") and is_down("0001_a.down.sql") and not is_down("x/up.sql")
    assert not is_down("breakdown.sql")
    assert is_down("down.sql") and is_down("X/DOWN.SQL") and is_down("a\\down.sql")
    assert is_down("a/1.down.sql\n") and not is_down("down.sqlx") and not is_down(".sql")
    assert up_migration_path("x/Down.SQL") == "x/up.sql"


def test_expand_directories_globs_and_missing(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.sql").write_text("")
    (tmp_path / "a" / "notes.txt").write_text("")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.sql").write_text("")
    files, errors = expand([str(tmp_path), str(tmp_path / "*.nothing"), "nope.sql"])
    assert [Path(f).name for f in files] == ["1.sql"]
    assert errors == [
        f"{tmp_path / '*.nothing'}: no SQL file to lint here (none found, or all excluded); "
        "pass --allow-empty if that is expected",
        "nope.sql: no such file or directory",
    ]


def test_read_files_of_every_size_and_kind(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sql"
    empty.write_bytes(b"")
    big = tmp_path / "big.sql"
    big.write_bytes(b"SELECT 1;\n" * 20_000)
    for path, text in ((empty, ""), (big, "SELECT 1;\n" * 20_000)):
        item = read(path.name, str(path), "utf-8")
        assert item.text == text and item.problem is None
        assert item.stat is not None and item.stat[2] == len(text)
    folder = read("d.sql", str(tmp_path), "utf-8")
    assert folder.problem is not None and folder.problem.message.startswith("Cannot read file:")
