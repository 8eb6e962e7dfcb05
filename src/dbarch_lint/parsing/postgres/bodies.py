"""The SQL inside `DO` blocks and function bodies, and where each statement of it sits.

A body is a string literal; its statements are found with pglast's PL/pgSQL parser (which gives
each statement's SQL text and line) or, for `LANGUAGE sql`, are the string itself. Each comes
back as a `Piece`: SQL text to parse, and a `Mapping` from its byte offsets to offsets in the
text the literal was read from (the file, or an enclosing piece), so the parser can lower it like
any other statement. `EXECUTE` of a plain string literal (or a concatenation of literals) is a
piece too. A function body that does not parse, or whose literal cannot be mapped, yields
nothing. A DO block runs now, so its body is never passed over in silence: one PL/pgSQL rejects
is DBA001 (PostgreSQL refuses the whole block), one too deep to read DBA002.
"""

from __future__ import annotations

import bisect
import itertools
import re
from typing import Any, Literal, NamedTuple

import msgspec
from pglast import parser as pg

from dbarch_lint.model.ir import Alternative, Diagnostic, Guard, Span, Within, quote_ident
from dbarch_lint.model.regex import lazy
from dbarch_lint.parsing.postgres.guards import guards, negated
from dbarch_lint.parsing.postgres.nodes import Node

Nested = Literal["do", "function"]  # where a body's statements are (ir.Within but "")


class Mapping(NamedTuple):
    """Where the bytes of a piece sit in the enclosing text.

    `points` are (piece offset, enclosing offset) pairs in ascending order; the bytes from one
    point to the next are copied verbatim (a doubled quote `''` in a literal ends a run). With
    `exact` false, every offset maps to the first point (the statement could not be found).
    """

    points: tuple[tuple[int, int], ...]
    exact: bool = True

    @property
    def verbatim(self) -> bool:
        """Whether the piece is one verbatim run of the enclosing text."""
        return self.exact and len(self.points) == 1

    def to_outer(self, offset: int) -> int:
        """The enclosing-text offset of a piece offset."""
        points = self.points
        if not self.exact:
            return points[0][1]
        index = bisect.bisect_right(points, (offset, 1 << 62)) - 1
        inner, outer = points[max(index, 0)]
        return outer + offset - inner

    def span(self, span: Span) -> Span:
        """A piece span in the enclosing text (an end maps from the byte before it)."""
        start = self.to_outer(span.start)
        end = self.to_outer(span.end - 1) + 1 if span.end > span.start else start
        return Span(start, end, span.extent)

    def sub(self, start: int) -> Mapping:
        """The mapping of the piece's bytes from `start` on."""
        if not self.exact:
            return self
        points = [(0, self.to_outer(start))]
        points.extend((inner - start, outer) for inner, outer in self.points if inner > start)
        return Mapping(tuple(points))

    def then(self, outer: Mapping) -> Mapping:
        """This mapping followed by `outer` (from the enclosing text to its own enclosing text)."""
        if not (self.exact and outer.exact):
            return Mapping(((0, outer.to_outer(self.to_outer(0))),), exact=False)
        points: list[tuple[int, int]] = []
        ends = [p[0] for p in self.points[1:]] + [1 << 62]
        for (inner, middle), next_inner in zip(self.points, ends, strict=True):
            points.append((inner, outer.to_outer(middle)))
            for breakpoint_, target in outer.points:
                if middle < breakpoint_ < middle + (next_inner - inner):
                    points.append((inner + breakpoint_ - middle, target))
        return Mapping(tuple(points))


class Piece(NamedTuple):
    """SQL to parse and lower, and where its bytes sit in the enclosing text."""

    sql: str
    mapping: Mapping
    branch: tuple[Alternative, ...] = ()  # (conditional numbers local to the body)


