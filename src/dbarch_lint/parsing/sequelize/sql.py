"""SQL text built from a migration's JavaScript, remembering which JavaScript each part came from.

`Sql` is one query string as Sequelize sends it (`sequelize.query(sql)`): possibly several
statements, which PostgreSQL then runs as one implicit transaction. Each marked range of the
text points at the JavaScript node it was made from, so a finding on a column's type points at
that column's `type:` in the migration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from dbarch_lint.model.ir import Span


@dataclass
class Sql:
    """A query string under construction; `marks`: (start, end, JS start, JS end) in bytes."""

    parts: list[str] = field(default_factory=list)
    marks: list[tuple[int, int, int, int]] = field(default_factory=list)
    size: int = 0  # bytes so far
    verbatim: int | None = None  # the JS offset where the whole text is copied from, if it is

    def add(self, text: str, node: Node | None = None) -> Sql:
        start = self.size
        self.parts.append(text)
        self.size += len(text.encode("utf-8"))
        if node is not None:
            self.marks.append((start, self.size, node.start_byte, node.end_byte))
        return self

    def mark(self, start: int, node: Node | None) -> None:
        """Point the text from `start` to here at `node`."""
        if node is not None and self.size > start:
            self.marks.append((start, self.size, node.start_byte, node.end_byte))

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def span(self, span: Span, default: Span) -> Span:
        """Where a span of this text is in the migration: the innermost marked range that holds
        its start (a verbatim copy maps exactly)."""
        if self.verbatim is not None:
            return Span(self.verbatim + span.start, self.verbatim + span.end, span.extent)
        best: tuple[int, int, int, int] | None = None
        for mark in self.marks:
            if mark[0] <= span.start < mark[1] and (
                best is None or mark[1] - mark[0] < best[1] - best[0]
            ):
                best = mark
        if best is None:
            return default
        return Span(best[2], best[3])


def quote(name: str) -> str:
    """An identifier as Sequelize quotes it on PostgreSQL: always in double quotes, any double
    quote in it removed (`removeTicks`)."""
    return '"' + name.replace('"', "") + '"'


def literal(value: str) -> str:
    """A string as Sequelize escapes it on PostgreSQL."""
    return "'" + value.replace("'", "''").replace("\x00", "") + "'"
