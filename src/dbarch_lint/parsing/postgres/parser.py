"""The PostgreSQL parser: libpg_query (through pglast) to IR statements.

Speed matters, so the whole file goes through `parse_sql_json` once and is decoded with msgspec;
only when that fails (a syntax error, psql meta-commands) is the file split into statements that
are parsed one by one, so one bad statement never hides the others.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeVar

import msgspec
from pglast import parser as pg

from dbarch_lint.model.ir import (
    Alternative,
    Comment,
    Diagnostic,
    ParsedFile,
    Span,
    Statement,
    Within,
)
from dbarch_lint.model.regex import lazy
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.comments import may_hold_suppressions, suppression_comments
from dbarch_lint.parsing.postgres.lower import decode_node, lower_statement
from dbarch_lint.parsing.postgres.nodes import Node, Where
from dbarch_lint.parsing.splitting import lex, needs_lexing

if TYPE_CHECKING:
    from dbarch_lint.parsing.postgres.bodies import Mapping


class _RawStatement(msgspec.Struct):
    """One statement of libpg_query's output; its node is decoded only if it is lowered."""

    stmt: dict[str, msgspec.Raw]  # {node kind: node}
    stmt_location: int = 0
    stmt_len: int = 0


class _ParseResult(msgspec.Struct):
    stmts: list[_RawStatement] = []


_JSON = msgspec.json.Decoder(_ParseResult)
_NODE = msgspec.json.Decoder()
_LEADING_NOISE = lazy(rb"(?:\s+|--[^\n\r]*|/\*.*?\*/)*", re.S)
# The bytes `_LEADING_NOISE` can begin with (whitespace as bytes' `\s` has it, comments): a
# statement that starts with none of them has no leading noise.
_NOISE_STARTS = frozenset((b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"-", b"/"))


def parse_postgres(source: SourceFile) -> ParsedFile:
    """Parse one file into statements, diagnostics and suppression comments."""
    text = source.text
    lexed = None
    # The whole file at once, as it is: a backslash outside a literal (a psql command, COPY
    # data) is a syntax error, so a file that parses has none, whatever its strings hold.
    out = _whole_file(source, text)
    if out is None and needs_lexing(text):
        lexed = lex(text)  # psql commands and COPY data blanked out, offsets kept
        if len(lexed.text.encode("utf-8")) == len(source.data):
            out = _whole_file(source, lexed.text)
    if out is None:  # statement by statement, so one bad statement hides nothing
        lexed = lexed or lex(text)
        out = _Lowered()
        for start, end in lexed.statements:
            chunk = lexed.text[start:end]
            if not chunk.strip():
                continue
            byte_start = source.char_to_byte(start)
            limit = byte_start + len(chunk.encode("utf-8"))
            try:
                raws = _parse_json(chunk)
            except pg.ParseError as error:
                out.diagnostics.append(_syntax_error(source, error, start, chunk))
                out.statements.append(_unparsed(source, byte_start, limit, len(out.statements)))
                continue
            except (msgspec.DecodeError, RecursionError):
                out.diagnostics.append(_too_deep(source, byte_start, chunk))
                out.statements.append(_unparsed(source, byte_start, limit, len(out.statements)))
                continue
            _lower_all(out, source.data, raws, byte_start, limit)
    comments = _comments(source, lexed.comments if lexed else None)
    return ParsedFile(tuple(out.statements), tuple(out.diagnostics), comments, tuple(out.bodies))


class _Lowered(msgspec.Struct):
    """What lowering a file gathers (`first`: the index of the first of `statements`)."""

    first: int = 0
    conditionals: int = 0  # conditionals numbered so far (their numbers are unique in a file)
    # Functions and procedures the file creates, by name, until one is called (CALL f(), or
    # SELECT f()): then its body runs now, and is lowered at the call as a DO block's is.
    functions: dict[str, tuple[Node, int, Span, int]] = msgspec.field(default_factory=dict)
    statements: list[Statement] = msgspec.field(default_factory=list)
    bodies: list[Statement] = msgspec.field(default_factory=list)
    diagnostics: list[Diagnostic] = msgspec.field(default_factory=list)


def _whole_file(source: SourceFile, text: str) -> _Lowered | None:
    """The file's statements from one parse of `text` (None if it does not parse)."""
    out = _Lowered()
    try:
        _lower_all(out, source.data, _parse_json(text), 0, len(source.data))
    except (pg.ParseError, msgspec.DecodeError, RecursionError):
        return None
    return out


