"""SQL that MySQL migrations run from strings and stored procedures.

MySQL has no `ADD COLUMN IF NOT EXISTS`, so long-lived histories guard their DDL with a prepared
statement: `SET @s = (SELECT IF(<catalog check>, '<DDL>', 'SELECT 1')); PREPARE p FROM @s;
EXECUTE p;` (or `SELECT IF(...) INTO @s`, `CONCAT(...)` of literals, `CASE WHEN`, `PREPARE p
FROM '<DDL>'`), or wrap it in a procedure they create, `CALL` and drop. This module finds, in
sqlglot's trees and tokens, what such a string holds: each alternative the variable may hold
(`Text`: a string literal's text at its place in the file, or None when it is built from
something the tool cannot read: another variable, a column), and whether the choice between them
is a condition (then the DDL may or may not run). It also splits a procedure body into the plain
statements it runs (the control flow of `IF`, loops and handlers left out).
"""

from __future__ import annotations

from itertools import pairwise
from typing import NamedTuple

from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType

from dbarch_lint.model.ir import Guard
from dbarch_lint.parsing.mysql.guards import Reader, Test, negated

# The comment and blank of MySQL's escapes, as text of the same length (positions are kept).
_ESCAPES = {"\\\\": "  ", "''": " '", '""': ' "'}


class Text(NamedTuple):
    """A string's text (escapes turned into text of the same length, so each character sits
    where it is written) and where it starts in the file. Text built with variables' values
    (`CONCAT('ALTER TABLE ', @t, ' ADD c INT')`) has `pieces`: (where a piece starts in `sql`,
    where it is written in the file, whether it is written there as is): a variable's value is
    placed at the variable's name."""

    start: int
    sql: str
    pieces: tuple[tuple[int, int, bool], ...] | None = None


class Choice(NamedTuple):
    """What a user variable or a prepared statement holds: each alternative (None: built from
    something the tool cannot read, `why` says what), and whether a condition chooses.
    `assumes` holds, for each alternative, the catalog guards known to hold when it is the one
    chosen, and `exact` whether they are all of its condition (empty: no guards known)."""

    texts: tuple[Text | None, ...]
    conditional: bool
    why: str = ""
    assumes: tuple[tuple[Guard, ...], ...] = ()
    exact: tuple[bool, ...] = ()

    def guards(self, index: int) -> tuple[tuple[Guard, ...], bool]:
        """The guards of alternative `index`, and whether they are all of its condition."""
        if index < len(self.assumes):
            return self.assumes[index], self.exact[index]
        return (), not self.conditional and len(self.texts) == 1


def unescaped(raw: str, quote: str) -> str:
    """A string literal's contents (`raw`, between its quotes) with each escape replaced by text
    of the same length: `\\'` and `''` become ` '`."""
    out = []
    i = 0
    while i < len(raw):
        pair = raw[i : i + 2]
        if pair in _ESCAPES and (pair[0] == "\\" or pair[0] == quote):
            out.append(_ESCAPES[pair])
            i += 2
        elif raw[i] == "\\" and i + 1 < len(raw):
            out.append(" " + raw[i + 1])
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


class Strings:
    """The string literals of one statement's tokens (read from `text`, at `offset` in the
    file), in order, to find a literal's place in the file."""

    def __init__(self, text: str, offset: int, tokens: list[Token]) -> None:
        self.text, self.offset = text, offset
        self.tokens = [t for t in tokens if t.token_type == TokenType.STRING]
        self.used: set[int] = set()
        self.variables = [
            (b.text.lower(), a.start)
            for a, b in pairwise(tokens)
            if a.token_type == TokenType.PARAMETER
        ]

    def variable(self, name: str, after: int, before: int) -> int | None:
        """Where a reference to user variable `name` is written between two places in the file
        (the last one there: a condition before a CONCAT may name it too)."""
        found = [
            i
            for i, (seen, start) in enumerate(self.variables)
            if seen == name and after < self.offset + start < before
        ]
        if not found:
            return None
        return self.offset + self.variables.pop(found[-1])[1]

    def place(self, literal: exp.Literal) -> Text | None:
        """Where `literal` is written (the first unused string token with its value)."""
        for i, token in enumerate(self.tokens):
            if i not in self.used and token.text == literal.this:
                self.used.add(i)
                quote = self.text[token.start]
                if quote not in "'\"":
                    return None
                raw = self.text[token.start + 1 : token.end]
                return Text(self.offset + token.start + 1, unescaped(raw, quote))
        return None


