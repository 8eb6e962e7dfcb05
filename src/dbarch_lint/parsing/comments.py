"""Suppression comments: the `--` comments that may hold `noqa` or `dbarch-lint` (each parser
finds its comments its own way; which of them count, and where they stand, is decided here)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from dbarch_lint.model.ir import Comment, Span
from dbarch_lint.model.regex import lazy
from dbarch_lint.model.source import SourceFile

_SUPPRESSION_HINT = lazy(r"noqa|dbarch-lint", re.I)


def may_hold_suppressions(source: SourceFile) -> bool:
    """Whether the file has a suppression hint anywhere (most files have none)."""
    # Speed: a case-insensitive regex search over the whole text is slow; most files have no
    # hint, which substring tests in the lower-cased bytes show much faster (and most have no
    # `q` at all, which is faster still to see). Under re.I the letters of "noqa" and
    # "dbarch-l" match only ASCII letters, so this misses nothing.
    lowered = source.data.lower()
    if not (b"q" in lowered and b"noqa" in lowered) and b"dbarch-l" not in lowered:
        return False
    return _SUPPRESSION_HINT.search(source.text) is not None


def suppression_comments(
    source: SourceFile, spans: Iterable[tuple[int, int]]
) -> tuple[Comment, ...]:
    """The comments at `spans` (code-point offsets) that hold a suppression hint."""
    text = source.text
    comments = []
    for start, end in spans:
        body = text[start:end]
        if not _SUPPRESSION_HINT.search(body):
            continue
        line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
        own_line = not text[line_start:start].strip()
        span = Span(source.char_to_byte(start), source.char_to_byte(end))
        comments.append(Comment(span, body, own_line))
    return tuple(comments)