class Body(NamedTuple):
    """What a DO block or function body holds: its SQL statements, or why a DO block's body
    could not be read. (Text inside a body is never a suppression comment: INTERFACE.md,
    "Suppressions".)"""

    within: Nested
    pieces: list[Piece]
    problem: Diagnostic | None = None
    notes: tuple[Diagnostic, ...] = ()  # (what else the statements of a DO block hide)


# Speed: most function bodies hold no statement the body rules look at (they read and write
# data); only those that may are parsed. Substring tests of the lower-cased text first, then
# whole words (a case-insensitive regex search costs several times more). A DO block runs now:
# all of it counts.
_FUNCTION_WORDS = {
    "plpgsql": ("create", "alter", "grant", "execute"),
    "sql": ("create", "alter", "grant"),
}
_WHOLE_WORDS = lazy(r"\b(?:create|alter|grant|execute)\b")
# The statements of a function body the rules look at (type, naming, security, consistency).
_FUNCTION_STATEMENT = lazy(r"\s*(?:create|alter|grant)\b", re.I)
_DOLLAR_TAG = lazy(rb"\$(?:[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*)?\$")
_SPACE = lazy(rb"\s*")
_DECODE = msgspec.json.Decoder()


def body_of(
    kind: str,
    node: Node,
    text: bytes,
    base: int,
    statement: Span,
    within: Within,
    runs_now: bool = False,
) -> Body | None:
    """The pieces of a DO block's or a CREATE FUNCTION/PROCEDURE's body (None: nothing to read).

    `node` is the statement's node, whose locations are relative to `base` in `text`;
    `statement` its span in `text`; `within` where the statement itself sits ("" at top level).
    With `runs_now`, a function's body is read as a DO block's: it is called in the migration.
    """
    options = node.get("args" if kind == "DoStmt" else "options") or ()
    language = "plpgsql" if kind == "DoStmt" else None
    source = None
    location = -1
    for option in options:
        elem = option.get("DefElem", {})
        name = elem.get("defname")
        if name == "language":
            language = (elem.get("arg") or {}).get("String", {}).get("sval")
        elif name == "as":
            arg = elem.get("arg") or {}
            items = arg.get("List", {}).get("items") if "List" in arg else [arg]
            if items and len(items) == 1 and "String" in items[0]:
                source = items[0]["String"].get("sval")
                location = elem.get("arg_location", -1)
    words = _FUNCTION_WORDS.get(language or "")
    if source is None or location is None or location < 0 or words is None:
        return None
    nested: Nested = "function" if kind != "DoStmt" or within == "function" else "do"
    if runs_now:
        nested = "do"
    lowered = source.lower()
    if nested == "function" and not (
        any(word in lowered for word in words) and _WHOLE_WORDS.search(lowered)
    ):
        return None
    body = source.encode("utf-8")
    mapping = _literal_mapping(text, base + location, body)
    if mapping is None:
        if nested == "function":
            return None
        mapping = Mapping(((0, base + location),), exact=False)  # (all of it at the literal)
    if language == "sql":
        pieces = [Piece(source, mapping)]
    else:
        if kind == "DoStmt":
            tag = "$dbarch_do$"
            while tag in source:
                tag = tag[:-1] + "_$"
            definition = f"CREATE FUNCTION dbarch_do() RETURNS void LANGUAGE plpgsql AS {tag}"
            definition += source + tag
        else:
            definition = text[statement.start : statement.end].decode("utf-8", errors="replace")
        try:
            tree = _DECODE.decode(pg.parse_plpgsql_json(definition))
            found = _sql_statements(tree)
        except pg.ParseError as error:
            if nested == "function" or runs_now:
                return None  # (not a body we can read: say nothing rather than guess)
            return Body(nested, [], _rejected(error, source, mapping, statement))
        except (msgspec.DecodeError, RecursionError, ValueError):
            if nested == "function" or runs_now:
                return None
            message = "The DO block's body is nested too deeply to analyse; it was not checked"
            return Body(nested, [], Diagnostic("DBA002", message, Span.at(statement.start, "word")))
        notes: list[Diagnostic] = []
        pieces = _locate(found, body, mapping, nested, notes)
        return Body(nested, pieces, notes=tuple(notes))
    return Body(nested, pieces)


