"""The side files `--fix` plans (a Flyway script configuration, a Diesel `metadata.toml`),
presented to the runners before they are written: linting the fixed history again must see the
settings the fixes add, where the runners read them.

`presented(files)` (absolute path -> content) holds for the runners' decision of one run
(`orchestration/run.py` asks them inside it); `read(path)` is what a runner reads a side file
with: the planned content if there is one, else the file on disk (as `read_regular`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from dbarch_lint.caching.files import digest, read_regular

_PLANNED: ContextVar[Mapping[str, bytes] | None] = ContextVar("planned_side_files", default=None)
_SEEN: ContextVar[dict[str, str] | None] = ContextVar("side_files_seen", default=None)


@contextmanager
def presented(files: Mapping[str, bytes], seen: dict[str, str] | None = None) -> Iterator[None]:
    """The runners read `files` (by absolute path) instead of the disk while this holds;
    `seen` records the `digest` of each side file read from the disk ("-": none could be),
    by the path it was read by, as the runners saw it."""
    token = _PLANNED.set(files)
    seen_token = _SEEN.set(seen)
    try:
        yield
    finally:
        _SEEN.reset(seen_token)
        _PLANNED.reset(token)


def read(path: str) -> bytes:
    """A side file's content: as a fix plans it, else as the disk has it (`read_regular`:
    `FileNotFoundError` when there is none, another `OSError` when it cannot be read)."""
    planned = _PLANNED.get()
    if planned:  # (none planned: no path to make absolute)
        found = planned.get(os.path.abspath(path))
        if found is not None:
            return found
    seen = _SEEN.get()
    if seen is None:
        return read_regular(path)[1]
    try:
        data = read_regular(path)[1]
    except OSError:
        seen[path] = "-"
        raise
    seen[path] = digest(data)
    return data
