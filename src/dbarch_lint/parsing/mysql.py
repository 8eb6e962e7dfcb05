"""The MySQL parser: sqlglot (dialect `mysql`) to IR statements.

The file is tokenized once; statements are the runs of tokens between semicolons, each parsed
on its own so that one bad statement never hides the others. Positions come from the tokens
(code-point offsets into the file, converted to the byte offsets spans use). `--` comments are
found between tokens, where comments are (suppressions live in them). sqlglot is imported only
here: a PostgreSQL run never loads it.
"""

from __future__ import annotations

import logging
import re

from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

from dbarch_lint.ir import AnyEvent, Comment, Diagnostic, ParsedFile, Span, Statement
from dbarch_lint.parsing.mysql_lower import lower
from dbarch_lint.source import SourceFile

_DIALECT = MySQL()
_SUPPRESSION_HINT = re.compile(r"noqa|dbarch-lint", re.I)
# sqlglot logs a warning for each statement it keeps only as a bare command: we report those
# as DBA002 ourselves.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def parse_mysql(source: SourceFile) -> ParsedFile:
    """Parse one MySQL file into statements, diagnostics and suppression comments."""
    text = source.text
    statements: list[Statement] = []
    diagnostics: list[Diagnostic] = []
    tokenizer = _DIALECT.tokenizer()
    try:
        tokens = tokenizer.tokenize(text)
        groups = _statements(tokens)
    except TokenError:
        # The statements before the one it could not read are still checked.
        tokens = list(tokenizer.tokens)
        groups = _statements(tokens)
        if groups and (not tokens or tokens[-1].token_type != TokenType.SEMICOLON):
            groups.pop()  # (the unreadable statement's first tokens)
        diagnostics.append(_unreadable(source, tokens))
    parser = _DIALECT.parser()
    for group in groups:
        span = Span(source.char_to_byte(group[0].start), source.char_to_byte(group[-1].end + 1))
        index = len(statements)
        try:
            trees = [tree for tree in parser.parse(group, text) if tree is not None]
        except ParseError as error:
            diagnostics.append(_syntax_error(source, error, group))
            statements.append(Statement(index, span, "Unparsed", ()))
            continue
        events: list[AnyEvent] = []
        kinds: list[str] = []
        chunk = text[group[0].start : group[-1].end + 1]
        for tree in trees:
            lowered, problem = lower(tree, source, span, chunk)
            events.extend(lowered)
            kinds.append(type(tree).__name__)
            if problem is not None:
                diagnostics.append(Diagnostic("DBA002", problem, Span.at(span.start, "word")))
        statements.append(Statement(index, span, "+".join(kinds) or "Empty", tuple(events)))
    return ParsedFile(tuple(statements), tuple(diagnostics), _comments(source, tokens))


def _statements(tokens: list[Token]) -> list[list[Token]]:
    """The tokens of each statement (semicolons left out, empty statements dropped)."""
    groups: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            groups.append([])
        else:
            groups[-1].append(token)
    return [group for group in groups if group]


def _syntax_error(source: SourceFile, error: ParseError, group: list[Token]) -> Diagnostic:
    """DBA001 at the token the parser stopped at (sqlglot reports its line and last column)."""
    detail = error.errors[0] if error.errors else {}
    line, column = detail.get("line"), detail.get("col")
    at = next(
        (t for t in group if t.line == line and t.col == column),
        next((t for t in group if t.line == line), group[0]),
    )
    description = str(detail.get("description") or "Invalid syntax")
    near = source.text[at.start : at.end + 1]
    return Diagnostic(
        "DBA001",
        f'Syntax error at or near "{near}" ({description})',
        Span.at(source.char_to_byte(at.start), "word"),
        "check the statement against MySQL 8.0's grammar, or set the file's dialect "
        "(--dialect, per-file-dialect) if it is not MySQL",
    )


def _unreadable(source: SourceFile, read: list[Token]) -> Diagnostic:
    """DBA001 for text the tokenizer cannot read (an unterminated string, quoted identifier or
    comment): where it starts, after the last token it could read (`read`)."""
    text = source.text
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
        Span.at(source.char_to_byte(min(position, len(text))), "word"),
        "close it; the statements after it were not checked",
    )


def _comments(source: SourceFile, tokens: list[Token]) -> tuple[Comment, ...]:
    """The `--` comments that may hold suppressions: they lie between tokens."""
    text = source.text
    if not _SUPPRESSION_HINT.search(text):
        return ()
    comments = []
    previous_end = 0
    for start, end in [*((t.start, t.end + 1) for t in tokens), (len(text), len(text))]:
        for found in _line_comments(text, previous_end, start):
            body = text[found[0] : found[1]]
            if _SUPPRESSION_HINT.search(body):
                line_start = text.rfind("\n", 0, found[0]) + 1
                own_line = not text[line_start : found[0]].strip()
                span = Span(source.char_to_byte(found[0]), source.char_to_byte(found[1]))
                comments.append(Comment(span, body, own_line))
        previous_end = max(previous_end, end)
    return tuple(comments)


def _line_comments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The `--` comments in a stretch of text between tokens (block and `#` comments are
    stepped over)."""
    found = []
    position = start
    while position < end:
        if text.startswith("/*", position):
            close = text.find("*/", position + 2)
            position = end if close < 0 else close + 2
        elif text.startswith("--", position) or text.startswith("#", position):
            stop = text.find("\n", position)
            stop = end if stop < 0 or stop > end else stop
            if text.startswith("--", position):
                found.append((position, stop))
            position = stop
        else:
            position += 1
    return found
