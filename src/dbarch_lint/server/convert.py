"""Findings as LSP sees them: diagnostics, text edits and ranges.

A finding counts lines from 1 and columns in code points from 1 (end exclusive); LSP counts both
from 0, columns in the position encoding the client and server agreed on (UTF-16 unless the
client offers another). Lines end where findings count them (LF, CRLF, a lone CR), as LSP's do.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp

from dbarch_lint.model.findings import Edit, Finding, Location, Severity
from dbarch_lint.model.source import LINE_BREAK
from dbarch_lint.reporting import visible

SOURCE = "dbarch-lint"
Units = Callable[[str], int]  # how many code units of the agreed encoding a text takes

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}


def utf16_units(text: str) -> int:
    """UTF-16 code units in `text` (LSP's default position encoding)."""
    return len(text.encode("utf-16-le")) // 2


class Lines:
    """A text cut into lines as findings count them, to turn (line, column) into positions."""

    def __init__(self, text: str, units: Units = utf16_units) -> None:
        self.text = text
        self.units = units
        self.starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]

    def position(self, line: int, column: int) -> lsp.Position:
        """The LSP position of a 1-based line and code-point column (clamped to the text)."""
        if line > len(self.starts):
            last = len(self.starts) - 1
            return lsp.Position(line=last, character=self.units(self.text[self.starts[last] :]))
        index = max(line, 1) - 1
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return lsp.Position(
            line=index, character=self.units(self.text[start : min(start + column - 1, end)])
        )

    def range(self, line: int, column: int, end_line: int, end_column: int) -> lsp.Range:
        return lsp.Range(start=self.position(line, column), end=self.position(end_line, end_column))


def path_to_uri(path: str) -> str:
    return Path(path).absolute().as_uri()


def uri_to_path(uri: str) -> str | None:
    """The file a `file:` URI names (None for another scheme: an untitled buffer, say)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return os.path.normpath(unquote(parsed.path))


def message(finding: Finding) -> str:
    """A finding's message and hint, control characters shown escaped."""
    if finding.hint is None:
        return visible(finding.message)
    return f"{visible(finding.message)}\n{visible(finding.hint)}"


def diagnostic(
    finding: Finding,
    lines: Lines,
    texts: Mapping[str, Lines],
    uri_of: Callable[[str], str],
) -> lsp.Diagnostic:
    """A finding as a diagnostic; `texts` (by shown path) place its related locations."""
    loc = finding.location
    related = [
        lsp.DiagnosticRelatedInformation(
            location=lsp.Location(uri=uri_of(r.location.path), range=_range(r.location, texts)),
            message=visible(r.message),
        )
        for r in finding.related
    ]
    return lsp.Diagnostic(
        range=lines.range(loc.line, loc.column, loc.end_line, loc.end_column),
        message=message(finding),
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=lsp.CodeDescription(href=finding.url) if finding.url else None,
        source=SOURCE,
        related_information=related or None,
    )


def _range(location: Location, texts: Mapping[str, Lines]) -> lsp.Range:
    lines = texts.get(location.path)
    if lines is None:  # (a file not linted in this run: columns as they are, 0-based)
        start = lsp.Position(line=location.line - 1, character=location.column - 1)
        end = lsp.Position(line=location.end_line - 1, character=location.end_column - 1)
        return lsp.Range(start=start, end=end)
    return lines.range(location.line, location.column, location.end_line, location.end_column)


def text_edit(edit: Edit, lines: Lines) -> lsp.TextEdit:
    where = lines.range(edit.line, edit.column, edit.end_line, edit.end_column)
    return lsp.TextEdit(range=where, new_text=edit.text)


def whole(lines: Lines, new_text: str) -> lsp.TextEdit:
    """An edit that replaces the whole text."""
    start = lsp.Position(line=0, character=0)
    end = lines.position(len(lines.starts) + 1, 1)
    return lsp.TextEdit(range=lsp.Range(start=start, end=end), new_text=new_text)


def contains(rng: lsp.Range, position: lsp.Position) -> bool:
    """Whether `position` is in `rng` (its end included: the cursor just after a word)."""
    start, end = rng.start, rng.end
    after_start = (position.line, position.character) >= (start.line, start.character)
    return after_start and (position.line, position.character) <= (end.line, end.character)


def overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    """Whether two ranges share a position (touching counts: a cursor is an empty range)."""
    a_start, a_end = (a.start.line, a.start.character), (a.end.line, a.end.character)
    b_start, b_end = (b.start.line, b.start.character), (b.end.line, b.end.character)
    return a_start <= b_end and b_start <= a_end
