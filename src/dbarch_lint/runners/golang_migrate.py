"""golang-migrate: `<version>_<name>.up.sql` / `.down.sql`, in numeric version order. The
postgres driver sends a whole file in one `Exec`, which PostgreSQL runs as one implicit
transaction when it holds several statements; `x-multi-statement` sends them one by one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dbarch_lint.model.regex import lazy
from dbarch_lint.runners import BATCH, NONE, FileRun
from dbarch_lint.runners.naming import order_by

_NAME = lazy(r"(\d+)_.*\.(up|down)\.sql")  # source/parse.go: ^([0-9]+)_(.*)\.(down|up)\.


def matches(name: str) -> bool:
    """Whether a file name is a golang-migrate SQL migration."""
    return _NAME.fullmatch(name) is not None


def order(paths: Sequence[str]) -> list[str]:
    """By version (a number), each down migration right after its up migration; then the rest."""
    return order_by(paths, _key)


def _key(path: str) -> tuple[int, int] | None:
    match = _NAME.fullmatch(path.rsplit("/", 1)[-1])
    return (int(match[1]), 0 if match[2] == "up" else 1) if match else None


def run(options: Mapping[str, bool]) -> FileRun:
    """How golang-migrate's postgres driver sends a file."""
    if options.get("multi-statement", False):
        return FileRun("golang-migrate", NONE, why="x-multi-statement")
    return FileRun("golang-migrate", BATCH)
