"""A repeated command answered before the command line loads.

When nothing changed since the last run, the report cache has the answer, but finding that out
the normal way (importing the command line, reading the config, discovering the files, hashing
the run) costs several times what printing the answer does. So a run that stores its report
also leaves a note under `.dbarch-lint-cache/runs/`: the exact command (arguments, working
directory, interpreter, whether output goes to a terminal), every path its answer depends on
with that path's stat (absent paths included; a file that had only just changed, when a change
within the same timestamp tick would not show, also with the hash of its content), its exit
code and where the report cache keeps the report's bytes. The same command, when every one of
those paths is as it was, gets the report back at once; any difference falls through to the
normal run.

What the answer depends on: the files read, every folder listed to find them (a file added or
removed changes the folder), the config files looked for and found, the files runners consulted,
and the code (this tool's modules, its libraries, every import folder and configured plugin).
This module reads notes with the built-ins alone; writing one happens after a normal run.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
import zlib

from dbarch_lint import TYPE_CHECKING, __version__

try:  # CPython's BLAKE2 on its own: `hashlib` would first load OpenSSL (milliseconds of start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover (other Pythons)
    from hashlib import blake2b

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

CACHE_DIR = ".dbarch-lint-cache"
FOLDER = "runs"
MAX_NOTES = 32  # the most recent commands remembered
_FORMAT = 2  # (of the note: a different format is a different command key)
# A path changed shortly before the run may change again within the same timestamp tick
# without its stat showing it (`settled`). Ticks are at most 10 ms where timestamps have digits
# below the second (Linux, macOS, Windows); other file systems keep whole (or even) seconds.
_FINE_TICKS_NS = 100_000_000
_COARSE_TICKS_NS = 2_000_000_000
_STARTED_NS = time.time_ns()
_SYS_PATH = tuple(sys.path)  # (as the program started: loading plugins may add to it)

Stat = tuple[int, int, int, int, int]  # device, inode, size, mtime, ctime (`file_stat`)
# A path the answer depends on, its stat (None: absent) and, for a file that had only just
# changed, the hash of its content (checked as well as the stat).
Dependency = tuple[str, Stat | None, str | None]
Key = tuple[int, str, str, str, tuple[str, ...], str, tuple[str, ...], bool, bool]


def command_key(argv: Sequence[str]) -> Key:
    """Everything besides the files that decides what a command prints."""
    return (
        _FORMAT,
        __version__,
        sys.executable,
        sys.version,
        _SYS_PATH,
        os.getcwd(),
        tuple(argv),
        "NO_COLOR" in os.environ,
        os.isatty(1),
    )


def answer(argv: Sequence[str]) -> int | None:
    """If this exact command ran before and nothing it depends on changed, write its report
    and return its exit code; else None (nothing written)."""
    try:
        key = command_key(argv)
    except OSError:  # (the working directory is gone: the command line says so)
        return None
    note = _find(_name(key))
    if note is None:
        return None
    try:
        stored_key, paths, exit_code, output_file, report_path = marshal.loads(note)
        if stored_key != key or not _unchanged(paths):
            return None
        with open(report_path, "rb") as handle:
            report = handle.read()
    except (EOFError, ValueError, TypeError, OSError):  # a damaged note, a report pruned
        return None
    if output_file is not None:
        try:
            with open(output_file, "wb") as handle:
                handle.write(report)
        except OSError:  # (the normal run says why)
            return None
        return int(exit_code)
    try:
        sys.stdout.buffer.write(report)
        sys.stdout.flush()
    except OSError as error:  # (part may be written: no second try)
        sys.stderr.write(f"dbarch-lint: error: cannot write the report: {error.strerror}\n")
        return 2
    return int(exit_code)


def file_stat(stat: os.stat_result) -> Stat:
    """Which file this is (device, inode) and what says it is unchanged: its size, mtime and
    ctime (which nobody can set: a copy that keeps size and mtime still changes it)."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def stat_of(path: str) -> Stat | None:
    """A path's `file_stat` (None: absent)."""
    try:
        return file_stat(os.stat(path))
    except OSError:
        return None


def remember(
    cache_dir: str,
    argv: Sequence[str],
    depends_on: Iterable[Dependency],
    exit_code: int,
    output_file: str | None,
    report_path: str,
) -> None:
    """Leave a note of a command's answer (the report's bytes lie in the report cache, at
    `report_path`, under a key that changes with anything they depend on)."""
    from dbarch_lint.cache import prune, write_atomically

    key = command_key(argv)
    folder = os.path.join(cache_dir, FOLDER)
    note = (key, tuple(depends_on), exit_code, output_file, os.path.abspath(report_path))
    write_atomically(os.path.join(folder, _name(key)), marshal.dumps(note))
    prune(folder, MAX_NOTES)


def settled(stat: Stat | None) -> bool:
    """Whether a path last changed long enough before this run that a later change shows in
    its stat (one in the same timestamp tick as the last may not)."""
    if stat is None:
        return True
    changed = max(stat[3], stat[4])
    coarse = changed % 1_000_000_000 == 0
    return changed < _STARTED_NS - (_COARSE_TICKS_NS if coarse else _FINE_TICKS_NS)


def digest(data: bytes) -> str:
    """The content hash of a file (what the cache keys a parse on)."""
    return blake2b(data, digest_size=16).hexdigest()


def _name(key: Key) -> str:
    # (a short name: the note holds the whole key, so two keys sharing a name only miss)
    return f"{zlib.crc32(repr(key).encode('utf-8', 'surrogateescape')):08x}"


def _find(name: str) -> bytes | None:
    """The note named `name` in the cache folder of the working directory or of the nearest
    folder above it that has one (where the config file, and so the cache, may be)."""
    directory = os.getcwd()
    while True:
        try:
            with open(os.path.join(directory, CACHE_DIR, FOLDER, name), "rb") as handle:
                return handle.read()
        except OSError:
            pass
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _unchanged(paths: Iterable[Dependency]) -> bool:
    stat = os.stat
    for path, known, content in paths:
        try:
            now = stat(path)
        except OSError:
            if known is None:
                continue
            return False
        if known is None or known != file_stat(now):
            return False
        if content is not None and file_digest(path) != content:
            return False
    return True


def file_digest(path: str) -> str | None:
    """The `digest` of a file's content (None: it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return digest(handle.read())
    except OSError:
        return None