def choice(
    value: exp.Expression,
    strings: Strings,
    variables: dict[str, Choice],
    reader: Reader | None = None,
    outer: exp.Select | None = None,
) -> Choice:
    """What an expression assigned to a variable may hold (`reader` reads the conditions that
    choose, `outer`: the query a bare `COUNT(*)` in them counts the rows of)."""
    while isinstance(value, (exp.Subquery, exp.Paren)):
        value = value.this
    if (
        isinstance(value, exp.Select)
        and len(value.expressions) == 1
        and not value.args.get("from_")
    ):
        value = value.expressions[0]
    if isinstance(value, exp.Alias):
        value = value.this
    if isinstance(value, exp.If):
        test = reader.test(value.this, outer) if reader is not None else None
        branches = [(value.args.get("true"), test), (value.args.get("false"), negated(test))]
        return _alternatives(branches, strings, variables, reader, outer)
    if isinstance(value, exp.Case):
        cases: list[tuple[exp.Expression | None, Test | None]] = []
        before: list[Test | None] = []  # (what holds once the earlier conditions were false)
        for item in value.args.get("ifs") or ():
            test = None
            if reader is not None and value.this is None:  # (CASE WHEN cond, not CASE x WHEN)
                test = reader.test(item.this, outer)
            cases.append((item.args.get("true"), _all_of([*before, test])))
            before.append(negated(test))
        cases.append((value.args.get("default"), _all_of(before)))
        return _alternatives(cases, strings, variables, reader, outer)
    if isinstance(value, exp.Literal) and value.is_string:
        place = strings.place(value)
        return Choice((place,), False, "" if place else "a string the tool cannot place")
    if isinstance(value, exp.Concat):
        return _concat(value, strings, variables)
    if isinstance(value, exp.Parameter) and value.name.lower() in variables:
        return variables[value.name.lower()]
    return Choice((None,), False, _shown(value))


def _all_of(tests: list[Test | None]) -> Test | None:
    """The conjunction of tests (an unknown one leaves the guards of the others, inexact)."""
    guards = tuple(g for t in tests if t is not None for g in t.guards)
    exact = all(t is not None and t.exact for t in tests)
    return Test(guards, exact) if guards or exact else None


def _alternatives(
    branches: list[tuple[exp.Expression | None, Test | None]],
    strings: Strings,
    variables: dict[str, Choice],
    reader: Reader | None,
    outer: exp.Select | None,
) -> Choice:
    texts: list[Text | None] = []
    assumes: list[tuple[Guard, ...]] = []
    exact: list[bool] = []
    why = ""
    for branch, test in branches:
        if branch is None:  # (a CASE without ELSE: NULL, preparing it fails)
            continue
        found = choice(branch, strings, variables, reader, outer)
        for index, text in enumerate(found.texts):
            guards, complete = found.guards(index)
            texts.append(text)
            assumes.append((test.guards if test else ()) + guards)
            exact.append(test is not None and test.exact and complete)
        why = why or found.why
    return Choice(tuple(texts), True, why, tuple(assumes), tuple(exact))


def _concat(value: exp.Expression, strings: Strings, variables: dict[str, Choice]) -> Choice:
    """`CONCAT` of string literals and variables that hold one known string: one text. Literals
    only: from the first to the last, the quotes and commas between them blanked (positions are
    kept); with variables, pieces (a variable's value is placed at its name)."""
    parts = list(value.expressions)
    places: list[Text | None] = []
    for part in parts:
        if isinstance(part, exp.Literal) and part.is_string:
            place = strings.place(part)
            if place is None:
                return Choice((None,), False, "a string the tool cannot place")
            places.append(place)
        else:
            places.append(None)
    found: list[tuple[Text, bool]] = []  # (text, written there as is)
    for i, part in enumerate(parts):
        place = places[i]
        if place is not None:
            found.append((place, True))
            continue
        held = variables.get(part.name.lower()) if isinstance(part, exp.Parameter) else None
        if held is None or held.conditional or len(held.texts) != 1 or held.texts[0] is None:
            return Choice((None,), False, _shown(part))
        after = max((p.start for p in places[:i] if p is not None), default=-1)
        before = min((p.start for p in places[i + 1 :] if p is not None), default=1 << 62)
        at = strings.variable(part.name.lower(), after, before)
        if at is None:
            return Choice((None,), False, _shown(part))
        found.append((Text(at, held.texts[0].sql), False))
    if not found:
        return Choice((None,), False, _shown(value))
    if all(exact for _, exact in found):
        sql = []
        end = found[0][0].start
        for place, _ in found:
            gap = strings.text[end - strings.offset : place.start - strings.offset]
            sql.append("".join(c if c == "\n" else " " for c in gap))
            sql.append(place.sql)
            end = place.start + len(place.sql)
        return Choice((Text(found[0][0].start, "".join(sql)),), False)
    pieces = []
    length = 0
    for place, exact in found:
        pieces.append((length, place.start, exact))
        length += len(place.sql)
    built = "".join(place.sql for place, _ in found)
    return Choice((Text(found[0][0].start, built, tuple(pieces)),), False)


