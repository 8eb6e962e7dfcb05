"""Parsing the inputs: from the cache when it holds the file, else with the parser of its
dialect (and the result stored in the cache).

Parsers come from plugins (`dbarch_lint_parsers`): the built-in PostgreSQL and MySQL ones are
`parsing/builtin.py`. Only theirs are cached: the cache's key covers this tool's code, not a
third-party parser's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from dbarch_lint.caching.store import Cache, encode_parsed
from dbarch_lint.inputs.discovery import Input
from dbarch_lint.model.ir import ParsedFile
from dbarch_lint.model.source import SourceFile
from dbarch_lint.runners import sequelize

# A parser: a file's text to its statements, IR events, diagnostics and comments.
Parser = Callable[[SourceFile], ParsedFile]


def iter_parsed(
    inputs: Sequence[Input], cache: Cache | None, parsers: Mapping[str, Parser]
) -> Iterator[ParsedFile]:
    """The parse of every input, in order (an unreadable input carries its DBA004)."""
    for item in inputs:
        if item.text is None:
            yield ParsedFile((), (item.problem,) if item.problem else (), ())
            continue
        dialect = item.dialect
        if dialect == "postgres" and "sequelize" in parsers and sequelize.is_script(item.path):
            dialect = "sequelize"  # (Sequelize on PostgreSQL: its rules, its JavaScript)
        parser = parsers[dialect]
        cached = cache if cache is not None and is_ours(parser) else None
        # (the same bytes parse differently in another dialect)
        key = item.digest if dialect == "postgres" else f"{item.digest}-{dialect}"
        parsed = cached.get_parsed(key) if cached is not None else None
        if parsed is None:
            parsed = parser(SourceFile(item.path, item.text))
            if cached is not None:
                cached.put_parsed(key, encode_parsed(parsed))
        yield parsed


_OURS = "dbarch_lint."


def is_ours(parser: Parser) -> bool:
    """Whether a parser is one of this tool's (the cache's key covers its code)."""
    return parser.__module__.startswith(_OURS)
