"""Finding input files, reading them, and putting the migration history in order."""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from collections.abc import Callable, Iterable, Sequence
from stat import S_ISREG
from typing import Any

import msgspec

from dbarch_lint.files import Stat, digest, file_stat
from dbarch_lint.ir import Diagnostic, Span
from dbarch_lint.runners import FileRun

STDIN = "-"
_DOWN_FILE = re.compile(r"(^|/)down\.sql$|\.down\.sql$", re.I)
_DOWN_FILE_TAIL = len("/down.sql\n")  # the most characters a match spans (`$` may precede a \n)
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".dbarch-lint-cache",
}


class Input(msgspec.Struct):
    """One file of the run: where it is, how it is shown, its text or why it has none."""

    path: str  # shown to users: relative to the working directory, POSIX separators
    fs_path: str | None  # None for stdin
    text: str | None = None
    problem: Diagnostic | None = None  # DBA004 when unreadable
    position_text: str = ""  # what positions of `problem` refer to, when there is no `text`
    down: bool = False  # a down migration: linted, never replayed
    digest: str = ""  # hash of the bytes read (the cache's key for the file)
    stat: Stat | None = None  # as `file_stat` saw it just before reading
    run: FileRun | None = None  # how its runner runs it (decided once the run's files are read)
    dialect: str = "postgres"  # the SQL dialect it is written in (`dialect`, `per-file-dialect`)


def display_path(path: str, cwd: str, here: str | None = None) -> str:
    """A path relative to `cwd` when inside it, with `/` separators. (`here`: the process's
    working directory, if the caller has it: asking for it again costs a system call.)"""
    here = here or os.getcwd()
    if here == cwd and _plain_relative(path):  # a walk below the working directory
        return path.replace(os.sep, "/")
    absolute = _absolute(path, here)
    inside = cwd.rstrip(os.sep) + os.sep
    # Inside `cwd`, without relpath's work (it adds up over thousands of files).
    if len(absolute) > len(inside) and absolute.startswith(inside):
        return absolute[len(inside) :].replace(os.sep, "/")
    try:
        relative = os.path.relpath(absolute, cwd)
    except ValueError:
        relative = absolute
    if relative.startswith(".."):
        relative = os.path.normpath(path) if not os.path.isabs(path) else absolute
    return relative.replace(os.sep, "/")


def _plain_relative(path: str) -> bool:
    """Whether a path is relative and already normal (no `.`, `..` or empty parts)."""
    parts = (path.replace(os.altsep, os.sep) if os.altsep else path).split(os.sep)
    return not os.path.isabs(path) and "" not in parts and "." not in parts and ".." not in parts


def _absolute(path: str, here: str) -> str:
    """`os.path.abspath(path)`, given the working directory (and cheap for a plain path)."""
    if _plain_relative(path):
        return os.path.join(here, path)
    return os.path.normpath(os.path.join(here, path))