def _parse_json(text: str) -> list[_RawStatement]:
    # Too deep a tree fails here as with a full decode: skipping a node checks depth too.
    return _JSON.decode(pg.parse_sql_json(text)).stmts


_BODY_KINDS = frozenset(("DoStmt", "CreateFunctionStmt"))
# Statements not kept: transaction control inside a body (PL/pgSQL refuses to run it; its own
# COMMIT is no SQL statement), and a function body's queries and data changes (only its DDL
# and grants are checked).
_SKIPPED: dict[Within, frozenset[str]] = {
    "": frozenset(),
    "do": frozenset(("TransactionStmt",)),
    "function": frozenset(
        ("TransactionStmt", "SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")
    ),
}
_MAX_NESTING = 4  # DO blocks and EXECUTEd strings inside each other
_TOO_DEEP = "Statement is nested too deeply to analyse; it was not checked"


def _lower_all(
    out: _Lowered,
    data: bytes,
    raws: list[_RawStatement],
    base: int,
    limit: int,
    within: Within = "",
    holder: int = -1,
    depth: int = 0,
    branch: tuple[Alternative, ...] = (),
) -> None:
    """Lower `raws`, parsed from `data[base:limit]`, into `out` (offsets into `data`).

    Statements of DO blocks and function bodies are lowered after the statement that holds
    them; `within` says where the statements of `raws` are, and `holder` is the index of the
    statement that holds a function body's statements; `branch` the conditional alternatives
    they sit in.
    """
    in_function = within == "function"
    kept = out.bodies if in_function else out.statements
    skipped = _SKIPPED[within]
    for raw in raws:
        [(node_kind, body)] = raw.stmt.items()
        if node_kind in skipped:
            continue
        start = base + raw.stmt_location
        length = raw.stmt_len
        end = start + length if length else limit
        where = Where(base, data, end)
        if data[start : start + 1] in _NOISE_STARTS:  # (libpg_query's start is mostly a token's)
            start = _LEADING_NOISE.match(data, start, end).end()  # type: ignore[union-attr]
        while end > start and data[end - 1] in b" \n\r\t;":  # (`_trim_end`, without a call)
            end -= 1
        span = Span(start, end)
        node = decode_node(node_kind, body)
        try:
            events, problem = lower_statement(node_kind, node, span, where)
        except RecursionError:
            events, problem = (), _TOO_DEEP
        if problem is not None and not in_function:
            out.diagnostics.append(Diagnostic("DBA002", problem, span))
        index = holder if in_function else out.first + len(kept)
        kept.append(Statement(index, span, node_kind, events, within, branch))
        if out.functions and node_kind in _CALLS and not in_function:
            called = out.functions.pop(_called(_NODE.decode(body)) or "", None)
            if called is not None and depth < _MAX_NESTING:
                function, function_base, function_span, holder_index = called
                out.bodies = [b for b in out.bodies if b.index != holder_index]
                _lower_body(
                    out,
                    data,
                    "CreateFunctionStmt",
                    function,
                    function_base,
                    function_span,
                    "do",
                    index,
                    depth,
                    branch,
                    runs_now=True,
                )
            continue
        if node_kind not in _BODY_KINDS:
            continue
        if node_kind == "CreateFunctionStmt" and not in_function:
            name = _function_name(node)
            if name is not None:
                out.functions[name] = (node, base, span, index)
        if depth < _MAX_NESTING:
            if node_kind == "DoStmt":
                node = _NODE.decode(body)
            _lower_body(out, data, node_kind, node, base, span, within, index, depth, branch)
        elif node_kind == "DoStmt" and not in_function:
            message = (
                f"This DO block is nested in {depth} others (through EXECUTEd strings); it was "
                "not linted (nested too deep)"
            )
            hint = "check it by hand, or unnest it so that it can be linted"
            out.diagnostics.append(Diagnostic("DBA002", message, Span.at(span.start, "word"), hint))


