"""Which files are read and in which order the history is replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbarch_lint.inputs.discovery import Confinement, display_path, display_paths, expand, read
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


def test_a_walk_of_the_working_directory_finds_plain_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.sql").write_text("")
    (tmp_path / "2.SQL").write_text("")
    assert sorted(expand(["."])[0]) == ["2.SQL", "a/1.sql"]
    assert sorted(expand(["./a"])[0]) == ["./a/1.sql"]
    assert expand(["./a", "a/1.sql", "a"])[0] == ["./a/1.sql"]  # (each file once)
    here = str(tmp_path)
    paths = ["a/1.sql", "./a/1.sql", "a//1.sql", "a/../2.SQL", str(tmp_path / "a"), "..", ".x"]
    expected = [display_path(path, here, here) for path in paths]
    assert display_paths(paths, here, here) == expected
    assert expected[:4] == ["a/1.sql", "a/1.sql", "a/1.sql", "2.SQL"] and expected[-1] == ".x"


def test_links_out_of_the_project_are_told_once_per_folder_as_file_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    project = tmp_path / "project"
    (project / "db" / "sub").mkdir(parents=True)
    (project / "out").symlink_to(outside)
    (project / "db" / "in").symlink_to(project / "db" / "sub")
    (project / "db" / "up").symlink_to("..")
    monkeypatch.chdir(project)
    paths = [
        "a.sql",
        "db/a.sql",
        "db/sub/a.sql",
        "db/in/a.sql",
        "out/a.sql",
        "out/deep/a.sql",
        "db/up/out/a.sql",
        "db/up/db/a.sql",
        "./out/a.sql",
        "db/../out/a.sql",
        "../outside/a.sql",
        str(outside / "a.sql"),
        str(project / "out" / "deep" / "a.sql"),
        str(project / "db" / "a.sql"),
    ]
    walked: list[str] = []
    expand(["."], entered=walked)  # (the folders a walk entered are no links: not asked again)
    assert sorted(walked) == ["db", "db/sub"]
    for confinement in (Confinement(str(project)), Confinement(str(project), walked)):
        for path in paths * 2:  # (the second time from what it decided of each folder)
            alone = Confinement(str(project)).escape(path, link=False) is not None
            assert confinement.folder_escapes(path) == alone, path
    assert confinement.folder_escapes("out/x.sql") and not confinement.folder_escapes("db/in/x")


def test_names_are_told_without_searching_every_character() -> None:
    from dbarch_lint.runners.naming import migration_set

    assert up_migration_path("a/b/DOWN.sql") == "a/b/up.sql"
    assert up_migration_path("a/1.down.sql\n") == "a/1.up.sql\n"  # (as `$` matches)
    assert up_migration_path("revert/x.sql") == "deploy/x.sql"
    assert is_down("a/revert/x.sql") and not is_down("a/revert.sql")
    assert migration_set("p/deploy/a/b.sql") == "p" and migration_set("p/2024_x/up.sql") == "p"
    assert migration_set("p/deployed/b.sql") == "p/deployed"