def expand(
    paths: Sequence[str],
    cwd: str,
    excluded: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """Files named by paths, directories (recursively, `*.sql`) and globs; and the paths that
    matched nothing (each a usage error)."""
    patterns = tuple(excluded)
    files: list[str] = []
    missing: list[str] = []
    for path in paths:
        if path == STDIN:
            files.append(STDIN)
        elif os.path.isdir(path):
            files.extend(p for p in _walk(path) if not _is_excluded(p, cwd, patterns))
        elif os.path.exists(path):
            files.append(path)
        elif glob.has_magic(path):
            matched = sorted(glob.glob(path, recursive=True))
            for match in matched:
                files.extend(_walk(match) if os.path.isdir(match) else [match])
            if not matched:
                missing.append(path)
        else:
            missing.append(path)
    seen: set[str] = set()
    unique = []
    here = os.getcwd()
    for file in files:
        key = file if file == STDIN else _absolute(file, here)
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique, missing


def _walk(root: str) -> list[str]:
    """`*.sql` files below `root`, as `os.walk` would find them (symlinked folders are not
    entered), in no particular order (the runner orders them), at half its cost."""
    found: list[str] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir():
                        if entry.name not in _SKIP_DIRS and not entry.is_symlink():
                            pending.append(entry.path)
                    elif entry.name.lower().endswith(".sql"):
                        found.append(entry.path)
        except OSError:
            continue
    return found


def _is_excluded(path: str, cwd: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    shown = display_path(path, cwd)
    return any(glob_matches(shown, p) for p in patterns)


def glob_matches(path: str, pattern: str) -> bool:
    """Whether a shown path matches a config glob, anchored at the start or at any `/`."""
    return fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, f"*/{pattern}")


_DIESEL_VERSION = re.compile(r"(?:^|(?<=/))(\d{4})-(\d{2})-(\d{2})-(\d{6})(?:-(\d+))?(?=_)")


def natural_key(path: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting `2` before `10` in every path component.

    Diesel's `2018-04-27-194025_name` versions compare as the number `20180427194025` (Diesel
    drops the dashes), so they sort among plain `20140929103761_name` versions.
    """
    path = _DIESEL_VERSION.sub(_version_number, path)
    return tuple(
        [(0, int(part)) if part.isdigit() else (1, part) for part in _NUMBERS.split(path) if part]
    )


def _version_number(version: re.Match[str]) -> str:
    return "".join(filter(None, version.groups()))


_NUMBERS = re.compile(r"(\d+)")


def is_down(path: str) -> bool:
    """Whether a file is a down (revert) migration by its name: `down.sql`, `*.down.sql`, a
    script in a sqitch `revert/` folder, or a Flyway undo migration (`U<version>__*.sql`)."""
    # Speed: the search starts near the end, where any match is (a `^` match needs a path
    # shorter than that anyway); from the start it would try the pattern at every character.
    unix = path.replace("\\", "/")
    if _DOWN_FILE.search(unix, max(0, len(unix) - _DOWN_FILE_TAIL)) is not None:
        return True
    name = unix.rpartition("/")[2]
    if name.startswith("U") and FLYWAY_UNDO.fullmatch(name) is not None:
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

    def key(path: str) -> tuple[tuple[tuple[int, int | str], ...], int]:
        if is_down(path):
            return natural_key(up_migration_path(path)), 1
        return natural_key(path), 0

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
    if _DOWN_SUFFIX.search(down):
        return _DOWN_SUFFIX.sub("up.sql", down)
    folder, slash, name = down.rpartition("/")
    if FLYWAY_UNDO.fullmatch(name):
        return f"{folder}{slash}V{name[1:]}"
    return _REVERT_SCRIPT.sub(r"\1deploy/\2", down, count=1)


_DOWN_SUFFIX = re.compile(r"down\.sql$", re.I)
# Flyway's file names (its default prefixes `V` and `U`, separator `__`, suffix `.sql`).
FLYWAY_VERSIONED = re.compile(r"V(\d+(?:[._]\d+)*)__(.+)\.sql")
FLYWAY_UNDO = re.compile(r"U(\d+(?:[._]\d+)*)__(.+)\.sql")
_FLYWAY_VERSION_PARTS = re.compile(r"[._]")
# The last `revert/` folder above a script (sqitch change names may contain `/`).
_REVERT_SCRIPT = re.compile(r"(^|/)revert/((?:(?!revert/).)*\.sql)$", re.I | re.S)


def read(path: str, fs_path: str | None, encoding: str, stdin: str | bytes | None = None) -> Input:
    """Read and decode one file (`fs_path` None: stdin, given as text or bytes); problems
    become a DBA004 diagnostic, never an exception."""
    item = Input(path, fs_path, down=is_down(path))
    if fs_path is None and not isinstance(stdin, bytes):
        item.text = (stdin or "").lstrip("\ufeff")
        item.digest = digest(item.text.encode("utf-8"))
        return item
    try:
        if isinstance(stdin, bytes):
            data = stdin
        else:
            item.stat, data = _read_file(str(fs_path))
    except OSError as error:
        reason = error.strerror or str(error)
        item.problem = Diagnostic("DBA004", f"Cannot read file: {reason}", Span(0, 0))
        return item
    item.digest = digest(data)
    if data.find(b"\x00", 0, 8192) != -1:
        item.problem = Diagnostic(
            "DBA004", "File is binary (it contains NUL bytes), not SQL text", Span(0, 0)
        )
        return item
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        item.position_text = data.decode(encoding, errors="replace")
        offset = len(data[: error.start].decode(encoding, errors="replace").encode("utf-8"))
        item.problem = Diagnostic(
            "DBA004",
            f"File is not valid {encoding}: byte 0x{data[error.start]:02x} at offset {error.start} "
            f"cannot be decoded; save it as {encoding} or set `encoding` in the configuration",
            Span(offset, offset + 1),
        )
        return item
    item.text = text.lstrip("\ufeff")
    return item


_BINARY = getattr(os, "O_BINARY", 0)  # (Windows: no newline translation)


def _read_file(fs_path: str) -> tuple[Stat, bytes]:
    """A file's stat (taken before reading: a later change then shows as a different stat) and
    its bytes. Speed: system calls on a file descriptor, without the file objects of `open`
    (they cost more than the reading itself for thousands of small files)."""
    descriptor = os.open(fs_path, os.O_RDONLY | _BINARY)
    try:
        stat = os.fstat(descriptor)
        data = os.read(descriptor, stat.st_size + 1)  # all of a regular file, in one call
        if len(data) > stat.st_size or not S_ISREG(stat.st_mode):  # it grew, or it is a pipe
            chunks = [data]
            while chunks[-1]:
                chunks.append(os.read(descriptor, 1 << 16))
            data = b"".join(chunks)
    finally:
        os.close(descriptor)
    return file_stat(stat), data


def default_files(cwd: str) -> list[str]:
    """`*.sql` below `cwd`, without what `.gitignore` excludes (in a git work tree)."""
    import subprocess  # costs start-up time; only a run without paths needs it

    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.sql"],
            cwd=cwd,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return _walk(cwd)
    return sorted(
        os.path.join(cwd, p)
        for p in listed.decode().split("\0")
        if p and os.path.isfile(os.path.join(cwd, p))
    )
