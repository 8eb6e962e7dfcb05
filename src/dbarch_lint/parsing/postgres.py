"""The PostgreSQL parser: libpg_query (through pglast) to IR statements.

Speed matters, so the whole file goes through `parse_sql_json` once and is decoded with msgspec;
only when that fails (a syntax error, psql meta-commands) is the file split into statements that
are parsed one by one, so one bad statement never hides the others.
"""

from __future__ import annotations

import re

import msgspec
from pglast import parser as pg

from dbarch_lint.ir import Comment, Diagnostic, ParsedFile, Span, Statement
from dbarch_lint.parsing.pg_lower import decode_node, lower_statement
from dbarch_lint.parsing.pg_nodes import Where
from dbarch_lint.parsing.splitting import lex, needs_lexing
from dbarch_lint.source import SourceFile


class _RawStatement(msgspec.Struct):
    """One statement of libpg_query's output; its node is decoded only if it is lowered."""

    stmt: dict[str, msgspec.Raw]  # {node kind: node}
    stmt_location: int = 0
    stmt_len: int = 0


class _ParseResult(msgspec.Struct):
    stmts: list[_RawStatement] = []


_JSON = msgspec.json.Decoder(_ParseResult)
_SUPPRESSION_HINT = re.compile(r"noqa|dbarch-lint", re.I)
_LEADING_NOISE = re.compile(rb"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)


def parse_postgres(source: SourceFile) -> ParsedFile:
    """Parse one file into statements, diagnostics and suppression comments."""
    text = source.text
    diagnostics: list[Diagnostic] = []
    lexed = None
    # The whole file at once, as it is: a backslash outside a literal (a psql command, COPY
    # data) is a syntax error, so a file that parses has none, whatever its strings hold.
    statements = _whole_file(source, text, diagnostics)
    if statements is None and needs_lexing(text):
        lexed = lex(text)  # psql commands and COPY data blanked out, offsets kept
        if len(lexed.text.encode("utf-8")) == len(source.data):
            statements = _whole_file(source, lexed.text, diagnostics)
    if statements is None:  # statement by statement, so one bad statement hides nothing
        lexed = lexed or lex(text)
        statements = []
        for start, end in lexed.statements:
            chunk = lexed.text[start:end]
            if not chunk.strip():
                continue
            byte_start = source.char_to_byte(start)
            limit = byte_start + len(chunk.encode("utf-8"))
            try:
                raws = _parse_json(chunk)
            except pg.ParseError as error:
                diagnostics.append(_syntax_error(source, error, start, chunk))
                statements.append(_unparsed(source, byte_start, limit, len(statements)))
                continue
            except (msgspec.DecodeError, RecursionError):
                diagnostics.append(_too_deep(source, byte_start, chunk))
                statements.append(_unparsed(source, byte_start, limit, len(statements)))
                continue
            statements.extend(
                _lower_all(source, raws, byte_start, limit, diagnostics, len(statements))
            )
    comments = _comments(source, lexed.comments if lexed else None)
    return ParsedFile(tuple(statements), tuple(diagnostics), comments)


def _whole_file(
    source: SourceFile, text: str, diagnostics: list[Diagnostic]
) -> list[Statement] | None:
    """The file's statements from one parse of `text` (None if it does not parse)."""
    found: list[Diagnostic] = []
    try:
        statements = _lower_all(source, _parse_json(text), 0, len(source.data), found, 0)
    except (pg.ParseError, msgspec.DecodeError, RecursionError):
        return None
    diagnostics.extend(found)
    return statements


def _parse_json(text: str) -> list[_RawStatement]:
    # Too deep a tree fails here as with a full decode: skipping a node checks depth too.
    return _JSON.decode(pg.parse_sql_json(text)).stmts


def _lower_all(
    source: SourceFile,
    raws: list[_RawStatement],
    base: int,
    limit: int,
    diagnostics: list[Diagnostic],
    first_index: int,
) -> list[Statement]:
    statements: list[Statement] = []
    data = source.data
    for raw in raws:
        start = base + raw.stmt_location
        length = raw.stmt_len
        end = start + length if length else limit
        where = Where(base, data, end)
        start = _LEADING_NOISE.match(data, start, end).end()  # type: ignore[union-attr]
        end = _trim_end(data, start, end)
        span = Span(start, end)
        [(node_kind, body)] = raw.stmt.items()
        try:
            events, problem = lower_statement(node_kind, decode_node(node_kind, body), span, where)
        except RecursionError:
            events, problem = (), "Statement is nested too deeply to analyse; it was not checked"
        if problem is not None:
            diagnostics.append(Diagnostic("DBA002", problem, span))
        statements.append(Statement(first_index + len(statements), span, node_kind, events))
    return statements


def _unparsed(source: SourceFile, start: int, end: int, index: int) -> Statement:
    """A statement that could not be parsed: no events, but a span (suppressions map to it)."""
    start = _LEADING_NOISE.match(source.data, start, end).end()  # type: ignore[union-attr]
    return Statement(index, Span(start, _trim_end(source.data, start, end)), "Unparsed", ())


def _trim_end(data: bytes, start: int, end: int) -> int:
    while end > start and data[end - 1] in b" \n\r\t;":
        end -= 1
    return end


_HINTS = (
    (
        re.compile(r"\bUNIQUE\s*\([^)]*\)\s*WHERE\b", re.I | re.S),
        "a partial unique constraint cannot be declared inside CREATE TABLE: "
        "use CREATE UNIQUE INDEX name ON table (columns) WHERE ...",
    ),
    (
        re.compile(r"\bCREATE\s+INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+ON\b", re.I),
        "IF NOT EXISTS needs an index name",
    ),
    (
        re.compile(r"\bAUTO_INCREMENT\b|`", re.I),
        "this looks like MySQL: set --dialect mysql, or use GENERATED ALWAYS AS IDENTITY and "
        "double quotes for identifiers",
    ),
)


def _syntax_error(
    source: SourceFile, error: pg.ParseError, chunk_start: int, chunk: str
) -> Diagnostic:
    message = str(error.args[0]) if error.args else "syntax error"
    offset = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else 0
    position = source.char_to_byte(chunk_start + max(0, min(offset, len(chunk))))
    hint = next((h for pattern, h in _HINTS if pattern.search(chunk)), None)
    return Diagnostic("DBA001", message[:1].upper() + message[1:], Span.at(position, "word"), hint)


def _too_deep(source: SourceFile, start: int, chunk: str) -> Diagnostic:
    stripped = chunk.lstrip()
    position = start + len(chunk.encode()) - len(stripped.encode())
    return Diagnostic(
        "DBA002",
        "Statement is nested too deeply to analyse; it was not checked",
        Span.at(position, "word"),
    )


def _comments(source: SourceFile, known: tuple[tuple[int, int], ...] | None) -> tuple[Comment, ...]:
    """The `--` comments that may hold suppressions (only searched for when the text has one)."""
    text = source.text
    # Speed: a case-insensitive regex search over the whole text is slow; most files have no
    # hint, which substring tests in the lower-cased bytes show much faster (and most have no
    # `q` at all, which is faster still to see). Under re.I the letters of "noqa" and
    # "dbarch-l" match only ASCII letters, so this misses nothing.
    lowered = source.data.lower()
    if not (b"q" in lowered and b"noqa" in lowered) and b"dbarch-l" not in lowered:
        return ()
    if not _SUPPRESSION_HINT.search(text):
        return ()
    spans = known if known is not None else lex(text).comments
    comments = []
    for start, end in spans:
        body = text[start:end]
        if not _SUPPRESSION_HINT.search(body):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        own_line = not text[line_start:start].strip()
        span = Span(source.char_to_byte(start), source.char_to_byte(end))
        comments.append(Comment(span, body, own_line))
    return tuple(comments)