# What PostgreSQL quotes in a message: the text an error is at or near, or the name it refuses.
_QUOTED_IN_MESSAGE = lazy(r'"(.+)"')


def _rejected(error: pg.ParseError, source: str, mapping: Mapping, statement: Span) -> Diagnostic:
    """DBA001 for a DO block's body that PL/pgSQL refuses to compile.

    libpg_query gives no position for PL/pgSQL's errors, so the place is found again: the one
    token of the body that the message quotes (a name PostgreSQL folded to lower case included),
    else the DO statement.
    """
    message = str(error.args[0]) if error.args else "syntax error"
    at = statement.start
    quoted = _QUOTED_IN_MESSAGE.search(message)
    if quoted is not None:
        found = _token_at(source, quoted.group(1))
        if found is not None:
            at = mapping.to_outer(len(source[:found].encode("utf-8")))
    return Diagnostic(
        "DBA001",
        f"The DO block's body does not compile: {message}",
        Span.at(at, "word"),
        "PostgreSQL rejects the whole DO block, so none of it runs; fix the body",
    )


def _token_at(source: str, wanted: str) -> int | None:
    """Where the one token of `source` that reads `wanted` starts (None: none, or several)."""
    try:
        tokens = pg.scan(source)
    except pg.ParseError:
        return None
    starts = [
        token.start
        for token in tokens
        if (text := source[token.start : token.end + 1]) == wanted
        or (token.name == "IDENT" and text.lower() == wanted)
    ]
    return starts[0] if len(starts) == 1 else None


_Found = tuple[int, bool, str, tuple[Alternative, ...]]  # line, dynamic, text, branch


def _sql_statements(tree: Any) -> list[_Found]:
    """(line, dynamic, text, branch) of each SQL statement and `EXECUTE` in a PL/pgSQL tree, in
    order. The branch is the alternatives of `IF`, `CASE` and protected blocks it sits in
    (conditional numbers local to the tree, in the order the walk meets them)."""
    found: list[_Found] = []
    counter = 0
    stack: list[tuple[Any, tuple[Alternative, ...]]] = [(tree, ())]
    while stack:  # (a loop, not recursion: a body may nest deeply)
        item, branch = stack.pop()
        if isinstance(item, list):
            _note_found(item)
            stack.extend((value, branch) for value in reversed(item))
        elif isinstance(item, dict):
            for key, value in reversed(item.items()):
                if key == "PLpgSQL_stmt_execsql":
                    query = value.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query")
                    if isinstance(query, str):
                        found.append((value.get("lineno", 0), False, query, branch))
                elif key == "PLpgSQL_stmt_dynexecute":
                    query = value.get("query", {}).get("PLpgSQL_expr", {}).get("query")
                    if isinstance(query, str):
                        found.append((value.get("lineno", 0), True, query, branch))
                elif key in _CONDITIONALS and isinstance(value, dict):
                    alternatives = _CONDITIONALS[key](value)
                    if alternatives is None:
                        stack.append((value, branch))
                        continue
                    assumes = tuple(a[1] for a in alternatives)
                    exact = tuple(a[2] for a in alternatives)
                    swallows = _swallowed(value) if key == "PLpgSQL_stmt_block" else ()
                    for index, (statements, _, _) in reversed(list(enumerate(alternatives))):
                        alternative = Alternative(
                            counter, index, assumes, swallows if index == 0 else (), exact
                        )
                        stack.append((statements, (*branch, alternative)))
                    counter += 1
                elif key != "datums" and isinstance(value, (dict, list)):
                    stack.append((value, branch))
    found.sort(key=lambda item: item[0])  # stable: statements of one line keep their order
    return found


# (statements, guards, whether the guards are all of its condition) of each alternative
_Alternatives = list[tuple[Any, tuple[Guard, ...], bool]]


