"""Source text, positions and spans.

Offsets inside the tool are UTF-8 byte offsets into the file's text (what libpg_query reports);
users see 1-based lines and columns counted in Unicode code points. `SourceFile` converts.

A line ends at LF, CR or CR LF (one break), as PostgreSQL's scanner ends a `--` comment at LF or
CR: a file has the same lines, and its findings the same places, whichever way it was saved.
"""

from __future__ import annotations

import bisect
import itertools
import re
from bisect import bisect_right

import msgspec

from dbarch_lint.model.regex import lazy

LINE_BREAK = lazy(r"\r\n?|\n")
_LINE_BREAK = lazy(rb"\r\n?|\n")


def line_starts(data: bytes) -> list[int]:
    """The byte offset where each line of `data` starts."""
    if b"\r" in data:
        return [0, *(match.end() for match in _LINE_BREAK.finditer(data))]
    # (most files: splitting at LF, with no Python code run per line, is many times faster;
    # bytes split into lines only at LF and CR, and keep them: no `+ 1` per line either)
    starts = list(itertools.accumulate(map(len, data.splitlines(True)), initial=0))
    if data[-1:] not in (b"\n", b""):
        starts.pop()  # (the end of the last line, which no line break ends, starts none)
    return starts


class Position(msgspec.Struct, frozen=True, gc=False):
    """A 1-based line and column (code points); `end_column` in ranges is exclusive.

    A msgspec struct, like the IR records: cheaper to build than a frozen dataclass.
    """

    line: int
    column: int


class SourceFile:
    """One input file's text with a byte-offset line index.

    (A plain class, not a dataclass: a dataclass's methods are compiled when its class is made,
    on every start of the command line.)"""

    __slots__ = ("_ascii", "_line_starts", "_size", "data", "path", "text")
    __match_args__ = ("path", "text")
    __hash__ = None  # type: ignore[assignment]  # (mutable, compared by value)

    def __init__(self, path: str, text: str) -> None:
        self.path = path  # as reported: relative POSIX path, or the stdin name
        self.text = text
        # The text encoded as UTF-8 (offsets refer to this). A plain attribute, not a property:
        # positions read it for every finding.
        self.data = text.encode("utf-8")
        self._size = len(self.data)
        self._ascii = text.isascii()  # (then a byte offset is a character offset)
        # Built on the first position asked for: many files never need one.
        self._line_starts: list[int] | None = None

    def __repr__(self) -> str:
        return f"SourceFile(path={self.path!r}, text={self.text!r})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, SourceFile)
        return (self.path, self.text) == (other.path, other.text)

    def char_to_byte(self, char_offset: int) -> int:
        """Convert a code-point offset into the text to a UTF-8 byte offset."""
        if self._ascii:
            return char_offset
        return len(self.text[:char_offset].encode("utf-8"))

    def position(self, offset: int) -> Position:
        """The 1-based line/column of a byte offset (clamped into the file)."""
        line, column = self.line_column(offset)
        return Position(line, column)

    def line_column(self, offset: int) -> tuple[int, int]:
        """`position` as a plain tuple (cheaper, for the engine's many findings)."""
        size = self._size
        offset = size if offset > size else 0 if offset < 0 else offset
        line_starts = self._lines()
        index = bisect.bisect_right(line_starts, offset) - 1
        start = line_starts[index]
        if self._ascii:
            column = offset - start
        else:
            column = len(self.data[start:offset].decode("utf-8", errors="ignore"))
        return index + 1, column + 1

    def line_columns(self, start: int, end: int) -> tuple[int, int, int, int]:
        """`line_column` of two offsets at once, `start` <= `end` (cheaper than two calls: the
        line index is read once, and the end is looked for from the start's line on)."""
        # (clamped into the file only when out of it: `max(0, min(...))` is four builtin calls
        # of ~1,800 instructions each, and the engine asks this of every finding and edit)
        size = self._size
        if not 0 <= start <= end <= size:
            start = size if start > size else 0 if start < 0 else start
            end = size if end > size else 0 if end < 0 else end
        line_starts = self._line_starts
        if line_starts is None:
            line_starts = self._lines()
        # (the bisections give the 1-based line numbers: the line's start is the one before)
        line = bisect_right(line_starts, start)
        line_start = line_starts[line - 1]
        # (a bisection from the start's line costs fewer bytecodes than testing the next line)
        end_line = bisect_right(line_starts, end, line - 1)
        end_start = line_starts[end_line - 1]
        if self._ascii:
            return line, start - line_start + 1, end_line, end - end_start + 1
        data = self.data
        return (
            line,
            len(data[line_start:start].decode("utf-8", errors="ignore")) + 1,
            end_line,
            len(data[end_start:end].decode("utf-8", errors="ignore")) + 1,
        )

    def line_of(self, offset: int) -> int:
        """The 1-based line number of a byte offset."""
        return bisect.bisect_right(self._lines(), offset)

    def _lines(self) -> list[int]:
        """The byte offset where each line starts."""
        if self._line_starts is None:
            self._line_starts = line_starts(self.data)
        return self._line_starts


