"""The schema timeline: every migration replayed in order into tables, columns, constraints and
indexes, each remembering where it was created and dropped.

Statement rules see the schema as it is just before their statement (the replay is live while
they run); schema rules see the end state and, through `origin`/`dropped`, the whole history.
Unknown stays unknown: a table the replay never saw created is a placeholder with
`complete = False`, and rules do not guess about it.

`Schema` is the one class the engine and the rules hold. It is put together here from the rooms
of this package: the state and its lookups (`state.py`), the replay handlers (`replay.py`) and
copy-on-write forking (`fork.py`); the records it holds are in `records.py`.
"""

from __future__ import annotations

from dbarch_lint.catalog import replay
from dbarch_lint.catalog.fork import CopyOnWrite
from dbarch_lint.catalog.records import Origin as Origin  # (still importable from here)
from dbarch_lint.catalog.state import SchemaState
from dbarch_lint.model import ir


class Schema(SchemaState):
    """The replayed schema. `apply` moves it forward one statement."""

    # Replay one statement: the replay's own function as the method (no call in between: it
    # runs once per statement of the history).
    apply = replay.apply

    def skips(self, event: ir.Event) -> bool:
        """Whether the replay would skip `event` here: an `IF NOT EXISTS` of a table, column or
        index (by name) the schema has, which the server skips with a notice."""
        return replay.skips(self, event)

    def fork(self) -> Schema:
        """A copy to replay into without changing this schema (a down migration).

        Copy-on-write: the fork shares every table, column, constraint and index with this
        schema until it first changes one, and then changes a copy of its own. This schema must
        not change while the fork is in use.
        """
        return _ForkedSchema(self)


class _ForkedSchema(CopyOnWrite, Schema):
    """A schema whose writes are a fork's (`CopyOnWrite` comes first, so its writes win).

    It lives here, not in fork.py, because `Schema.fork` names it: fork.py sits below this
    module, and imports inside the catalog run one way.
    """
