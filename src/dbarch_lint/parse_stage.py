"""Parsing the inputs: from the cache when it holds the file, else with the parser (and the
result stored in the cache)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dbarch_lint.cache import Cache, encode_parsed
from dbarch_lint.discovery import Input
from dbarch_lint.ir import ParsedFile
from dbarch_lint.parsing.postgres import parse_postgres
from dbarch_lint.source import SourceFile


def iter_parsed(inputs: Sequence[Input], cache: Cache | None) -> Iterator[ParsedFile]:
    """The parse of every input, in order (an unreadable input carries its DBA004)."""
    for item in inputs:
        if item.text is None:
            yield ParsedFile((), (item.problem,) if item.problem else (), ())
            continue
        parsed = cache.get_parsed(item.digest) if cache is not None else None
        if parsed is None:
            parsed = parse_postgres(SourceFile(item.path, item.text))
            if cache is not None:
                cache.put_parsed(item.digest, encode_parsed(parsed))
        yield parsed
