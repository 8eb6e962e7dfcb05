"""Suppression comments: `-- noqa:`, `-- dbarch-lint: disable=`/`enable=`, `file-noqa:`.

A statement suppression covers the statement its comment belongs to: a comment on a line that
holds part of a statement belongs to that statement; a comment on a line of its own belongs to
the next statement. Our codes (and configured plugin prefixes) that suppress nothing, or that
are unknown, become DBA003; a bare `-- noqa` or other tools' codes are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import msgspec

from dbarch_lint.model.ir import Comment

_NOQA = re.compile(r"\bnoqa\s*:\s*(?P<codes>[\w\-]+(?:[\s,]+[\w\-]+)*)", re.I)
_FILE = re.compile(
    r"\bdbarch-lint\s*:\s*file-noqa\s*[:=]\s*(?P<codes>[\w\-]+(?:[\s,]+[\w\-]+)*)", re.I
)
_RANGE = re.compile(
    r"\bdbarch-lint\s*:\s*(?P<verb>disable|enable)\s*=\s*(?P<codes>[\w\-]+(?:[\s,]+[\w\-]+)*)", re.I
)


class Token(msgspec.Struct):
    """One code, prefix or rule name in a suppression, and whether it suppressed anything."""

    text: str
    used: bool = False


class Suppression(msgspec.Struct):
    """A suppression and the lines it covers (1-based, inclusive)."""

    kind: str  # "statement", "range" or "file"
    tokens: list[Token]
    comment: Comment
    first_line: int
    last_line: int = 10**9
    ended: bool = False


class Vocabulary:
    """What counts as one of our codes: rule codes and names, plus plugin code prefixes."""

    def __init__(
        self,
        codes: Sequence[str],
        names: dict[str, str],
        prefixes: Sequence[str],
        external: Sequence[str] = (),
    ) -> None:
        self.codes = tuple(codes)
        self.names = names  # rule name -> code
        self.prefixes = tuple(prefixes)
        self.external = tuple(external)  # other tools' codes that share one of our prefixes

    def is_ours(self, token: str) -> bool:
        """Whether a suppression token claims to be one of our codes or names."""
        upper = token.upper()
        if any(upper.startswith(e) for e in self.external):
            return False
        return token.lower() in self.names or any(upper.startswith(p) for p in self.prefixes)

    def is_known(self, token: str) -> bool:
        """Whether the token names at least one existing rule."""
        upper = token.upper()
        return token.lower() in self.names or any(code.startswith(upper) for code in self.codes)

    def matches(self, token: str, code: str, name: str) -> bool:
        """Whether a token covers a finding's code or rule name."""
        return code.startswith(token.upper()) or token.lower() == name


def _tokens(codes: str) -> list[Token]:
    return [Token(t) for t in re.split(r"[\s,]+", codes.strip()) if t]


def collect(
    comments: Sequence[Comment],
    line_of: Callable[[int], int],
    statement_lines: Callable[[], Sequence[tuple[int, int]]],
) -> list[Suppression]:
    """Every suppression in a file, with the lines each covers.

    `statement_lines()` gives the first and last line of each statement; it is called only if a
    statement suppression needs them.
    """
    found: list[Suppression] = []
    open_ranges: list[Suppression] = []
    lines: Sequence[tuple[int, int]] | None = None
    for comment in comments:
        line = line_of(comment.span.start)
        if match := _FILE.search(comment.text):
            found.append(Suppression("file", _tokens(match["codes"]), comment, 1))
        elif match := _RANGE.search(comment.text):
            tokens = _tokens(match["codes"])
            if match["verb"].lower() == "disable":
                suppression = Suppression("range", tokens, comment, line)
                found.append(suppression)
                open_ranges.append(suppression)
            else:
                wanted = {t.text.lower() for t in tokens}
                for suppression in open_ranges:
                    if (
                        not suppression.ended
                        and {t.text.lower() for t in suppression.tokens} & wanted
                    ):
                        suppression.last_line = line
                        suppression.ended = True
        elif match := _NOQA.search(comment.text):
            if lines is None:
                lines = statement_lines()
            first, last = _statement_for(line, comment.own_line, lines)
            found.append(Suppression("statement", _tokens(match["codes"]), comment, first, last))
    return found


def _statement_for(
    line: int, own_line: bool, statements: Sequence[tuple[int, int]]
) -> tuple[int, int]:
    for first, last in statements:
        if own_line and first < line < last:
            return first, last
        if not own_line and first <= line <= last:
            return first, last
    if own_line:
        following = [(f, last) for f, last in statements if f > line]
        if following:
            return min(following)
        return line + 1, line + 1
    return line, line