def _if(node: dict[str, Any]) -> _Alternatives:
    """An IF's alternatives: THEN, each ELSIF, and ELSE (empty without one)."""
    alternatives: _Alternatives = []
    before: list[tuple[Guard, ...]] = []  # what holds once the earlier conditions were false
    conditions = [(node.get("cond"), node.get("then_body") or [])]
    for elsif in node.get("elsif_list") or ():
        inner = elsif.get("PLpgSQL_if_elsif", {})
        conditions.append((inner.get("cond"), inner.get("stmts") or []))
    captured = True  # (the earlier conditions' falsity is all in `before`)
    for condition, statements in conditions:
        query = (condition or {}).get("PLpgSQL_expr", {}).get("query")
        if isinstance(query, str) and _FOUND.match(query) and _PERFORMED in node:
            negation = "NOT " if query.strip().upper().startswith("NOT") else ""
            query = f"{negation}EXISTS ({node[_PERFORMED]})"  # (FOUND: the PERFORM found a row)
        found = guards(query) if isinstance(query, str) else None
        held = tuple(g for part in before for g in part) + (found or ())
        alternatives.append((statements, held, captured and found is not None))
        before.append(negated(found))
        captured = captured and bool(before[-1])
    else_held = tuple(g for part in before for g in part)
    alternatives.append((node.get("else_body") or [], else_held, captured))
    return alternatives


_FOUND = lazy(r"^\s*(?:NOT\s+)?FOUND\s*$", re.I)
_PERFORMED = "dbarch_performed"  # (the query of the PERFORM just before an IF)


def _note_found(statements: list[Any]) -> None:
    """Give each IF that follows a PERFORM the PERFORM's query (`PERFORM 1 FROM pg_indexes
    WHERE ...; IF NOT FOUND THEN ...`: FOUND says whether it found a row)."""
    for before, after in itertools.pairwise(statements):
        if not (isinstance(before, dict) and isinstance(after, dict)):
            continue
        perform = before.get("PLpgSQL_stmt_perform")
        branch = after.get("PLpgSQL_stmt_if")
        if isinstance(perform, dict) and isinstance(branch, dict):
            query = perform.get("expr", {}).get("PLpgSQL_expr", {}).get("query")
            if isinstance(query, str):
                branch[_PERFORMED] = query


def _case(node: dict[str, Any]) -> _Alternatives:
    """A CASE's alternatives: each WHEN, and ELSE (without one, CASE raises: no alternative)."""
    alternatives: _Alternatives = [
        (when.get("PLpgSQL_case_when", {}).get("stmts") or [], (), False)
        for when in node.get("case_when_list") or ()
    ]
    if node.get("have_else"):
        alternatives.append((node.get("else_stmts") or [], (), False))
    return alternatives


def _block(node: dict[str, Any]) -> _Alternatives | None:
    """A block with EXCEPTION handlers: its body runs to the end, or fails and is rolled back
    and a handler runs (None: a block without handlers is no conditional)."""
    handlers = node.get("exceptions", {}).get("PLpgSQL_exception_block", {}).get("exc_list")
    if not handlers:
        return None
    actions = [h.get("PLpgSQL_exception", {}).get("action") or [] for h in handlers]
    return [(node.get("body") or [], (), False), (actions, (), False)]


def _swallowed(node: dict[str, Any]) -> tuple[str, ...]:
    """The condition names a block's handlers catch."""
    handlers = node.get("exceptions", {}).get("PLpgSQL_exception_block", {}).get("exc_list")
    names = []
    for handler in handlers or ():
        for condition in handler.get("PLpgSQL_exception", {}).get("conditions") or ():
            name = condition.get("PLpgSQL_condition", {}).get("condname")
            if isinstance(name, str):
                names.append(name.lower())
    return tuple(names)


_CONDITIONALS = {"PLpgSQL_stmt_if": _if, "PLpgSQL_stmt_case": _case, "PLpgSQL_stmt_block": _block}