def _lower_body(
    out: _Lowered,
    data: bytes,
    kind: str,
    node: Node,
    base: int,
    span: Span,
    within: Within,
    index: int,
    depth: int,
    branch: tuple[Alternative, ...] = (),
    runs_now: bool = False,
) -> None:
    """Lower the statements of a DO block or function body (offsets into `data`); `branch` is
    where the statement that holds it sits; `runs_now`: a function's body, called here."""
    from dbarch_lint.parsing.postgres.bodies import body_of  # (on first use: most files have none)

    body = body_of(kind, node, data, base, span, within, runs_now)
    if body is None:
        return
    if body.problem is not None:
        out.diagnostics.append(body.problem)
    out.diagnostics.extend(body.notes)
    first = out.conditionals  # (the body's conditionals, numbered from here on in the file)
    out.conditionals += 1 + max(
        (a.conditional for piece in body.pieces for a in piece.branch), default=-1
    )
    for piece in body.pieces:
        mapping = piece.mapping
        inside = branch + tuple(
            msgspec.structs.replace(a, conditional=first + a.conditional) for a in piece.branch
        )
        try:
            raws = _parse_json(piece.sql)
        except pg.ParseError:
            continue  # (PL/pgSQL checked its statements; an EXECUTEd string may be a fragment)
        except (msgspec.DecodeError, RecursionError):
            if body.within == "do":
                out.diagnostics.append(
                    Diagnostic("DBA002", _TOO_DEEP, mapping.span(Span.at(0, "word")))
                )
            continue
        if mapping.verbatim:
            start = mapping.points[0][1]
            limit = start + len(piece.sql.encode("utf-8"))
            _lower_all(out, data, raws, start, limit, body.within, index, depth + 1, inside)
            continue
        # Not written as it reads (doubled quotes): lower it on its own, then map it back.
        inner = _Lowered(out.first + len(out.statements), out.conditionals)
        own = piece.sql.encode("utf-8")
        _lower_all(inner, own, raws, 0, len(own), body.within, index, depth + 1, inside)
        out.conditionals = inner.conditionals
        out.statements.extend(_mapped(s, mapping) for s in inner.statements)
        out.bodies.extend(_mapped(s, mapping) for s in inner.bodies)
        out.diagnostics.extend(_mapped(d, mapping) for d in inner.diagnostics)


_CALLS = frozenset(("CallStmt", "SelectStmt"))


def _called(node: Node) -> str | None:
    """The function a `CALL f(...)` or a `SELECT f(...)` with nothing else calls."""
    call = node.get("funccall")
    if call is None:
        targets: list[Node] = node.get("targetList") or []
        if len(targets) != 1 or node.get("fromClause"):
            return None
        call = targets[0].get("ResTarget", {}).get("val", {}).get("FuncCall")
    else:
        call = call.get("FuncCall", call)
    names = (call or {}).get("funcname") or ()
    return _last_name(names)


def _function_name(node: Node) -> str | None:
    return _last_name(node.get("funcname") or ())


def _last_name(names: object) -> str | None:
    if not isinstance(names, list) or not names:
        return None
    name = names[-1].get("String", {}).get("sval") if isinstance(names[-1], dict) else None
    return name if isinstance(name, str) else None


_R = TypeVar("_R")


def _mapped(record: _R, mapping: Mapping) -> _R:
    """`record` with every span in it mapped into the enclosing text."""
    if isinstance(record, Span):
        return mapping.span(record)  # type: ignore[return-value]
    if isinstance(record, msgspec.Struct):
        changes = {}
        for name in record.__struct_fields__:
            value = getattr(record, name)
            if isinstance(value, (msgspec.Struct, tuple)):
                new = _mapped(value, mapping)
                if new is not value:
                    changes[name] = new
        return msgspec.structs.replace(record, **changes) if changes else record
    if isinstance(record, tuple) and record and isinstance(record[0], (msgspec.Struct, tuple)):
        return tuple(_mapped(item, mapping) for item in record)  # type: ignore[return-value]
    return record


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
        lazy(r"\bUNIQUE\s*\([^)]*\)\s*WHERE\b", re.I | re.S),
        "a partial unique constraint cannot be declared inside CREATE TABLE: "
        "use CREATE UNIQUE INDEX name ON table (columns) WHERE ...",
    ),
    (
        lazy(r"\bCREATE\s+INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+ON\b", re.I),
        "IF NOT EXISTS needs an index name",
    ),
    (
        lazy(r"\bAUTO_INCREMENT\b|`", re.I),
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
    return Diagnostic("DBA002", _TOO_DEEP, Span.at(position, "word"))


def _comments(source: SourceFile, known: tuple[tuple[int, int], ...] | None) -> tuple[Comment, ...]:
    """The `--` comments that may hold suppressions (only searched for when the text has one)."""
    if not may_hold_suppressions(source):
        return ()
    return suppression_comments(source, known if known is not None else lex(source.text).comments)
