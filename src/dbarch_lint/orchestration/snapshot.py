"""The starting schema (`schema-snapshot`): a pg_dump / mysqldump schema file replayed before the
history as the state production is in, never linted.

It is read only from inside the project (the config file's folder, else the working directory):
like a config, a snapshot from outside the project is not trusted, and neither is one that a
symbolic link takes out of it. A missing or unreadable snapshot is a usage error; what in it does
not parse is reported once, as a config problem naming its place (`path:line:col`), and the run
exits 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dbarch_lint.caching.files import require_regular
from dbarch_lint.inputs import config as cfg
from dbarch_lint.inputs import discovery
from dbarch_lint.model.errors import UsageError
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.stage import Parser, iter_parsed

# The parse problems that make a snapshot unusable (DBA002, a statement the rules do not model,
# is no problem in a dump: the replay skips what it does not know).
_PROBLEMS = ("DBA001", "DBA004")


def snapshot_path(config: cfg.Config, cwd: str, root: str) -> str | None:
    """The snapshot's absolute path (None: none configured), once it is known to be inside the
    project `root`, no link leading out of it."""
    if config.schema_snapshot is None:
        return None
    path = os.path.normpath(os.path.join(cwd, config.schema_snapshot))
    inside = os.path.join(os.path.realpath(root), "")
    shown = config.schema_snapshot
    if not path.startswith(os.path.join(os.path.abspath(root), "")):
        raise UsageError(
            f"schema-snapshot = {shown!r} is outside the project ({root}): a snapshot is read only "
            "from inside the project, like its config; copy it into the project"
        )
    real = os.path.realpath(path)
    if not real.startswith(inside):
        raise UsageError(
            f"schema-snapshot = {shown!r}: a symbolic link takes it to {real}, outside the "
            "project; a snapshot is read only from inside the project"
        )
    try:  # (a FIFO or a device is never opened: it could hang the run)
        require_regular(os.stat(real))
    except OSError as error:
        why = "no such file" if isinstance(error, FileNotFoundError) else error.strerror
        raise UsageError(
            f"schema-snapshot = {shown!r}: {why} (a pg_dump --schema-only or mysqldump "
            "--no-data file; in a config, relative to its folder)"
        ) from None
    return path


def read_snapshot(
    path: str, shown: str, config: cfg.Config, dialect: str, parsers: Mapping[str, Parser]
) -> tuple[discovery.Input, list[str]]:
    """The snapshot as an input of the history (replayed, never linted), and its problems as
    config errors (`path:line:col: ...`), each reported once."""
    item = discovery.read(shown, path, config.encoding)
    item.dialect = dialect
    item.snapshot = True
    if item.problem is not None and item.text is None:
        raise UsageError(f"schema-snapshot {shown}: {item.problem.message}")
    [parsed] = list(iter_parsed([item], None, parsers))
    source = SourceFile(shown, item.text or "")
    errors = []
    for diagnostic in parsed.diagnostics:
        if diagnostic.code in _PROBLEMS:
            line, column = source.line_column(diagnostic.span.start)
            errors.append(
                f"{shown}:{line}:{column}: schema-snapshot: {diagnostic.message} (the snapshot is "
                "replayed without the statement; fix the dump or regenerate it)"
            )
    return item, errors
