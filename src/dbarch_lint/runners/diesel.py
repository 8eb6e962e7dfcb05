"""Diesel: `<version>_<name>/up.sql` and `down.sql`, directories in version order; each file
run in a transaction unless the directory's `metadata.toml` says `run_in_transaction = false`
(then the file is still sent in one `batch_execute`: several statements form PostgreSQL's
implicit transaction block)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from dbarch_lint.runners import BATCH, BATCH_TRANSACTION, FileRun, planned
from dbarch_lint.runners.naming import order_plain

NAMES = ("up.sql", "down.sql")


def matches(name: str) -> bool:
    """Whether a file name is a Diesel SQL migration."""
    return name in NAMES


def order(paths: Sequence[str]) -> list[str]:
    """By version: the directory name up to its first `_`, without dashes, compared as a string
    (`migrations_internals::version_from_string`); `up.sql` before `down.sql`; then the rest."""
    # (`order_by`'s order, with the folders sorted rather than the files: a migration's up.sql
    # and down.sql share their version and folder, and most come in as down.sql, up.sql)
    folders: dict[str, list[str | None]] = {}  # folder -> [its up.sql, its down.sql]
    other = []
    for path in paths:
        directory, _, name = path.rpartition("/")
        if name in NAMES:
            pair = folders.get(directory)
            if pair is None:
                pair = folders[directory] = [None, None]
            pair[name == "down.sql"] = path
        else:
            other.append(path)
    ordered = [
        path
        for directory in sorted(folders, key=_folder_key)
        for path in folders[directory]
        if path is not None
    ]
    return ordered + order_plain(other) if other else ordered


def _folder_key(directory: str) -> tuple[str, str]:
    return _version(directory), directory


def _version(directory: str) -> str:
    return directory.rsplit("/", 1)[-1].split("_", 1)[0].replace("-", "")


def run(where: str) -> FileRun:
    """How Diesel runs the migration file at `where`, from its directory's `metadata.toml`."""
    head, separator, _ = where.rpartition(os.sep)
    if os.altsep or head.endswith(os.sep):  # (os.path's own rules, for its corner cases)
        metadata = os.path.join(os.path.dirname(where), "metadata.toml")
    else:  # (asked once per migration folder)
        metadata = f"{head}{separator}metadata.toml"
    consulted = (metadata,)
    try:
        data = planned.read(metadata)
    except FileNotFoundError:
        return FileRun("diesel", BATCH_TRANSACTION, why="no metadata.toml", consulted=consulted)
    except OSError as error:
        return _unusable(error.strerror or str(error), consulted)
    import tomllib  # (only where a metadata.toml exists)

    try:
        setting = tomllib.loads(data.decode("utf-8")).get("run_in_transaction", False)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return _unusable(f"not valid TOML: {error}", consulted)
    if not isinstance(setting, bool):
        return _unusable(f"run_in_transaction = {setting!r}", consulted)
    if setting:
        return FileRun(
            "diesel", BATCH_TRANSACTION, why="run_in_transaction = true", consulted=consulted
        )
    # A metadata.toml without the key counts as false: `#[serde(default)] run_in_transaction:
    # bool` in migrations_internals takes bool's default.
    why = "run_in_transaction = false" if b"run_in_transaction" in data else "no run_in_transaction"
    return FileRun("diesel", BATCH, why=why, consulted=consulted)


def _unusable(problem: str, consulted: tuple[str, ...]) -> FileRun:
    """A metadata.toml that cannot be used, which Diesel's `unwrap_or_default` ignores."""
    return FileRun(
        "diesel",
        BATCH_TRANSACTION,
        why="metadata.toml unreadable",
        consulted=consulted,
        problem=(
            f"The migration's metadata.toml cannot be used ({problem}): Diesel ignores it "
            "and runs the migration in a transaction"
        ),
    )