def _locate(
    found: list[_Found], body: bytes, mapping: Mapping, within: Nested, notes: list[Diagnostic]
) -> list[Piece]:
    """Each statement's piece, found in the body from the start of its line on (an `EXECUTE`
    of SQL built at run time that changes the schema, in a body that runs now: DBA002 in
    `notes`)."""
    line_starts = [0]  # (PL/pgSQL numbers lines at LF only, not at CR: pl_scanner.c)
    line_starts.extend(m.end() for m in re.finditer(rb"\n", body))
    pieces: list[Piece] = []
    done = 0  # where the previous statement ended
    for line, dynamic, query, branch in found:
        if within == "function" and not dynamic and not _FUNCTION_STATEMENT.match(query):
            continue
        line_start = line_starts[min(max(line, 1), len(line_starts)) - 1]
        wanted = query.encode("utf-8")
        at = body.find(wanted, max(line_start, done))
        if at == -1:
            at = body.find(wanted, line_start)
        if dynamic:
            if at == -1:
                continue
            done = at + len(wanted)
            literal = _literals(wanted) or _formatted(wanted)
            if literal is None:
                if within == "do" and _BUILDS_DDL.search(wanted):
                    place = mapping.to_outer(max(body.rfind(b"EXECUTE", 0, at), 0))
                    notes.append(_dynamic_ddl(place))
                continue
            value, points = literal
            sql = value.decode("utf-8", errors="replace")
            if within == "function" and not _FUNCTION_STATEMENT.match(sql):
                continue
            inner = Mapping(tuple((v, at + q) for v, q in points))
            pieces.append(Piece(sql, inner.then(mapping), branch))
        elif at == -1:  # not written as PL/pgSQL reports it (SELECT INTO): the line, then
            line_at = Mapping(((0, mapping.to_outer(line_start)),), False)
            pieces.append(Piece(query, line_at, branch))
        else:
            done = at + len(wanted)
            pieces.append(Piece(query, mapping.sub(at), branch))
    return pieces


# SQL built at run time whose literal parts change the schema (`EXECUTE 'ALTER TABLE ' || t`).
_BUILDS_DDL = lazy(rb"'\s*(?:CREATE|ALTER|DROP|TRUNCATE|REINDEX|CLUSTER|REFRESH|LOCK)\b", re.I)


def _dynamic_ddl(place: int) -> Diagnostic:
    return Diagnostic(
        "DBA002",
        "EXECUTE runs SQL built at run time that changes the schema; it was not checked",
        Span.at(place, "word"),
        "write the statement out, or EXECUTE a literal (or format() of literals) so that it "
        "can be linted; check it by hand",
    )


_FORMAT = lazy(rb"\s*(?:pg_catalog\s*\.\s*)?format\s*\(\s*", re.I)
_SPEC = lazy(rb"%(?:(\d+)\$)?(-?\d*)([sIL%])")


def _formatted(expression: bytes) -> tuple[bytes, list[tuple[int, int]]] | None:
    """The value of `format('<literal>', '<literal>', ...)` with its mapping (a `%I`/`%L`/`%s`
    of an argument maps to where that argument is written), None for anything else."""
    opened = _FORMAT.match(expression)
    if opened is None:
        return None
    args: list[tuple[bytes, list[tuple[int, int]]]] = []
    at = opened.end()
    while True:
        literal = _literal(expression, at)
        if literal is None:
            return None
        args.append((literal[0], literal[1]))
        at = _SPACE.match(expression, literal[2]).end()  # type: ignore[union-attr]
        if expression.startswith(b")", at):
            break
        if not expression.startswith(b",", at):
            return None
        at = _SPACE.match(expression, at + 1).end()  # type: ignore[union-attr]
    if _SPACE.match(expression, at + 1).end() != len(expression):  # type: ignore[union-attr]
        return None
    (template, template_points), values = args[0], args[1:]
    where = Mapping(tuple(template_points))
    out = b""
    points: list[tuple[int, int]] = []
    position = 0
    next_arg = 0
    for spec in _SPEC.finditer(template):
        _copy(template, position, spec.start(), where, out, points)
        out += template[position : spec.start()]
        position = spec.end()
        if spec.group(3) == b"%":
            points.append((len(out), where.to_outer(spec.start())))
            out += b"%"
            continue
        if spec.group(2):
            return None  # (a width: not worth guessing)
        index = int(spec.group(1)) - 1 if spec.group(1) else next_arg
        next_arg = index + 1
        if not 0 <= index < len(values):
            return None
        value, value_points = values[index]
        text = _quoted(value, spec.group(3))
        if text is None:
            return None
        points.append((len(out), value_points[0][1] if text == value else spec.start()))
        if text != value:  # (quoted: the text is not the argument's; point at the %I)
            points[-1] = (len(out), where.to_outer(spec.start()))
        out += text
    _copy(template, position, len(template), where, out, points)
    out += template[position:]
    return out, points


