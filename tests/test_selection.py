"""Selection on its own: given a file's findings, what is reported (no parsing, no rules run)."""

from __future__ import annotations

from dbarch_lint.linting.selection import Selection
from dbarch_lint.model.findings import Finding, Location, Severity
from dbarch_lint.model.ir import Comment, Span
from dbarch_lint.model.source import SourceFile
from dbarch_lint.plugins.host import PluginHost

RULES = PluginHost(autoload=False).rules()
TEXT = "CREATE TABLE a (id serial); -- noqa: DBA101, DBA102\nCREATE TABLE b (id serial);\n"
SOURCE = SourceFile("m.sql", TEXT)
COMMENT = Span(TEXT.index("--"), TEXT.index("\n"))
COMMENTS = (Comment(COMMENT, TEXT[COMMENT.start : COMMENT.end], own_line=False),)
STATEMENTS = [Span(0, TEXT.index(";") + 1), Span(TEXT.index("\n") + 1, len(TEXT) - 1)]


def _finding(code: str, rule: str, line: int) -> Finding:
    return Finding(code, rule, Severity.WARNING, Location("m.sql", line, 1, line, 2), "found")


def _selection(
    enabled: tuple[str, ...] = ("DBA101", "DBA102", "DBA003"),
    severity: dict[str, Severity] | None = None,
    ignores: tuple[str, ...] = (),
) -> Selection:
    per_file = {"m.sql": ignores} if ignores else {}
    return Selection(RULES, frozenset(enabled), severity or {}, per_file, (), ())


def _reported(selection: Selection, *found: Finding) -> list[tuple[str, int, Severity]]:
    reported = selection.reported(SOURCE, COMMENTS, STATEMENTS, list(found))
    return [(f.code, f.location.line, f.severity) for f in reported]


def test_a_suppression_covers_its_statement_only_and_unused_tokens_are_dba003() -> None:
    found = [_finding("DBA101", "serial-column", 1), _finding("DBA101", "serial-column", 2)]
    assert _reported(_selection(), *found) == [
        ("DBA101", 2, Severity.WARNING),
        ("DBA003", 1, Severity.WARNING),  # DBA102 suppressed nothing
    ]
    # A suppression of a rule that is not enabled could not have been used: no DBA003.
    assert _reported(_selection(("DBA101", "DBA003")), *found) == [("DBA101", 2, Severity.WARNING)]


def test_only_enabled_codes_are_reported_with_their_configured_severity() -> None:
    selection = _selection(("DBA101",), {"DBA101": Severity.ERROR})
    found = [_finding("DBA101", "serial-column", 2), _finding("DBA201", "x", 2)]
    assert _reported(selection, *found) == [("DBA101", 2, Severity.ERROR)]
    assert selection.is_enabled("DBA101") and not selection.is_enabled("DBA201")


def test_per_file_ignores_take_codes_prefixes_and_names() -> None:
    for ignored in ("DBA101", "DBA1", "serial-column"):
        selection = _selection(("DBA101",), ignores=(ignored,))
        assert _reported(selection, _finding("DBA101", "serial-column", 2)) == []


def test_a_crashing_rule_is_always_reported() -> None:
    crash = _finding("DBA000", "internal-error", 1)
    selection = _selection(("DBA101",), ignores=("DBA0",))
    assert _reported(selection, crash) == [("DBA000", 1, Severity.WARNING)]
