"""dbmate: `<version>_<name>.sql` files with `-- migrate:up` and `-- migrate:down` sections,
applied in file-name order; each section in a transaction unless its marker line says
`transaction:false` (then, sent in one `Exec`, several statements still form PostgreSQL's
implicit transaction block)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from dbarch_lint.model.regex import lazy
from dbarch_lint.runners import BATCH, BATCH_TRANSACTION, FileRun
from dbarch_lint.runners.naming import order_by

_NAME = lazy(r"\d+.*\.sql")  # pkg/dbmate/db.go: ^(\d+).*\.sql$
# pkg/dbmate/migration.go: (?m)^--\s*migrate:up(\s*$|\s+\S+)
_UP = lazy(r"^--\s*migrate:up(?:[ \t]*$|\s+\S+)", re.M)
_DOWN = lazy(r"^--\s*migrate:down(?:[ \t]*$|\s+\S+)", re.M)


def matches(name: str, text: str | None) -> bool:
    """Whether a file is a dbmate migration: a versioned name and a `-- migrate:up` marker."""
    return (
        text is not None
        and "migrate:up" in text
        and _NAME.fullmatch(name) is not None
        and _UP.search(text) is not None
    )


def named(name: str) -> bool:
    """Whether a file's name is a dbmate migration's (its text then decides: `matches`)."""
    return _NAME.fullmatch(name) is not None


def order(paths: Sequence[str]) -> list[str]:
    """By file name (as strings, as dbmate sorts them), then the rest."""
    return order_by(paths, _key)


def _key(path: str) -> tuple[str] | None:
    name = path.rsplit("/", 1)[-1]
    return (name,) if _NAME.fullmatch(name) else None


def run(text: str | None) -> FileRun:
    """How dbmate runs the file's up section (and its down section, if its marker differs)."""
    up = _transaction(_UP, text or "")
    down = _transaction(_DOWN, text or "")
    mode = BATCH_TRANSACTION if up else BATCH
    down_mode = BATCH_TRANSACTION if down else BATCH
    why = "" if up else "-- migrate:up transaction:false"
    return FileRun("dbmate", mode, None if down_mode == mode else down_mode, why)


def _transaction(marker: re.Pattern[str], text: str) -> bool:
    """The `transaction` option on the first such marker line (default true)."""
    match = marker.search(text)
    if match is None:
        return True
    end = text.find("\n", match.start())
    line = text[match.start() : end if end >= 0 else len(text)]
    words = _DIRECTIVE.sub("", line, count=1).split()
    options = dict(word.split(":") for word in words if word.count(":") == 1)
    return options.get("transaction") != "false"


_DIRECTIVE = lazy(r"^--\s*migrate:(?:up|down)")
