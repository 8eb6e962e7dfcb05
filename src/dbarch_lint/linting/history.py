"""The migration history of a lint: each file with its parse, in replay order, and replaying it.

The history is every migration, but not all of it builds the schema: a down migration (a file
of its own, or dbmate's `-- migrate:down` section) is linted and never replayed, and a down
migration counts the objects its up migration created as new. `HistoryFile` records both facts
for the checker, and `replay_file` applies what does build the schema.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from dbarch_lint.catalog import Origin, Schema
from dbarch_lint.catalog.conditionals import Conditionals
from dbarch_lint.inputs.discovery import Input
from dbarch_lint.model.ir import ParsedFile
from dbarch_lint.model.regex import lazy
from dbarch_lint.model.source import SourceFile
from dbarch_lint.runners.naming import reverts

_MIGRATE_DOWN = lazy(rb"^[ \t]*--[ \t]*migrate:down\b", re.M | re.I)


class HistoryFile(msgspec.Struct):
    """One file of the history with its parse, and what the replay and the rules need of it."""

    index: int  # its place in the replay order
    input: Input
    source: SourceFile
    parsed: ParsedFile
    target: bool  # linted (else only replayed)
    down_from: int  # file index whose objects count as new (its own, or its up migration's)
    down_offset: int  # statements starting at or after this byte offset are a down section


def history(
    inputs: Sequence[Input], targets: set[str], parsed: Sequence[ParsedFile]
) -> list[HistoryFile]:
    """Each input with its parse, in replay order. A down migration counts objects created by
    its up migration (the file before it) as new."""
    files: list[HistoryFile] = []
    for index, (item, parse) in enumerate(zip(inputs, parsed, strict=True)):
        file = history_file(index, item, parse, item.path in targets)
        if files and item.down and reverts(item.path, files[-1].input.path):
            file.down_from = index - 1
        files.append(file)
    return files


def history_file(index: int, item: Input, parsed: ParsedFile, target: bool) -> HistoryFile:
    """One input as the `index`th file of the history, on its own (counting its own objects as
    new, whatever file comes before it)."""
    source = SourceFile(item.path, position_text(item))
    # (the regex scans slowly: most files do not have the marker at all)
    match = _MIGRATE_DOWN.search(source.data) if b"migrate:down" in source.data.lower() else None
    down_offset = match.start() if match else len(source.data) + 1
    if parsed.down_offset is not None:  # (a Sequelize migration's `down`)
        down_offset = parsed.down_offset
    return HistoryFile(index, item, source, parsed, target, index, down_offset)


def position_text(item: Input) -> str:
    """The text positions refer to (an unreadable file's, decoded as well as it could be)."""
    return item.position_text if item.text is None else item.text


def replay_end(file: HistoryFile) -> int:
    """The offset a statement of the file starts before if it feeds the replay: never one of a
    down migration (0) or section (`down_offset`). (Asked once per file: its statements are
    told by a comparison each.)"""
    return 0 if file.input.down else file.down_offset


def replay_file(schema: Schema, file: HistoryFile) -> None:
    """Apply the statements of a file that feed the replay to the schema."""
    statements = file.parsed.statements
    conditionals = Conditionals(statements)
    end = replay_end(file)
    for position, statement in enumerate(statements):
        if statement.span.start < end:
            into = conditionals.at(position, schema)
            if into is not None:
                origin = Origin(file.index, statement.index, file.input.path, statement.span)
                into.apply(statement, origin)
    conditionals.close()
    note_unread(schema, file)
    if file.input.snapshot:
        # The history runs in sessions of its own: a dump's `SET search_path` (pg_dump empties
        # it) does not carry over.
        schema.search_path = ("public",)
        schema.default_access_method = None


def note_unread(schema: Schema, file: HistoryFile) -> None:
    """Count a file holding a statement nobody could read (what it did is unknown)."""
    if any(d.code == "DBA001" for d in file.parsed.diagnostics):
        schema.unread += 1