def _shown(value: exp.Expression) -> str:
    text = value.sql(dialect="mysql")
    return text if len(text) <= 40 else text[:37] + "..."


# --- procedure bodies ---------------------------------------------------------------------

# Statements of a body that run no SQL the rules model (declarations, cursor and flow control).
_CONTROL = {
    "DECLARE",
    "OPEN",
    "FETCH",
    "CLOSE",
    "LEAVE",
    "ITERATE",
    "SIGNAL",
    "RESIGNAL",
    "RETURN",
    "GET",
}
_BLOCK_ENDS = {"IF", "LOOP", "WHILE", "REPEAT", "CASE"}


class Conditional(NamedTuple):
    """A conditional of a procedure body: `kind` (`if`, `case`: its alternatives chosen by
    `conditions`, the header tokens of each, None for `ELSE`; `loop`, `handler`: its body runs
    or not, alternatives 0 and 1)."""

    kind: str
    conditions: list[list[Token] | None]


class Body(NamedTuple):
    """The plain statements of a procedure body, each with its path through the body's
    conditionals ((conditional, alternative), outermost first), and those conditionals."""

    statements: list[tuple[list[Token], tuple[tuple[int, int], ...]]]
    conditionals: list[Conditional]


def body_statements(tokens: list[Token]) -> Body:
    """The plain statements of a procedure body (its tokens from the outer BEGIN on), each with
    the alternatives of the body's conditionals (IF/ELSEIF/ELSE, CASE, a loop, a handler) it
    runs in."""
    body = Body([], [])
    _walk(tokens, body, [])
    return body


def _walk(tokens: list[Token], body: Body, frames: list[list[int]]) -> None:
    """The statements of `tokens` into `body`; `frames`: the open conditionals, each
    [its number, the current alternative]."""
    current: list[Token] = []
    header: list[Token] | None = None
    i = 0
    n = len(tokens)

    def word(at: int) -> str:
        return tokens[at].text.upper() if at < n else ""

    def flush() -> None:
        nonlocal current
        if current and word_of(current[0]) not in _CONTROL:
            body.statements.append((current, tuple((f[0], f[1]) for f in frames)))
        current = []

    def open_frame(kind: str, conditions: list[list[Token] | None]) -> None:
        body.conditionals.append(Conditional(kind, conditions))
        frames.append([len(body.conditionals) - 1, 0])

    def top() -> Conditional | None:
        return body.conditionals[frames[-1][0]] if frames else None

    while i < n:
        token = tokens[i]
        upper = token.text.upper()
        kind = token.token_type
        if not current and header is None:
            if kind == TokenType.BEGIN:
                i += 1
                continue
            if upper in ("LOOP", "REPEAT"):
                open_frame("loop", [None, None])
                i += 1
                continue
            if upper in ("IF", "WHILE", "CASE"):
                open_frame({"IF": "if", "WHILE": "loop", "CASE": "case"}[upper], [])
                header = []
                i += 1
                continue
            if upper in ("ELSEIF", "WHEN") and top() is not None:
                header = []
                i += 1
                continue
            if upper == "ELSE":
                if (frame := top()) is not None and frame.kind in ("if", "case"):
                    frame.conditions.append(None)
                    frames[-1][1] = len(frame.conditions) - 1
                i += 1
                continue
            if kind == TokenType.END:
                if word(i + 1) in _BLOCK_ENDS and frames:
                    frame = body.conditionals[frames.pop()[0]]
                    if frame.kind == "if" and (not frame.conditions or frame.conditions[-1]):
                        frame.conditions.append(None)  # (the empty ELSE of an IF without one)
                    elif frame.kind == "loop" and len(frame.conditions) < 2:
                        frame.conditions[:] = [None, None]
                    i += 1
                i += 1
                if i < n and tokens[i].token_type != TokenType.SEMICOLON:
                    i += 1  # END [IF | LOOP | ...] label
                continue
            if upper == "UNTIL":  # REPEAT ... UNTIL cond END REPEAT
                while i < n and tokens[i].token_type != TokenType.END:
                    i += 1
                continue
            if i + 1 < n and tokens[i + 1].token_type == TokenType.COLON:  # a label
                i += 2
                continue
            if upper == "DECLARE" and "HANDLER" in (word(i + 1), word(i + 2)):
                # its statement runs only when the condition is raised
                while i < n and word(i) != "FOR":
                    i += 1
                i += 1
                while i < n and tokens[i].token_type not in (TokenType.SEMICOLON, TokenType.BEGIN):
                    if tokens[i].token_type in (TokenType.SET, TokenType.SELECT, TokenType.UPDATE):
                        break
                    i += 1
                handler_end = _statement_end(tokens, i)
                open_frame("handler", [None, None])
                _walk(tokens[i:handler_end], body, frames)
                frames.pop()
                i = handler_end + 1
                continue
        if header is not None:
            if upper in ("THEN", "DO"):
                frame = top()
                if frame is not None and frame.kind == "loop":
                    frame.conditions[:] = [None, None]
                elif frame is not None:
                    if frame.kind == "case" and header and header[0].text.upper() == "WHEN":
                        header = header[1:]  # (CASE WHEN cond: its first condition)
                    elif frame.kind == "case" and not frame.conditions and header:
                        header = None  # (CASE x WHEN v: a value, not a condition)
                    frame.conditions.append(header)
                    frames[-1][1] = len(frame.conditions) - 1
                header = None
            else:
                header.append(token)
            i += 1
            continue
        if kind == TokenType.SEMICOLON:
            flush()
        else:
            current.append(token)
        i += 1
    flush()