def _copy(
    template: bytes,
    start: int,
    end: int,
    where: Mapping,
    out: bytes,
    points: list[tuple[int, int]],
) -> None:
    """The mapping points of `template[start:end]` copied to the end of `out`."""
    if start >= end:
        return
    points.append((len(out), where.to_outer(start)))
    for inner, outer in where.points:
        if start < inner < end:
            points.append((len(out) + inner - start, outer))


def _quoted(value: bytes, how: bytes) -> bytes | None:
    """An argument as format() writes it: %I quotes an identifier when it must, %L quotes a
    literal, %s is the text."""
    if how == b"s":
        return value
    if how == b"L":
        return b"'" + value.replace(b"'", b"''") + b"'"
    return quote_ident(value.decode()).encode()


def _literal_mapping(text: bytes, at: int, value: bytes) -> Mapping | None:
    """How a literal's value at `at` in `text` maps into it (None: not as expected)."""
    literal = _literal(text, at)
    if literal is None or literal[0] != value:
        return None
    return Mapping(tuple(literal[1]))


def _literals(expression: bytes) -> tuple[bytes, list[tuple[int, int]]] | None:
    """The value of an expression that is string literals joined by `||`, with its mapping."""
    value = b""
    points: list[tuple[int, int]] = []
    at = _SPACE.match(expression).end()  # type: ignore[union-attr]
    while True:
        literal = _literal(expression, at)
        if literal is None:
            return None
        part, part_points, at = literal
        points.extend((len(value) + v, q) for v, q in part_points)
        value += part
        at = _SPACE.match(expression, at).end()  # type: ignore[union-attr]
        if at == len(expression):
            return value, points
        if not expression.startswith(b"||", at):
            return None
        at = _SPACE.match(expression, at + 2).end()  # type: ignore[union-attr]


def _literal(text: bytes, at: int) -> tuple[bytes, list[tuple[int, int]], int] | None:
    """The literal starting at `at`: its value, its mapping points, and where it ends."""
    if text[at : at + 1] == b"$":
        tag = _DOLLAR_TAG.match(text, at)
        if tag is None:
            return None
        start = tag.end()
        end = text.find(tag.group(), start)
        if end == -1:
            return None
        return text[start:end], [(0, start)], end + len(tag.group())
    escaped = text[at : at + 1] in (b"E", b"e")
    quote = at + 1 if escaped else at
    if text[quote : quote + 1] != b"'":
        return None
    points = [(0, quote + 1)]
    parts = []
    position = quote + 1
    length = 0
    while True:
        close = text.find(b"'", position)
        if close == -1:
            return None
        parts.append(text[position:close])
        length += close - position
        if text[close + 1 : close + 2] != b"'":
            break
        parts.append(b"'")  # a doubled quote: one quote in the value, then a new run
        length += 1
        position = close + 2
        points.append((length, position))
    value = b"".join(parts)
    if escaped and b"\\" in value:
        return None  # backslash escapes: the value is not the text (rare; not mapped)
    return value, points, close + 1
