"""How migration runners name their files: versions, natural order, down migrations and what
they revert (the knowledge every runner, and discovery, share)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from dbarch_lint.model.regex import lazy

_DOWN_FILE = lazy(r"(^|/)down\.sql$|\.down\.sql$", re.I)


_DOWN_FILE_TAIL = len("/down.sql\n")  # the most characters a match spans (`$` may precede a \n)


# (`(?<![^/])`: at the start or after a `/`, the cheaper to try at every character)
_DIESEL_VERSION = lazy(r"(?<![^/])(\d{4})-(\d{2})-(\d{2})-(\d{6})(?:-(\d+))?(?=_)")


def natural_key(path: str) -> str:
    """Sort key putting `2` before `10` in every path component.

    Diesel's `2018-04-27-194025_name` versions compare as the number `20180427194025` (Diesel
    drops the dashes), so they sort among plain `20140929103761_name` versions.

    The key is a string that compares as the path's parts would, each run of digits by its
    value and before any text at its place: a run of digits is `\0`, its length and its value's
    digits; text follows a `\1` (a path holds no NUL). Strings, not tuples of parts: sorting a
    history compares keys thousands of times.
    """
    parts = _NUMBERS.split(_DIESEL_VERSION.sub(_version_number, path))
    for index in range(1, len(parts), 2):  # (text, digits, text, ..., text)
        digits = parts[index]
        value = (digits.lstrip("0") or "0") if digits.isascii() else str(int(digits))
        parts[index] = f"\0{chr(len(value))}{value}\1"
    return "\1" + "".join(parts)


def _version_number(version: re.Match[str]) -> str:
    return "".join(filter(None, version.groups()))


_NUMBERS = lazy(r"(\d+)")


def is_down(path: str) -> bool:
    """Whether a file is a down (revert) migration by its name: `down.sql`, `*.down.sql`, a
    script in a sqitch `revert/` folder, or a Flyway undo migration (`U<version>__*.sql`)."""
    # Speed: the search starts near the end, where any match is (a `^` match needs a path
    # shorter than that anyway); from the start it would try the pattern at every character.
    unix = path.replace("\\", "/")
    # (a match ends in `down.sql`, or just before a final newline: most names end otherwise)
    tail = unix[-_DOWN_FILE_TAIL:].lower()
    if "down.sql" in tail and (
        tail.endswith(("/down.sql", ".down.sql"))
        or _DOWN_FILE.search(unix, max(0, len(unix) - _DOWN_FILE_TAIL))
    ):
        return True
    # (an undo migration's name starts with `U`: most paths hold none)
    if "U" in unix and FLYWAY_UNDO.fullmatch(unix.rpartition("/")[2]) is not None:
        return True
    return "revert/" in unix and _REVERT_SCRIPT.search(unix) is not None


def reverts(down: str, up: str) -> bool:
    """Whether the down migration `down` reverts the migration `up`: its up migration by name,
    or, for a Flyway undo migration, the versioned migration of the same version beside it
    (Flyway pairs them by version; the descriptions may differ)."""
    if up == up_migration_path(down):
        return True
    folder, _, name = down.rpartition("/")
    up_folder, _, up_name = up.rpartition("/")
    undo, versioned = FLYWAY_UNDO.fullmatch(name), FLYWAY_VERSIONED.fullmatch(up_name)
    return (
        folder == up_folder
        and undo is not None
        and versioned is not None
        and flyway_version(undo[1]) == flyway_version(versioned[1])
    )


def flyway_version(text: str) -> tuple[int, ...]:
    """A Flyway version as Flyway compares it: parts split on `.` and `_`, compared as numbers,
    missing parts counting as 0 (`1.0` is `1`)."""
    parts = [int(part) for part in _FLYWAY_VERSION_PARTS.split(text)]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def order_plain(paths: Sequence[str]) -> list[str]:
    """Natural sort, with each down migration right after its up migration."""

    keys: dict[str, str] = {}  # (a down migration's key is its up migration's: made once)

    def key(path: str) -> tuple[str, int]:
        down = is_down(path)
        up = up_migration_path(path) if down else path
        found = keys.get(up)
        if found is None:
            found = keys[up] = natural_key(up)
        return found, down

    return sorted(paths, key=key)


def order_by(paths: Sequence[str], key: Callable[[str], tuple[Any, ...] | None]) -> list[str]:
    """A runner's order: the paths it runs (`key` not None) by their keys (then by path), then
    the others in the natural order of `order_plain`."""
    keyed: list[tuple[tuple[Any, ...], str]] = []
    other: list[str] = []
    for path in paths:
        found = key(path)
        if found is None:
            other.append(path)
        else:
            keyed.append((found, path))
    return [path for _, path in sorted(keyed)] + order_plain(other)


def up_migration_path(down: str) -> str:
    """The up migration a down migration reverts (`x/down.sql` -> `x/up.sql`, sqitch's
    `revert/x.sql` -> `deploy/x.sql`, Flyway's `U2__x.sql` -> `V2__x.sql`)."""
    if down[-8:].lower() == "down.sql":  # (the regular expression's work, without a search)
        return down[:-8] + "up.sql"
    if _DOWN_SUFFIX.search(down):
        return _DOWN_SUFFIX.sub("up.sql", down)
    folder, slash, name = down.rpartition("/")
    if FLYWAY_UNDO.fullmatch(name):
        return f"{folder}{slash}V{name[1:]}"
    return _REVERT_SCRIPT.sub(r"\1deploy/\2", down, count=1)


_DOWN_SUFFIX = lazy(r"down\.sql$", re.I)


# Flyway's file names (its default prefixes `V` and `U`, separator `__`, suffix `.sql`).
FLYWAY_VERSIONED = lazy(r"V(\d+(?:[._]\d+)*)__(.+)\.sql")


FLYWAY_UNDO = lazy(r"U(\d+(?:[._]\d+)*)__(.+)\.sql")


_FLYWAY_VERSION_PARTS = lazy(r"[._]")


# The last `revert/` folder above a script (sqitch change names may contain `/`).
_REVERT_SCRIPT = lazy(r"(^|/)revert/((?:(?!revert/).)*\.sql)$", re.I | re.S)


def is_repeatable(path: str) -> bool:
    """Whether a runner runs the file again rather than once by its version: Flyway's
    repeatable migrations (`R__<desc>.sql`, run after the versioned ones whenever they change)
    and sqitch's `verify/` scripts (run after each deploy)."""
    unix = path.replace("\\", "/")
    if unix.rpartition("/")[2].startswith("R__"):
        return True
    return "verify/" in unix and _VERIFY_SCRIPT.search(unix) is not None


_VERIFY_SCRIPT = lazy(r"(^|/)verify/((?:(?!verify/).)*\.sql)$", re.I | re.S)


def migration_set(path: str) -> str:
    """The folder of the set of migrations a file belongs to (a runner orders one set): its
    folder; the one above it for a migration that is a folder of its own, named by its version
    (Diesel's `<version>_<name>/up.sql`, Prisma's `<timestamp>_<name>/migration.sql`); for a
    sqitch script, the folder that holds `deploy/` (its plan's)."""
    unix = path.replace("\\", "/")
    # (a substring test first: a search tries the expression at every character of the path)
    sqitch = "deploy/" in unix or "revert/" in unix or "verify/" in unix
    script = _SQITCH_SCRIPT.search(unix) if sqitch else None
    if script is not None:
        return unix[: script.start()]
    folder = unix.rpartition("/")[0]
    parent, _, name = folder.rpartition("/")
    return parent if name[:1].isdigit() else folder


# The last `deploy/`, `revert/` or `verify/` folder above a script.
_SQITCH_SCRIPT = lazy(r"(?:^|/)(?:deploy|revert|verify)/(?:(?!(?:deploy|revert|verify)/).)*$")
