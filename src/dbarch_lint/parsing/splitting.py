"""A small SQL lexer for what the parser cannot do itself.

It finds statement boundaries (when one statement fails to parse, the others are parsed alone),
psql meta-commands and `COPY ... FROM stdin` data (blanked out so the server grammar never sees
them), and `--` comments outside strings (where suppressions live). It understands comments,
quoted identifiers, standard and `E''` strings and dollar quotes; offsets are code points.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from dbarch_lint.model.regex import lazy

# Where something starts that the lexer must look at. Speed: an `E'` string is found by its quote
# (a `[eE]'` alternative would try a match at every letter e); the dollar-quote tag classes are
# written as negated ASCII sets ([A-Za-z_] or non-ASCII, then also digits): a literal
# `\x80-\U0010ffff` range costs milliseconds to compile.
_INTERESTING = lazy(
    r"""--|/\*|'|"|\$"""
    r"""(?:[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*)?\$"""
    r"""|\\|;"""
)
_STD_STRING_END = lazy(r"[^']*(?:''[^']*)*'")
_ESC_STRING_END = lazy(r"[^'\\]*(?:(?:''|\\.)[^'\\]*)*'", re.S)
_COPY_FROM_STDIN = lazy(r"\s*COPY\b.*\bFROM\s+STDIN\b", re.I | re.S)
_QUERY_SENDING_META = lazy(r"\\(g|gset|gexec|gx|gdesc|crosstabview|watch|;)\b|\\g")


class Lexed(NamedTuple):
    """The result of lexing one file (a NamedTuple: cheaper to define than a dataclass)."""

    text: str  # the input with meta-commands and COPY data replaced by spaces
    statements: tuple[tuple[int, int], ...]  # (start, end) of each `;`-terminated chunk
    comments: tuple[tuple[int, int], ...]  # (start, end) of each `--` comment


def lex(text: str) -> Lexed:
    """Split `text` into statement chunks, blanking psql meta-commands and COPY data."""
    # (start, end, replacement) of each blanked range, in order; only a text with a backslash
    # (a psql command) is blanked at all.
    blanks: list[tuple[int, int, str]] | None = [] if "\\" in text else None
    statements: list[tuple[int, int]] = []
    comments: list[tuple[int, int]] = []
    start = 0
    pos = 0
    n = len(text)
    search = _INTERESTING.search
    while pos < n:
        m = search(text, pos)
        if m is None:
            break
        tok = m.group()
        begin = m.start()
        if tok == "'" and begin > pos and text[begin - 1] in "eE":
            begin -= 1  # `E'`: the string may hold backslash escapes
            tok = text[begin] + tok
        pos = m.end()
        if tok == "--":
            # (PostgreSQL's scanner ends a `--` comment at LF or CR; two finds beat a regex)
            end = text.find("\n", pos)
            end = n if end == -1 else end
            carriage = text.find("\r", pos, end)
            end = end if carriage == -1 else carriage
            comments.append((begin, end))
            pos = end
        elif tok == ";":
            statements.append((start, begin))
            start = pos
            if _COPY_FROM_STDIN.match(text, statements[-1][0], statements[-1][1]):
                pos = _skip_copy_data(text, pos, blanks)
                start = pos
        elif tok == "'" or tok in ("e'", "E'"):
            if tok != "'" and begin > 0 and _is_ident_char(text[begin - 1]):
                tok = "'"  # the `e` ends an identifier: an ordinary string follows
            end_m = (_STD_STRING_END if tok == "'" else _ESC_STRING_END).match(text, pos)
            pos = n if end_m is None else end_m.end()
        elif tok == "/*":
            pos = _comment_end(text, pos)
        elif tok == '"':
            end = text.find('"', pos)
            while end != -1 and text.startswith('""', end):
                end = text.find('"', end + 2)
            pos = n if end == -1 else end + 1
        elif tok.startswith("$"):
            if begin > 0 and _is_ident_char(text[begin - 1]):
                pos = begin + 1  # a `$` inside an identifier, not a dollar quote
                continue
            end = text.find(tok, pos)
            pos = n if end == -1 else end + len(tok)
        else:  # "\\" (psql reads its commands a line at a time, up to LF)
            end = text.find("\n", begin)
            end = n if end == -1 else end
            if blanks is not None:
                if _QUERY_SENDING_META.match(text, begin) is not None:
                    blanks.append((begin, end, ";" + " " * (end - begin - 1)))
                    statements.append((start, begin))
                    start = begin + 1
                else:
                    blanks.append((begin, end, " " * (end - begin)))
            pos = end
    if text[start:].strip():
        statements.append((start, n))
    return Lexed(_blanked(text, blanks), tuple(statements), tuple(comments))


def _blanked(text: str, blanks: list[tuple[int, int, str]] | None) -> str:
    if not blanks:
        return text
    pieces = []
    done = 0
    for start, end, replacement in blanks:
        pieces.append(text[done:start])
        pieces.append(replacement)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _is_ident_char(char: str) -> bool:
    return char.isalnum() or char in "_$"


def _comment_end(text: str, pos: int) -> int:
    depth = 1
    while depth:
        close = text.find("*/", pos)
        if close == -1:
            return len(text)
        opening = text.find("/*", pos, close)
        if opening != -1:
            depth += 1
            pos = opening + 2
        else:
            depth -= 1
            pos = close + 2
    return pos


def _skip_copy_data(text: str, pos: int, blanks: list[tuple[int, int, str]] | None) -> int:
    """Skip the data lines after `COPY ... FROM stdin;`, up to and including `\\.`."""
    line_end = text.find("\n", pos)
    if line_end == -1:
        return len(text)
    data_start = line_end + 1
    match = re.compile(r"^\\\.[ \t\r]*$", re.M).search(text, data_start)
    end = len(text) if match is None else match.end()
    if blanks is not None:
        blanks.append((data_start, end, re.sub(r"[^\n]", " ", text[data_start:end])))
    return end


def needs_lexing(text: str) -> bool:
    """Whether the whole-file parse must not see this text as is (psql commands, COPY data)."""
    return "\\" in text