# One SQL token in UTF-8 bytes: whitespace and comments, literals (with their E/B/X/N/U&
# prefixes), dollar-quoted bodies and parameters (group `skip`: never identifiers), quoted and
# bare identifiers, numbers, or any other single byte. Literals come before bare words so that a
# prefix letter is not taken for an identifier. Unterminated ones run to the end.
SQL_TOKEN = lazy(
    rb"""(?P<skip>\s+|--[^\n\r]*|/\*.*?(?:\*/|\Z)"""
    rb"""|(?:[eE]'(?:[^'\\]|''|\\.)*'?)|(?:(?:[bBxXnN]|[uU]&)?'(?:[^']|'')*'?)"""
    rb"""|\$(?P<tag>(?:[A-Za-z_\x80-\xff][\w\x80-\xff]*)?)\$.*?(?:\$(?P=tag)\$|\Z)|\$\d+)"""
    rb"""|(?:[uU]&)?"(?P<quoted>(?:[^"]|"")*)"?"""
    rb"""|(?P<word>[A-Za-z_\x80-\xff][\w$\x80-\xff]*)"""
    rb"""|\d+(?:\.\d*)?|.""",
    re.S,
)
_TYPE_STOP_WORDS = frozenset(
    b"not null default constraint primary unique references check collate generated using "
    b"with without".split()
)


# What ends a run of plain text: a bracket, comma or semicolon, or anything that may start a
# literal, a quoted identifier, a dollar quote or a comment. A run's tokens are whitespace, bare
# words, numbers and single bytes, none of which runs past it.
_NOT_PLAIN = lazy(rb"[()\[\],;'\"$\-/]")
# A bracketed run of plain text (commas and semicolons allowed: inside brackets they end
# nothing), which `_plain_extent_end` steps over at once.
_PLAIN_GROUP = lazy(rb"\([^()\[\]'\"$\-/]*\)|\[[^()\[\]'\"$\-/]*\]")
_STOP_WORDS = b"|".join(sorted(_TYPE_STOP_WORDS))
# From where it is asked, the first bare word that may end a type, as `SQL_TOKEN` reads words
# (one starts at a letter, `_` or a byte past ASCII): the words before it are stepped over in C.
# (Possessive: a word is never taken apart to find a stop word in it; lazy: the first one.)
_TYPE_STOP_WORD = lazy(
    rb"(?i)(?:[^A-Za-z_\x80-\xff]++|[A-Za-z_\x80-\xff][\w$\x80-\xff]*+)*?"
    rb"(?P<word>" + _STOP_WORDS + rb")(?![\w$\x80-\xff])"
)
# A standard string or a quoted identifier, from its opening quote (as SQL_TOKEN reads them).
_QUOTED = {ord("'"): lazy(rb"'(?:[^']|'')*'?"), ord('"'): lazy(rb'"(?:[^"]|"")*"?')}


def extent_end(data: bytes, start: int, extent: str) -> int:
    """Where a construct that starts at `start` ends (exclusive byte offset).

    `word`: one name, possibly qualified and quoted; `type`: a type expression; `clause`: up to
    the next comma or closing parenthesis at the same nesting depth (or the statement's end).
    """
    # Speed: a third of the ends asked for in a run were asked for before (several findings on
    # one clause), and a long clause is read a run at a time in Python: the ends are kept for
    # the text last asked about (one text: findings come file by file). (Threads each see the
    # answers of their own text: the pair is replaced whole, never changed for another text.)
    global _ENDS
    text, ends = _ENDS
    if text is not data:
        ends = {}
        _ENDS = (data, ends)
    key = (start, extent)
    if key in ends:
        return ends[key]
    end = None
    if extent in ("type", "clause"):
        # Most types and clauses are plain text, read a run at a time; anything else is read a
        # token at a time.
        end = _plain_extent_end(data, start, extent == "type")
    if end is None:
        end = _token_extent_end(data, start, extent)
    ends[key] = end
    return end


