"""The MySQL parser: sqlglot (dialect `mysql`) to IR statements.

The file is tokenized once (in pieces where the mysql client's `DELIMITER` command changes the
delimiter); statements are the runs of tokens between semicolons, each parsed on its own so that
one bad statement never hides the others. Positions come from the tokens (code-point offsets,
converted to the byte offsets spans use). `--` comments are found between tokens, where comments
are (suppressions live in them). The comments MySQL runs (`/*! ... */`) are read as the code they
hold. sqlglot is imported only here: a PostgreSQL run never loads it.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from typing import TypeVar

import msgspec
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokenizer_core import Token, TokenType

from dbarch_lint.model import ir
from dbarch_lint.model.ir import (
    Alternative,
    AnyEvent,
    Comment,
    Diagnostic,
    Guard,
    ParsedFile,
    QName,
    Span,
    Statement,
)
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.comments import may_hold_suppressions, suppression_comments
from dbarch_lint.parsing.mysql.dynamic import (
    Body,
    Choice,
    Strings,
    Text,
    body_statements,
    choice,
    routine_head,
    split,
    unescaped,
)
from dbarch_lint.parsing.mysql.guards import Reader, Test, negated
from dbarch_lint.parsing.mysql.lower import lower

_DIALECT = MySQL()
_DELIMITER = re.compile(r"^[ \t]*DELIMITER[ \t]+(\S+)[ \t]*$", re.M | re.I)
# sqlglot logs a warning for each statement it keeps only as a bare command: we report those
# as DBA002 ourselves.
logging.getLogger("sqlglot").setLevel(logging.ERROR)
# MySQL runs what a `/*! ... */` comment holds as code, and what a `/*!Mmmrr ... */` one holds when
# the server's version is at least M.mm.rr (MySQL 8.0 Reference Manual, 11.7 "Comments"; the
# server reads exactly five digits, sql_lex.cc). Some 8.0 release runs every version up to
# 8.0.99; a later version's comment stays a comment, and so does a `/*+ ... */` optimizer hint.
_EXECUTED_COMMENT = re.compile(r"/\*!(\d{5})?")
_NEWEST_8_0 = 80099


def parse_mysql(source: SourceFile) -> ParsedFile:
    """Parse one MySQL file into statements, diagnostics and suppression comments."""
    diagnostics: list[Diagnostic] = []
    read: list[tuple[int, int]] = []  # every token's start and end in the file
    code = _executed(source.text)
    session = _Session(source, diagnostics)
    for offset, text, whole in _pieces(code):
        tokens, complete = _tokens(text)
        if complete:
            groups = [tokens] if whole and tokens else split(tokens)
        else:
            # The statements before the one it could not read are still checked.
            groups = [] if whole else split(tokens)
            if groups and tokens[-1].token_type != TokenType.SEMICOLON:
                groups.pop()  # (the unreadable statement's first tokens)
            diagnostics.append(_unreadable(source, text, offset, tokens))
        read += [(offset + t.start, offset + t.end + 1) for t in tokens]
        for group in groups:
            session.add(text, offset, group)
    statements = session.statements
    return ParsedFile(tuple(statements), tuple(diagnostics), _comments(source, code, read))


_PREPARE = re.compile(r"PREPARE\s+(`[^`]+`|\S+)\s+FROM\s+(.*)", re.I | re.S)
_PART = r"(?:`[^`]+`|[^\s(;.`]+)"
_NAME = re.compile(rf"\s*({_PART}(?:\s*\.\s*{_PART})*)")


def _name(text: str) -> str:
    return text.strip().strip("`").lower()


def _word_after(raw: str, at: int) -> str:
    """The name written after the first `at` characters (a procedure's or a prepared
    statement's: `db`.`name` is name)."""
    match = _NAME.match(raw, at)
    return _name(re.findall(_PART, match.group(1))[-1]) if match else ""


class _Session:
    """One file's statements, and what those so far left for the later ones: user variables
    that hold SQL text, prepared statements, and the procedures it creates (MySQL 8.0 Reference
    Manual, 15.5 "Prepared Statements" and 15.6 "Compound Statement Syntax")."""

    def __init__(self, source: SourceFile, diagnostics: list[Diagnostic]) -> None:
        self.source, self.diagnostics = source, diagnostics
        self.parser = _DIALECT.parser()
        self.statements: list[Statement] = []
        self.variables: dict[str, Choice] = {}
        self.prepared: dict[str, Choice] = {}
        self.procedures: dict[str, tuple[str, int, list[Token]]] = {}
        self.called: set[str] = set()
        self.counts: dict[str, Test] = {}  # variables holding a catalog count
        self.branch: tuple[Alternative, ...] = ()  # the alternatives the statements are in
        self.conditionals = 0  # (numbers the file's conditionals)

    def reader(self) -> Reader:
        """Reads conditions with what the variables hold now."""
        values = {
            name: held.texts[0].sql
            for name, held in self.variables.items()
            if len(held.texts) == 1 and held.texts[0] is not None and not held.conditional
        }
        return Reader(self.counts, values)

    def add(self, text: str, offset: int, group: list[Token]) -> None:
        """Append the statement a group of tokens is (and what it runs, when it runs SQL held
        in a string or a procedure)."""
        first = group[0].text.upper()
        second = group[1].text.upper() if len(group) > 1 else ""
        raw = text[group[0].start : group[-1].end + 1]
        if (head := routine_head(group)) is not None:
            self.routine(text, offset, group, head)
        elif first == "PREPARE":
            self.prepare(text, offset, group, raw)
        elif first == "EXECUTE":
            self.execute(_word_after(raw, len("EXECUTE")), offset, group)
        elif first == "DO":  # (evaluates expressions: `DO 0`, `DO SLEEP(1)`)
            self.plain(group, offset, "Do")
        elif first in ("DEALLOCATE", "DROP") and second == "PREPARE":
            self.plain(group, offset, "DeallocatePrepare")
        elif first == "CALL":
            self.call(_word_after(raw, len("CALL")), offset, group)
        else:
            group = _index_type(_parenthesised_columns(group))
            statement, trees = _statement(
                self.source,
                self.parser,
                (text, offset, len(self.statements)),
                group,
                self.diagnostics,
            )
            self.statements.append(msgspec.structs.replace(statement, branch=self.branch))
            for tree in trees:
                self.assignments(tree, Strings(text, offset, group))

    def plain(self, group: list[Token], offset: int, kind: str) -> Statement:
        """A statement understood with no events of its own."""
        start, end = offset + group[0].start, offset + group[-1].end + 1
        span = Span(self.source.char_to_byte(start), self.source.char_to_byte(end))
        statement = Statement(len(self.statements), span, kind, (), branch=self.branch)
        self.statements.append(statement)
        return statement

    def routine(
        self, text: str, offset: int, group: list[Token], head: tuple[str, str, int]
    ) -> None:
        """CREATE PROCEDURE / FUNCTION / TRIGGER / EVENT: what a procedure's body runs is
        checked where it is CALLed (MySQL 8.0 Reference Manual, 15.1.17 "CREATE PROCEDURE and
        CREATE FUNCTION Statements", 15.1.22 "CREATE TRIGGER Statement")."""
        kind, name, at = head
        if kind == "PROCEDURE":
            body = next((i for i, t in enumerate(group) if t.token_type == TokenType.BEGIN), 0)
            self.procedures[name] = (text, offset, group[body:] if body else group[at + 1 :])
        table = None
        on = next((i for i in range(at + 1, len(group)) if group[i].token_type == TokenType.ON), 0)
        if kind == "TRIGGER" and on and on + 1 < len(group):
            words = [t.text for t in group[on + 1 : on + 4]]
            table = (
                QName(words[0].lower(), words[2].lower())
                if words[1:2] == ["."]
                else (QName(None, words[0].lower()))
            )
        statement = self.plain(group, offset, "Create" + kind.title())
        token = group[at]
        span = Span(
            self.source.char_to_byte(offset + token.start),
            self.source.char_to_byte(offset + token.end + 1),
        )
        event = ir.CreateObject(span, kind.lower(), QName(None, name), table)
        self.statements[-1] = msgspec.structs.replace(statement, events=(event,))

    def assignments(self, tree: exp.Expr, strings: Strings) -> None:
        """The user variables (and a procedure's local ones) a SET or SELECT ... INTO assigns,
        with what they may hold: SQL text, or a count of catalog rows (a guard)."""
        reader = self.reader()
        if isinstance(tree, exp.Set):
            for item in tree.expressions:
                assignment = item.this if isinstance(item, exp.SetItem) else None
                if isinstance(assignment, (exp.EQ, exp.PropertyEQ)) and isinstance(
                    assignment.this, (exp.Parameter, exp.Column, exp.Var)
                ):
                    name = assignment.this.name.lower()
                    self.assign(name, reader.count(_bare(assignment.expression), None))
                    if isinstance(assignment.this, exp.Parameter):
                        self.variables[name] = choice(
                            assignment.expression, strings, self.variables, reader
                        )
        elif isinstance(tree, exp.Select) and isinstance(tree.args.get("into"), exp.Into):
            target = tree.args["into"].this
            target = target.this if isinstance(target, exp.Table) else target
            if isinstance(target, (exp.Parameter, exp.Column, exp.Var, exp.Identifier)):
                name = target.name.lower()
                expression = tree.expressions[0] if len(tree.expressions) == 1 else None
                self.assign(name, reader.count(_bare(expression), tree) if expression else None)
            if isinstance(target, exp.Parameter) and len(tree.expressions) == 1:
                found = choice(tree.expressions[0], strings, self.variables, reader, tree)
                if tree.args.get("from_") is not None and not tree.expressions[0].find(exp.Count):
                    # (no row: the variable keeps its value; an aggregate always gives one)
                    found = found._replace(conditional=True)
                self.variables[target.name.lower()] = found

    def assign(self, name: str, count: Test | None) -> None:
        if count is None:
            self.counts.pop(name, None)
        else:
            self.counts[name] = count

    def prepare(self, text: str, offset: int, group: list[Token], raw: str) -> None:
        match = _PREPARE.match(raw)
        self.plain(group, offset, "Prepare")
        if match is None:
            return
        name, source = _name(match.group(1)), match.group(2).strip()
        if source.startswith("@"):
            variable = _name(source[1:])
            self.prepared[name] = self.variables.get(
                variable, Choice((None,), False, f"@{variable}, which this file does not set")
            )
            return
        start = group[0].start + match.start(2)
        tokens, _ = _tokens(text[start : group[-1].end + 1])
        literal = next((t for t in tokens if t.token_type == TokenType.STRING), None)
        if literal is None or text[start + literal.start] not in "'\"":
            self.prepared[name] = Choice((None,), False, source[:40])
            return
        at = start + literal.start
        inner = text[at + 1 : start + literal.end]
        self.prepared[name] = Choice((Text(offset + at + 1, unescaped(inner, text[at])),), False)

    def execute(self, name: str, offset: int, group: list[Token]) -> None:
        statement = self.plain(group, offset, "Execute")
        held = self.prepared.get(name)
        if held is None:
            self.unchecked(statement, f"EXECUTE {name} runs a statement prepared outside this file")
            return
        if any(text is None for text in held.texts):
            self.unchecked(statement, f"EXECUTE {name} runs SQL built from {held.why}")
        if not held.conditional and len(held.texts) == 1:
            if held.texts[0] is not None:
                self.run(held.texts[0], self.branch)
            return
        # The alternatives of the condition that chose the text (an unreadable one, or the
        # value a variable kept, runs nothing the tool knows: an empty alternative).
        guards = [held.guards(i) for i in range(len(held.texts))]
        if held.conditional and len(held.texts) == 1:
            guards.append(((), False))
        conditional = self.conditionals
        self.conditionals += 1
        assumes = tuple(g for g, _ in guards)
        exact = tuple(e for _, e in guards)
        for index, text in enumerate(held.texts):
            if text is not None:
                alternative = Alternative(conditional, index, assumes, exact=exact)
                self.run(text, (*self.branch, alternative))

    def unchecked(self, statement: Statement, what: str) -> None:
        message = f"{what}; it was not checked"
        self.diagnostics.append(
            Diagnostic("DBA002", message, Span.at(statement.span.start, "word"))
        )

    def run(self, text: Text, branch: tuple[Alternative, ...]) -> None:
        """The statements of a prepared statement's text, after the statement that runs them.
        Text built with variables' values is read on its own, and what is found in it placed
        back in the file: a literal's part where it is written, a variable's at its name."""
        if text.pieces is None:
            self.inner(text.sql, text.start, branch)
            return
        built = SourceFile(self.source.path, text.sql)
        source, diagnostics = self.source, self.diagnostics
        before = len(self.statements)
        self.source, self.diagnostics = built, []
        try:
            self.inner(text.sql, 0, branch)
        finally:
            found, self.source, self.diagnostics = self.diagnostics, source, diagnostics
        pieces = text.pieces

        def place(byte: int) -> int:
            char = len(built.data[:byte].decode("utf-8", "ignore"))
            start, written, exact = next(p for p in reversed(pieces) if p[0] <= char)
            return source.char_to_byte(written + (char - start if exact else 0))

        for i in range(before, len(self.statements)):
            self.statements[i] = _placed(self.statements[i], place)
        self.diagnostics += [_placed(d, place) for d in found]

    def inner(self, sql: str, start: int, branch: tuple[Alternative, ...]) -> None:
        """The statements of SQL text that runs now (a prepared statement's text, at `start` in
        the file), after the statement that runs them."""
        tokens, complete = _tokens(sql)
        if not complete:
            self.diagnostics.append(_unreadable(self.source, sql, start, tokens))
            return
        for group in split(tokens):
            self.nested(sql, start, group, branch)

    def nested(
        self, text: str, offset: int, group: list[Token], branch: tuple[Alternative, ...]
    ) -> None:
        """A statement SQL text or a procedure body runs now, in the alternatives `branch`."""
        before = len(self.statements)
        outer, self.branch = self.branch, branch
        try:
            self.add(text, offset, group)
        finally:
            self.branch = outer
        for i in range(before, len(self.statements)):
            if self.statements[i].within != "do":
                self.statements[i] = msgspec.structs.replace(self.statements[i], within="do")

    def call(self, name: str, offset: int, group: list[Token]) -> None:
        statement = self.plain(group, offset, "Call")
        procedure = self.procedures.get(name)
        if procedure is None:
            self.unchecked(statement, f"CALL {name} runs a procedure this file does not create")
            return
        if name in self.called:  # (its statements were checked at its first CALL)
            return
        self.called.add(name)
        text, at, tokens = procedure
        body = body_statements(tokens)
        first = self.conditionals
        self.conditionals += len(body.conditionals)
        made: dict[int, tuple[tuple[tuple[Guard, ...], ...], tuple[bool, ...]]] = {}
        for group, path in body.statements:
            branch = list(self.branch)
            for conditional, index in path:
                if conditional not in made:  # (read when the replay reaches it: a count
                    made[conditional] = self.alternatives(text, body, conditional)  # before)
                assumes, exact = made[conditional]
                branch.append(Alternative(first + conditional, index, assumes, exact=exact))
            self.nested(text, at, group, tuple(branch))

    def alternatives(
        self, text: str, body: Body, conditional: int
    ) -> tuple[tuple[tuple[Guard, ...], ...], tuple[bool, ...]]:
        """The guards of each alternative of a procedure body's conditional, and whether they
        are all of its condition."""
        found = body.conditionals[conditional]
        if found.kind not in ("if", "case"):
            return ((), ()), (False, False)
        reader = self.reader()
        assumes: list[tuple[Guard, ...]] = []
        exact: list[bool] = []
        before: list[Test | None] = []
        for condition in found.conditions:
            test = None
            if condition:
                try:
                    sql = text[condition[0].start : condition[-1].end + 1]
                    test = reader.test(self.parser.parse(_tokens(sql)[0], sql)[0])
                except (ParseError, IndexError, RecursionError):
                    test = None
            elif condition is not None:
                test = None
            tests = [*before, test] if condition is not None else before
            assumes.append(tuple(g for t in tests if t is not None for g in t.guards))
            exact.append(all(t is not None and t.exact for t in tests))
            if condition is not None:
                before.append(negated(test))
        return tuple(assumes), tuple(exact)


def _bare(value: exp.Expression | None) -> exp.Expression | None:
    """An assigned value without its parentheses (a count query's `(SELECT COUNT(*) ...)`)."""
    while isinstance(value, (exp.Paren, exp.Subquery)):
        value = value.this
    return value


_S = TypeVar("_S")


def _placed(item: _S, place: Callable[[int], int]) -> _S:
    """`item` (an event, statement or diagnostic) with each span's offsets moved by `place`."""
    if isinstance(item, Span):
        start, end = place(item.start), place(item.end)
        return Span(start, max(start, end), item.extent)  # type: ignore[return-value]
    if isinstance(item, tuple):
        return tuple(_placed(i, place) for i in item)  # type: ignore[return-value]
    if isinstance(item, msgspec.Struct):
        changes = {}
        for field in msgspec.structs.fields(item):
            value = getattr(item, field.name)
            if isinstance(value, (Span, tuple, msgspec.Struct)):
                changes[field.name] = _placed(value, place)
        return msgspec.structs.replace(item, **changes) if changes else item
    return item


def _parenthesised_columns(group: list[Token]) -> list[Token]:
    """`ALTER TABLE t ADD [COLUMN] (a INT, b INT)` (valid MySQL, which sqlglot cannot read) as
    the tokens of `ADD a INT, ADD b INT`: each column's tokens keep their places."""
    if len(group) < 5 or group[0].token_type != TokenType.ALTER:
        return group
    out: list[Token] = []
    i = 0
    changed = False
    while i < len(group):
        token = group[i]
        out.append(token)
        i += 1
        if token.text.upper() != "ADD":
            continue
        if i < len(group) and group[i].text.upper() == "COLUMN":
            out.append(group[i])
            i += 1
        if i + 1 >= len(group) or group[i].token_type != TokenType.L_PAREN:
            continue
        if group[i + 1].text.upper() in _NOT_COLUMNS:
            continue  # ADD (INDEX ...)? not a column list
        depth, j = 1, i + 1
        items: list[Token] = []
        while j < len(group):
            kind = group[j].token_type
            depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
            if depth == 0:
                break
            items.append(group[j])
            if kind == TokenType.COMMA and depth == 1:
                items.append(_synthetic(group[j], token))
            j += 1
        out += items
        i = j + 1
        changed = True
    return out if changed else group


_NOT_COLUMNS = (
    "INDEX",
    "KEY",
    "PRIMARY",
    "UNIQUE",
    "FOREIGN",
    "CONSTRAINT",
    "CHECK",
    "FULLTEXT",
    "SPATIAL",
)


def _unnamed_index(tree: exp.Expr) -> bool:
    """`CREATE INDEX ON t (c)`: sqlglot reads it, MySQL 8.0 rejects it (15.1.15 "CREATE INDEX
    Statement": `CREATE [UNIQUE | FULLTEXT | SPATIAL] INDEX index_name ...`)."""
    if not isinstance(tree, exp.Create) or str(tree.args.get("kind") or "").upper() != "INDEX":
        return False
    return isinstance(tree.this, exp.Index) and tree.this.this is None


def _index_type(group: list[Token]) -> list[Token]:
    """`CREATE INDEX i [USING BTREE] ON t (a) [USING BTREE]` (valid MySQL 8.0, 15.1.15 "CREATE
    INDEX Statement"; sqlglot reads neither) without the USING clause (InnoDB indexes are
    B-trees whatever it says)."""
    if group[0].token_type != TokenType.CREATE or not any(
        t.token_type == TokenType.INDEX for t in group[:4]
    ):
        return group
    out: list[Token] = []
    i = 0
    while i < len(group):
        if (
            group[i].token_type == TokenType.USING
            and i + 1 < len(group)
            and group[i + 1].text.upper() in ("BTREE", "HASH")
        ):
            i += 2
            continue
        out.append(group[i])
        i += 1
    return out


def _enforcement(group: list[Token]) -> list[Token] | None:
    """A CHECK constraint with `[NOT] ENFORCED` (valid MySQL 8.0.16+, 15.1.20.6 "CHECK
    Constraints"; sqlglot refuses it) without those words; None when there are none."""
    out: list[Token] = []
    for token in group:
        if token.text.upper() == "ENFORCED":
            if out and out[-1].token_type == TokenType.NOT:
                out.pop()
            continue
        out.append(token)
    return out if len(out) < len(group) else None


_FLOATS = (TokenType.FLOAT, TokenType.DOUBLE, TokenType.DECIMAL)


def _unsigned_floats(group: list[Token]) -> list[Token] | None:
    """`FLOAT UNSIGNED`, `DOUBLE(8, 2) UNSIGNED`, `DECIMAL UNSIGNED` (valid MySQL 8.0, deprecated
    since 8.0.17 for these types: 13.1.1 "Numeric Data Type Syntax"; sqlglot refuses them)
    without the UNSIGNED; None when there is none."""
    out: list[Token] = []
    last_type = -9
    for token in group:
        if token.token_type in _FLOATS or token.text.upper() == "REAL":
            last_type = len(out)
        elif token.text.upper() == "UNSIGNED" and last_type >= 0:
            between = out[last_type + 1 :]
            if not between or (
                between[0].token_type == TokenType.L_PAREN
                and between[-1].token_type == TokenType.R_PAREN
                and all(t.token_type != TokenType.R_PAREN for t in between[:-1])
            ):
                last_type = -9
                continue
        out.append(token)
    return out if len(out) < len(group) else None


def _trailing_into(group: list[Token]) -> list[Token] | None:
    """A `SELECT ... FROM ... INTO var` (valid MySQL 8.0, which sqlglot cannot read) with its
    INTO moved before FROM, and one with several targets (`INTO @a, @b`) without its INTO;
    None when the statement is not one."""
    if group[0].token_type != TokenType.SELECT:
        return None
    depth = 0
    start = None
    end = len(group)
    for i, token in enumerate(group):
        kind = token.token_type
        depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
        if depth or i == 0:
            continue
        if start is None and kind == TokenType.INTO:
            start = i
        elif start is not None and kind not in (
            TokenType.VAR,
            TokenType.PARAMETER,
            TokenType.COMMA,
            TokenType.IDENTIFIER,
        ):
            end = i
            break
    if start is None:
        return None
    if any(t.token_type == TokenType.COMMA for t in group[start:end]):
        # (sqlglot reads one target only: the values go to variables, which is all that matters)
        return [*group[:start], *group[end:]]
    from_ = next((i for i, t in enumerate(group) if t.token_type == TokenType.FROM), None)
    if from_ is None or from_ > start:
        return None
    return [*group[:from_], *group[start:end], *group[from_:start], *group[end:]]


def _synthetic(at: Token, like: Token) -> Token:
    """A copy of the token `like` (an ADD) placed at token `at`."""
    return Token(like.token_type, like.text, at.line, at.col, at.start, at.end, [])


def _tokens(text: str) -> tuple[list[Token], bool]:
    """The tokens of `text`, and whether they are all of it (else those up to what the tokenizer
    could not read)."""
    tokenizer = _DIALECT.tokenizer()
    try:
        return tokenizer.tokenize(text), True
    except TokenError:
        return list(tokenizer.tokens), False


def _executed(text: str) -> str:
    """`text` with the markers of the comments MySQL 8.0 runs blanked out (offsets kept)."""
    if "/*!" not in text:
        return text
    blanks: list[tuple[int, int]] = []
    for offset, piece, _ in _pieces(text):
        if "/*!" not in piece:
            continue
        spans = [(t.start, t.end + 1) for t in _tokens(piece)[0]]
        for start, end in _comments_between_tokens(piece, spans):
            opening = _EXECUTED_COMMENT.match(piece, start)
            if opening is None or int(opening.group(1) or 0) > _NEWEST_8_0:
                continue
            if end - 2 >= opening.end() and piece.startswith("*/", end - 2):
                blanks += [
                    (offset + start, offset + opening.end()),
                    (offset + end - 2, offset + end),
                ]
    out = []
    done = 0
    for start, end in blanks:
        out += [text[done:start], " " * (end - start)]
        done = end
    return "".join([*out, text[done:]])


def _statement(
    source: SourceFile,
    parser: Parser,
    where: tuple[str, int, int],
    group: list[Token],
    diagnostics: list[Diagnostic],
) -> tuple[Statement, list[exp.Expr]]:
    """One statement from its tokens, and its trees (`where`: the text they were read from, its
    offset in the file, and the statement's index)."""
    text, offset, index = where
    start, end = offset + group[0].start, offset + group[-1].end + 1
    span = Span(source.char_to_byte(start), source.char_to_byte(end))
    events: list[AnyEvent] = []
    kinds: list[str] = []
    try:
        try:
            trees: list[exp.Expr] = [t for t in parser.parse(group, text) if t is not None]
        except ParseError:
            moved = group
            for rewrite in (_trailing_into, _unsigned_floats, _enforcement):
                moved = rewrite(moved) or moved
            if moved is group:
                raise
            trees = [t for t in parser.parse(moved, text) if t is not None]
        for tree in trees:
            if _unnamed_index(tree):
                at = next((t for t in group if t.token_type == TokenType.ON), group[0])
                diagnostics.append(
                    Diagnostic(
                        "DBA001",
                        'Syntax error at or near "ON" (MySQL\'s CREATE INDEX needs an index name)',
                        Span.at(source.char_to_byte(offset + at.start), "word"),
                        "name the index: `CREATE INDEX name ON table (columns)`",
                    )
                )
                return Statement(index, span, "Unparsed", ()), []
            lowered, problem = lower(
                tree, source, span, text[start - offset : end - offset], offset
            )
            events.extend(lowered)
            kinds.append(type(tree).__name__)
            if problem is not None:
                diagnostics.append(Diagnostic("DBA002", problem, Span.at(span.start, "word")))
    except ParseError as error:
        diagnostics.append(_syntax_error(source, error, group, offset))
        return Statement(index, span, "Unparsed", ()), []
    except RecursionError:
        message = "Statement is nested too deeply to analyse; it was not checked"
        diagnostics.append(Diagnostic("DBA002", message, Span.at(span.start, "word")))
        return Statement(index, span, "Unparsed", ()), []
    spelt = _spellings(trees, group) if events else ()
    return Statement(index, span, "+".join(kinds) or "Empty", tuple(events), spellings=spelt), trees


def _spellings(trees: list[exp.Expr], group: list[Token]) -> tuple[tuple[str, str], ...]:
    """Each identifier of a statement, folded (as its events name it), with its first spelling
    in the statement: the trees' identifiers, then the identifier tokens (for the parts lowered
    from the text)."""
    found: dict[str, str] = {}
    tokens = list(group)
    for tree in trees:
        for ident in tree.find_all(exp.Identifier):
            if ident.name:
                found.setdefault(ident.name.lower(), ident.name)
        if isinstance(tree, exp.Command) and isinstance(tree.expression, exp.Literal):
            # (a statement sqlglot keeps as text, `RENAME TABLE a TO B`: its words)
            with contextlib.suppress(TokenError):
                tokens += MySQL().tokenize(tree.expression.name)
    for token in tokens:
        if token.token_type in (TokenType.VAR, TokenType.IDENTIFIER) and token.text:
            found.setdefault(token.text.lower(), token.text)
    return tuple(found.items())


def _pieces(text: str) -> list[tuple[int, str, bool]]:
    """The file cut at the mysql client's `DELIMITER` commands (left out): (offset, text,
    whether the text is one statement). Text under the default `;` delimiter is split by the
    tokens; under another one, each stretch up to that delimiter is one statement (a procedure
    body keeps its semicolons)."""
    if not _DELIMITER.search(text):
        return [(0, text, False)]
    pieces: list[tuple[int, str, bool]] = []
    position, delimiter = 0, ";"
    for command in [*_DELIMITER.finditer(text), None]:
        stop = command.start() if command else len(text)
        if delimiter == ";":
            pieces.append((position, text[position:stop], False))
        else:
            at = position
            while at < stop:
                found = text.find(delimiter, at, stop)
                cut = stop if found < 0 else found
                pieces.append((at, text[at:cut], True))
                at = cut + len(delimiter)
        if command:
            position, delimiter = command.end(), command.group(1)
    return pieces


def _syntax_error(
    source: SourceFile, error: ParseError, group: list[Token], offset: int
) -> Diagnostic:
    """DBA001 at the token the parser stopped at (sqlglot reports its line and last column)."""
    detail = error.errors[0] if error.errors else {}
    line, column = detail.get("line"), detail.get("col")
    at = next(
        (t for t in group if t.line == line and t.col == column),
        next((t for t in group if t.line == line), group[0]),
    )
    description = _plain(str(detail.get("description") or "Invalid syntax"))
    near = source.text[offset + at.start : offset + at.end + 1]
    return Diagnostic(
        "DBA001",
        f'Syntax error at or near "{near}" ({description})',
        Span.at(source.char_to_byte(offset + at.start), "word"),
        "check the statement against MySQL 8.0's grammar, or set the file's dialect "
        "(--dialect, per-file-dialect) if it is not MySQL",
    )


_TOKEN = re.compile(r"<Token token_type: [\w.]+, text: (.*?), line: \d+.*?>")
_CLASS = re.compile(r"\s*(?:for|of)?\s*<class '[\w.]+'>")


def _plain(description: str) -> str:
    """sqlglot's error description without its internals (token and class reprs)."""
    description = _TOKEN.sub(lambda m: f'"{m.group(1)}"', description)
    if "<class" in description:
        description = "a required part is missing"
    return _CLASS.sub("", description)


def _unreadable(source: SourceFile, text: str, offset: int, read: list[Token]) -> Diagnostic:
    """DBA001 for text the tokenizer cannot read (an unterminated string, quoted identifier or
    comment): where it starts, after the last token it could read (`read`, in `text`)."""
    position = read[-1].end + 1 if read else 0
    while position < len(text):
        if text[position].isspace():
            position += 1
        elif text.startswith(("--", "#"), position):
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
        else:
            break
    return Diagnostic(
        "DBA001",
        "Syntax error: unterminated string, quoted identifier or comment",
        Span.at(source.char_to_byte(offset + min(position, len(text))), "word"),
        "close it; the statements after it were not checked",
    )


def _comments(source: SourceFile, code: str, tokens: list[tuple[int, int]]) -> tuple[Comment, ...]:
    """The `--` comments that may hold suppressions (`code`: the file as read, `tokens`: the
    starts and ends of its tokens)."""
    if not may_hold_suppressions(source):
        return ()
    found = _comments_between_tokens(code, tokens)
    return suppression_comments(source, [c for c in found if code.startswith("--", c[0])])


def _comments_between_tokens(text: str, tokens: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The start and end of each comment in `text`: they lie between its tokens (`tokens`: their
    starts and ends)."""
    found: list[tuple[int, int]] = []
    previous_end = 0
    for start, end in [*tokens, (len(text), len(text))]:
        found += _comments_in(text, previous_end, start)
        previous_end = max(previous_end, end)
    return found


def _comments_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The start and end of each comment in a stretch of text between tokens."""
    found = []
    position = start
    while position < end:
        if text.startswith("/*", position):
            close = text.find("*/", position + 2)
            stop = end if close < 0 else close + 2
        elif text.startswith(("--", "#"), position):
            # (MySQL ends these at LF only, not at a lone CR: sql_lex.cc)
            stop = text.find("\n", position)
            stop = end if stop < 0 or stop > end else stop
        else:
            position += 1
            continue
        found.append((position, stop))
        position = stop
    return found
