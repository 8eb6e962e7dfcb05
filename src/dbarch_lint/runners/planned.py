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

from dbarch_lint.caching.files import read_regular

_PLANNED: ContextVar[Mapping[str, bytes] | None] = ContextVar("planned_side_files", default=None)


@contextmanager
def presented(files: Mapping[str, bytes]) -> Iterator[None]:
    """The runners read `files` (by absolute path) instead of the disk while this holds."""
    token = _PLANNED.set(files)
    try:
        yield
    finally:
        _PLANNED.reset(token)


def read(path: str) -> bytes:
    """A side file's content: as a fix plans it, else as the disk has it (`read_regular`:
    `FileNotFoundError` when there is none, another `OSError` when it cannot be read)."""
    planned = _PLANNED.get()
    if planned is not None:
        found = planned.get(os.path.abspath(path))
        if found is not None:
            return found
    return read_regular(path)[1]
