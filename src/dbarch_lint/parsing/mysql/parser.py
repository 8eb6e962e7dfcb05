"""The MySQL parser: sqlglot (dialect `mysql`) to IR statements.

The file is tokenized once (in pieces where the mysql client's `DELIMITER` command changes the
delimiter); statements are the runs of tokens between semicolons, each parsed on its own so that
one bad statement never hides the others. Positions come from the tokens (code-point offsets,
converted to the byte offsets spans use). `--` comments are found between tokens, where comments
are (suppressions live in them). The comments MySQL runs (`/*! ... */`) are read as the code they
hold. sqlglot is imported only here: a PostgreSQL run never loads it.
"""

from __future__ import annotations

import logging
import re

from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokenizer_core import Token, TokenType

from dbarch_lint.model.ir import AnyEvent, Comment, Diagnostic, ParsedFile, Span, Statement
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.comments import may_hold_suppressions, suppression_comments
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
    statements: list[Statement] = []
    diagnostics: list[Diagnostic] = []
    read: list[tuple[int, int]] = []  # every token's start and end in the file
    parser = _DIALECT.parser()
    code = _executed(source.text)
    for offset, text, whole in _pieces(code):
        tokens, complete = _tokens(text)
        if complete:
            groups = [tokens] if whole and tokens else _statements(tokens)
        else:
            # The statements before the one it could not read are still checked.
            groups = [] if whole else _statements(tokens)
            if groups and tokens[-1].token_type != TokenType.SEMICOLON:
                groups.pop()  # (the unreadable statement's first tokens)
            diagnostics.append(_unreadable(source, text, offset, tokens))
        read += [(offset + t.start, offset + t.end + 1) for t in tokens]
        for group in groups:
            where = (text, offset, len(statements))
            statements.append(_statement(source, parser, where, group, diagnostics))
    return ParsedFile(tuple(statements), tuple(diagnostics), _comments(source, code, read))


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
) -> Statement:
    """One statement from its tokens (`where`: the text they were read from, its offset in the
    file, and the statement's index)."""
    text, offset, index = where
    start, end = offset + group[0].start, offset + group[-1].end + 1
    span = Span(source.char_to_byte(start), source.char_to_byte(end))
    events: list[AnyEvent] = []
    kinds: list[str] = []
    try:
        trees = [tree for tree in parser.parse(group, text) if tree is not None]
        for tree in trees:
            lowered, problem = lower(
                tree, source, span, text[start - offset : end - offset], offset
            )
            events.extend(lowered)
            kinds.append(type(tree).__name__)
            if problem is not None:
                diagnostics.append(Diagnostic("DBA002", problem, Span.at(span.start, "word")))
    except ParseError as error:
        diagnostics.append(_syntax_error(source, error, group, offset))
        return Statement(index, span, "Unparsed", ())
    except RecursionError:
        message = "Statement is nested too deeply to analyse; it was not checked"
        diagnostics.append(Diagnostic("DBA002", message, Span.at(span.start, "word")))
        return Statement(index, span, "Unparsed", ())
    return Statement(index, span, "+".join(kinds) or "Empty", tuple(events))


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


def _statements(tokens: list[Token]) -> list[list[Token]]:
    """The tokens of each statement (semicolons left out, empty statements dropped)."""
    groups: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            groups.append([])
        else:
            groups[-1].append(token)
    return [group for group in groups if group]


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
    description = str(detail.get("description") or "Invalid syntax")
    near = source.text[offset + at.start : offset + at.end + 1]
    return Diagnostic(
        "DBA001",
        f'Syntax error at or near "{near}" ({description})',
        Span.at(source.char_to_byte(offset + at.start), "word"),
        "check the statement against MySQL 8.0's grammar, or set the file's dialect "
        "(--dialect, per-file-dialect) if it is not MySQL",
    )


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
