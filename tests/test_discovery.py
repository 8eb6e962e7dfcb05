"""Which files are read and in which order the history is replayed."""

from __future__ import annotations

from pathlib import Path

from dbarch_lint.discovery import expand, is_down, order_plain


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


def test_expand_directories_globs_and_missing(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.sql").write_text("")
    (tmp_path / "a" / "notes.txt").write_text("")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.sql").write_text("")
    files, missing = expand([str(tmp_path), str(tmp_path / "*.nothing"), "nope.sql"], str(tmp_path))
    assert [Path(f).name for f in files] == ["1.sql"]
    assert missing == [str(tmp_path / "*.nothing"), "nope.sql"]
