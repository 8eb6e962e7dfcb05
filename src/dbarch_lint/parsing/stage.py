"""Parsing the inputs: from the cache when it holds the file, else with the parser (and the
result stored in the cache)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dbarch_lint.caching.store import Cache, encode_parsed
from dbarch_lint.inputs.discovery import Input
from dbarch_lint.model.ir import ParsedFile
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.parser import parse_postgres


def iter_parsed(inputs: Sequence[Input], cache: Cache | None) -> Iterator[ParsedFile]:
    """The parse of every input, in order (an unreadable input carries its DBA004)."""
    for item in inputs:
        if item.text is None:
            yield ParsedFile((), (item.problem,) if item.problem else (), ())
            continue
        # (the same bytes parse differently in another dialect)
        key = item.digest if item.dialect == "postgres" else f"{item.digest}-{item.dialect}"
        parsed = cache.get_parsed(key) if cache is not None else None
        if parsed is None:
            parsed = _parse(SourceFile(item.path, item.text), item.dialect)
            if cache is not None:
                cache.put_parsed(key, encode_parsed(parsed))
        yield parsed


def _parse(source: SourceFile, dialect: str) -> ParsedFile:
    if dialect == "mysql":
        from dbarch_lint.parsing.mysql.parser import parse_mysql  # (sqlglot loads only for it)

        return parse_mysql(source)
    return parse_postgres(source)