def word_of(token: Token) -> str:
    return token.text.upper()


def _statement_end(tokens: list[Token], start: int) -> int:
    """The index of the `;` that ends the statement starting at `start` (a BEGIN ... END block
    counts as one)."""
    depth = 0
    for i in range(start, len(tokens)):
        kind = tokens[i].token_type
        closes_case = kind == TokenType.CASE and i > 0 and tokens[i - 1].token_type == TokenType.END
        if kind in (TokenType.BEGIN, TokenType.CASE) and not closes_case:
            depth += 1
        elif kind == TokenType.END and (
            i + 1 >= len(tokens) or tokens[i + 1].text.upper() not in _BLOCK_ENDS - {"CASE"}
        ):
            depth -= 1
        elif kind == TokenType.SEMICOLON and depth <= 0:
            return i
    return len(tokens)


def routine_head(group: list[Token]) -> tuple[str, str, int] | None:
    """(`PROCEDURE` / `FUNCTION` / `TRIGGER` / `EVENT`, its name in lower case, the index of
    the name's last token) when the tokens start a CREATE of a stored routine."""
    if not group or group[0].token_type != TokenType.CREATE:
        return None
    for i, token in enumerate(group[1:12], 1):
        upper = token.text.upper()
        if upper in ("PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"):
            at = i + 1
            if at < len(group) and group[at].text.upper() == "IF":
                at += 3  # IF NOT EXISTS
            if at + 2 < len(group) and group[at + 1].token_type == TokenType.DOT:
                at += 2
            name = group[at].text if at < len(group) else ""
            return upper, name.lower(), min(at, len(group) - 1)
        if token.token_type in (
            TokenType.TABLE,
            TokenType.INDEX,
            TokenType.VIEW,
            TokenType.L_PAREN,
        ):
            return None
    return None


def split(tokens: list[Token]) -> list[list[Token]]:
    """The tokens of each statement (semicolons left out, empty statements dropped). A stored
    routine's CREATE ends at the `;` after its outermost END (drivers send whole files without
    a DELIMITER line): its body's semicolons are kept."""
    groups: list[list[Token]] = [[]]
    depth = 0
    routine = False
    for i, token in enumerate(tokens):
        kind = token.token_type
        group = groups[-1]
        if kind == TokenType.SEMICOLON and depth <= 0:
            groups.append([])
            routine = False
            depth = 0
            continue
        group.append(token)
        if not routine and len(group) <= 12 and kind != TokenType.SEMICOLON:
            routine = routine_head(group) is not None
        if routine:
            closes_case = kind == TokenType.CASE and tokens[i - 1].token_type == TokenType.END
            if kind in (TokenType.BEGIN, TokenType.CASE) and not closes_case:
                depth += 1
            elif kind == TokenType.END and (
                i + 1 >= len(tokens) or tokens[i + 1].text.upper() not in _BLOCK_ENDS - {"CASE"}
            ):
                depth -= 1
    return [group for group in groups if group]