_ENDS: tuple[bytes, dict[tuple[int, str], int]] = (b"", {})  # extent_end's answers, for a text


def _plain_extent_end(data: bytes, start: int, is_type: bool) -> int | None:
    """`extent_end` of a type or clause that is plain text up to its end; None if it is not."""
    depth = 0
    end = position = start  # (`end`: past the last byte of the construct read so far)
    while True:
        for special in _NOT_PLAIN.finditer(data, position):
            stop = special.start()
            if is_type and depth == 0 and stop > position:
                found = _type_stop(data, start, position, stop, end)
                if found:
                    return found if found > 0 else None
            byte = data[stop]
            if byte in b"([":
                group = _PLAIN_GROUP.match(data, stop)
                if group is not None:  # (stepped over whole: it holds nothing to look at)
                    end = position = group.end()
                    break
                depth += 1
            elif byte in b")]":
                if depth == 0:
                    text = data[position:stop].rstrip()
                    return position + len(text) if text else end
                depth -= 1
            elif byte in b",;":
                if depth == 0:
                    text = data[position:stop].rstrip()
                    return position + len(text) if text else end
            elif byte in _QUOTED and data[stop - 1 : stop] not in (b"e", b"E"):
                # One token (not an E'' string: its backslashes escape), as in a CHECK or a name;
                # the search goes on after it.
                end = position = _QUOTED[byte].match(data, stop).end()  # type: ignore[union-attr]
                break
            else:
                return None
            end = position = stop + 1
        else:  # (plain to the end of the text)
            stop = len(data)
            if is_type and depth == 0 and stop > position:
                found = _type_stop(data, start, position, stop, end)
                if found:
                    return found if found > 0 else None
            text = data[position:stop].rstrip()
            return position + len(text) if text else end


def _type_stop(data: bytes, start: int, position: int, stop: int, end: int) -> int:
    """Where a type ends at a word of the plain run `data[position:stop]` that cannot be part of
    it (`NOT`, `DEFAULT` ...); 0 if it goes on past the run, -1 if the run must be read token by
    token (`end`: where the type read so far ends)."""
    at = position
    while (word := _TYPE_STOP_WORD.match(data, at, stop)) is not None:
        word_start, at = word.span("word")
        if at == stop and data[stop : stop + 1] == b"$":
            return -1  # the word goes on (`not$1` is one word): read it token by token
        before = data[position:word_start].rstrip()  # (whitespace is not a token)
        word_start_end = position + len(before) if before else end
        # (only `with` and `without` may go on: the other words are not asked about in a call)
        if word_start_end > start:
            token = word.group("word").lower()
            if token not in _CONTINUING or not _continues_type(data, start, word_start, token):
                return word_start_end
    return 0


def _token_extent_end(data: bytes, start: int, extent: str) -> int:
    depth = 0
    end = start
    expect_name = True
    for match in SQL_TOKEN.finditer(data, start):
        token = match.group()
        if token.isspace() or token.startswith((b"--", b"/*")):
            continue
        if extent == "word":
            if expect_name and (token[:1].isalnum() or token[:1] in b'_"' or token[0] >= 0x80):
                end, expect_name = match.end(), False
                continue
            if not expect_name and token == b".":
                expect_name = True
                continue
            return end
        if token in (b"(", b"["):
            depth += 1
        elif token in (b")", b"]"):
            if depth == 0:
                return end
            depth -= 1
        elif (depth == 0 and token in (b",", b";")) or (
            extent == "type"
            and depth == 0
            and end > start
            and token.lower() in _TYPE_STOP_WORDS
            and not _continues_type(data, start, match.start(), token.lower())
        ):
            return end
        end = match.end()
    return end


_CONTINUING = (b"with", b"without")  # stop words that may be part of the type instead


def _continues_type(data: bytes, start: int, at: int, word: bytes) -> bool:
    # `timestamp with time zone`, `time without time zone` and `character varying` are one type.
    if word in _CONTINUING:
        return re.match(rb"(?i)\s*(with|without)\s+time\s+zone", data[at : at + 40]) is not None
    return False
