"""The replay of one file's conditional DDL: which schema each statement replays into.

A statement inside alternatives of conditionals (`Statement.branch`) replays into a fork of the
schema as it was before the condition, one fork per alternative; when the replay leaves a
conditional, `branches.settle` puts what the alternatives that may have run agree on into the
schema before it. An alternative the replay knows cannot run (a guard the schema contradicts, a
protected block that would fail with the error its handler swallows) is not replayed at all:
its statements get no schema (`Conditionals.at` gives None) and no rule sees them.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from dbarch_lint.catalog.branches import Claims, fails, holds, settle
from dbarch_lint.catalog.schema import Schema
from dbarch_lint.model.ir import Alternative, Guard, Statement


class _Frame(msgspec.Struct):
    """An open conditional: the schema before it, which alternatives may run, their ends."""

    conditional: int
    base: Schema | None  # None: inside an alternative that cannot run
    live: list[bool]
    current: int = -1
    schema: Schema | None = None  # the current alternative's fork
    assumes: tuple[tuple[Guard, ...], ...] = ()
    ends: list[tuple[int, Schema]] = msgspec.field(default_factory=list)  # (alternative, end)
    visited: set[int] = msgspec.field(default_factory=set)


class Conditionals:
    """Walks a file's statements in order, giving each the schema it replays into."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        self.statements = statements
        self.frames: list[_Frame] = []

    def at(self, position: int, root: Schema) -> Schema | None:
        """The schema the statement at `position` is checked against and replayed into (None:
        it is in an alternative that cannot run). `root` is where top-level statements go."""
        path = self.statements[position].branch
        if not path and not self.frames:
            return root
        depth = 0
        while depth < min(len(path), len(self.frames)):
            frame = self.frames[depth]
            if frame.conditional != path[depth].conditional:
                break
            if frame.current != path[depth].index:
                self.close(depth + 1)
                self._switch(frame, path[depth].index)
                depth += 1
                break
            depth += 1
        self.close(depth)
        schema = self.frames[-1].schema if self.frames else root
        for alternative in path[depth:]:
            frame = self._open(alternative, schema, position)
            schema = frame.schema
        return self.frames[-1].schema if self.frames else root

    def close(self, depth: int = 0) -> None:
        """Leave the conditionals nested `depth` deep and deeper, settling each."""
        while len(self.frames) > depth:
            frame = self.frames.pop()
            if frame.base is None:
                continue
            self._finish(frame)
            for index, live in enumerate(frame.live):
                if live and index not in frame.visited:
                    frame.ends.append((index, frame.base))  # (an alternative with nothing run)
            claims = [Claims(frame.base, frame.assumes[index]) for index, _ in frame.ends]
            settle(frame.base, [end for _, end in frame.ends], claims)

    def _open(self, alternative: Alternative, base: Schema | None, position: int) -> _Frame:
        live = [True] * len(alternative.assumes)
        if base is not None:
            for index, assumed in enumerate(alternative.assumes):
                if any(holds(base, guard) is False for guard in assumed):
                    live[index] = False
            for index, exact in enumerate(alternative.exact):
                assumed = alternative.assumes[index]
                if live[index] and exact and all(holds(base, g) for g in assumed):
                    live = [i == index for i in range(len(live))]  # (the one that runs)
                    break
            if alternative.index == 0 and alternative.swallows and len(live) > 1:
                verdict = self._body_fails(alternative, base, position)
                if verdict is True:
                    live[0] = False
                elif verdict is False:
                    live[1:] = [False] * (len(live) - 1)
        frame = _Frame(alternative.conditional, base, live, assumes=alternative.assumes)
        self.frames.append(frame)
        self._switch(frame, alternative.index)
        return frame

    def _switch(self, frame: _Frame, index: int) -> None:
        self._finish(frame)
        frame.current = index
        frame.visited.add(index)
        live = frame.base is not None and index < len(frame.live) and frame.live[index]
        frame.schema = frame.base.fork() if live and frame.base is not None else None

    def _finish(self, frame: _Frame) -> None:
        if frame.schema is not None:
            frame.ends.append((frame.current, frame.schema))
            frame.schema = None

    def _body_fails(self, alternative: Alternative, base: Schema, position: int) -> bool | None:
        """Whether a protected block's body fails with a condition its handlers swallow, from
        its statements' events against the schema before it (None: it may)."""
        depth = len(self.frames)
        verdict: bool | None = False
        for statement in self.statements[position:]:
            path = statement.branch
            if len(path) <= depth or path[depth].conditional != alternative.conditional:
                break
            if path[depth].index != 0:
                continue
            for event in statement.events:
                outcome = fails(base, event, alternative.swallows)
                if outcome:
                    return True
                if outcome is None:
                    verdict = None
        return verdict
