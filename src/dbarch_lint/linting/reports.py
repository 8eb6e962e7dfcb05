"""Turning what the checking found into findings: a rule's `Report`, a parse diagnostic or a
rule's crash becomes a `Finding` with its code, lines and columns, fix and related places.

Rules and parsers speak in byte offsets of the file they saw; findings speak in lines and
columns, with a fix's line breaks written as the file writes its own. This happens in the
process that checked the file (a worker hands back findings, not reports), before `selection`
decides which findings are reported.
"""

from __future__ import annotations

from collections import Counter

from dbarch_lint.catalog import Origin
from dbarch_lint.linting.checking import SCHEMA_WIDE, Checked
from dbarch_lint.linting.context import Report, Rewrite
from dbarch_lint.linting.history import HistoryFile
from dbarch_lint.linting.rule_base import Rule
from dbarch_lint.model.findings import (
    Applicability,
    Edit,
    Finding,
    Fix,
    FollowUp,
    Location,
    Related,
)
from dbarch_lint.model.ir import Diagnostic, Span, Statement
from dbarch_lint.model.source import LINE_BREAK, SourceFile, extent_end
from dbarch_lint.runners import sequelize

# Findings before selection: (file index, or -1 for a schema rule's crash; its rank in the
# file's list; the finding).
Unselected = list[tuple[int, int, Finding]]


def findings(
    files: list[HistoryFile],
    own: list[HistoryFile],
    checked: Checked,
    by_code: dict[str, type[Rule]],
) -> Unselected:
    """The findings of the target files among `own` (`files`: the history up to them, which a
    schema rule's report may point into). Each comes with its file index and its rank in the
    file's list: parse diagnostics, statement rules, schema rules, crashes, the order
    suppressions see them in."""
    found: Unselected = []
    for file in own:
        if file.target:
            for diagnostic in file.parsed.diagnostics:
                found.append((file.index, 0, _diagnostic_finding(file, diagnostic, by_code)))
            if file.input.run is not None and file.input.run.problem is not None:
                problem = Diagnostic("DBA004", file.input.run.problem, Span(0, 0))
                found.append((file.index, 0, _diagnostic_finding(file, problem, by_code)))
    urls: dict[Rule, str | None] = {}  # (asked once per rule, not once per finding)
    for index, file_reports in checked.reports.items():
        _report_findings(found, files, index, file_reports, urls)
    for index, rule, statement, error in checked.crashes:
        if index == SCHEMA_WIDE:
            location = Location("<schema>", 1, 1, 1, 1)
            message = f"Rule {rule.code} ({rule.name}) raised {error!r}"
            found.append((SCHEMA_WIDE, 3, engine_finding(by_code["DBA000"], location, message)))
        else:
            found.append((index, 3, _crash_finding(files[index], rule, statement, error, by_code)))
    return found


def location(source: SourceFile, span: Span) -> Location:
    """Where a span is, in lines and columns (a span that only marks a start gets its extent,
    at least one character)."""
    start, end = span.start, span.end
    if span.extent == "exact":
        return Location(source.path, *source.line_columns(start, end if end > start else start))
    end = extent_end(source.data, start, span.extent)
    if end < start:
        end = start
    line, column, end_line, end_column = source.line_columns(start, end)
    if end_line == line and end_column == column:
        size = len(source.data)
        end_line, end_column = source.line_column(start + 1 if start < size else size)
    return Location(source.path, line, column, end_line, end_column)


def engine_finding(
    rule: type[Rule], location: Location, message: str, hint: str | None = None
) -> Finding:
    """A finding of one of the engine's own codes (DBA000-DBA004)."""
    return Finding(rule.code, rule.name, rule.severity, location, message, hint, rule.url())


def _diagnostic_finding(
    file: HistoryFile, diagnostic: Diagnostic, by_code: dict[str, type[Rule]]
) -> Finding:
    return engine_finding(
        by_code[diagnostic.code],
        location(file.source, diagnostic.span),
        diagnostic.message,
        diagnostic.hint,
    )


def _source_of(files: list[HistoryFile], file: HistoryFile, origin: Origin) -> SourceFile:
    """The text an origin's span is in. A down migration's own statements carry the file index
    of its up migration (what that created counts as new) but the down file's path."""
    if origin.path == file.input.path:
        return file.source
    return files[origin.file_index].source


def _report_findings(
    found: Unselected,
    files: list[HistoryFile],
    index: int,
    reports: list[tuple[Rule, Report]],
    urls: dict[Rule, str | None],
) -> None:
    """Add the findings of the rules' reports on one file to `found` (`urls`: the rules' pages
    asked so far). One call per file: the work per report is done in one frame."""
    file = files[index]
    own = file.source
    script = sequelize.is_script(own.path)  # (as a report's file is, unless its origin is not)
    # A fifth of the reports are on a span another report of the file is on (several rules on
    # one statement): each place is worked out once.
    places: dict[Span, Location] = {}
    for rule, report in reports:
        url = urls[rule] if rule in urls else urls.setdefault(rule, rule.url())
        span, origin = report.span, report.origin
        if origin is None:
            rank, source, in_script = 1, own, script
            if span in places:
                where = places[span]
            else:
                where = places[span] = location(own, span)
        else:
            rank, source = 2, _source_of(files, file, origin)
            where = location(source, span)
            in_script = script if source is own else sequelize.is_script(source.path)
        related = (
            tuple(
                Related(location(_source_of(files, file, r.origin), r.origin.span), r.message)
                for r in report.related
            )
            if report.related
            else ()
        )
        hint = (
            sequelize.hint(rule.code, report.message, report.hint, _in_raw_sql(source, span))
            if in_script
            else report.hint
        )
        # (a fix rewrites SQL: never offered in a Sequelize migration's JavaScript)
        fix = _fix(source, report.fix, rule) if report.fix is not None and not in_script else None
        severity = report.severity or rule.severity
        finding = Finding(
            rule.code, rule.name, severity, where, report.message, hint, url, fix, related
        )
        found.append((index, rank, finding))


def _fix(source: SourceFile, rewrite: Rewrite, rule: Rule) -> Fix:
    """A rule's rewrite with positions as findings give them (lines and columns), its line
    breaks the file's own, as safe as the rule says its fixes are."""
    # (a plain loop: most rewrites have one edit, for which a comprehension's frame costs more;
    # most edits have no line break to rewrite, tested here rather than in a call)
    edits = []
    for start, end, text in rewrite.edits:
        if "\n" in text or "\r" in text:
            text = _line_breaks(text, source)
        if start <= end:
            edits.append(Edit(*source.line_columns(start, end), text))
        else:
            edits.append(Edit(*source.line_column(start), *source.line_column(end), text))
    applicability = Applicability.UNSAFE if rewrite.unsafe else rule.fix_applicability
    follow_up = FollowUp(*rewrite.follow_up) if rewrite.follow_up is not None else None
    return Fix(rewrite.description, tuple(edits), applicability, follow_up, rewrite.transaction_off)


def _line_breaks(text: str, source: SourceFile) -> str:
    """`text` with each line break written as most of the file's are (LF, CRLF or a lone CR):
    a bare LF in a CRLF file would leave it with mixed line endings."""
    # (a file's whole text is scanned for a CR only when the text has a line break)
    if "\r" not in source.text:
        return text
    counts = Counter(LINE_BREAK.findall(source.text))
    ending = max(("\n", "\r\n", "\r"), key=counts.__getitem__)  # (a tie, or none at all: LF)
    return LINE_BREAK.sub(ending, text)


def _crash_finding(
    file: HistoryFile,
    rule: Rule,
    statement: Statement,
    error: Exception,
    by_code: dict[str, type[Rule]],
) -> Finding:
    message = (
        f"Rule {rule.code} ({rule.name}) raised {type(error).__name__}: {error}; "
        "it did not check this statement"
    )
    hint = "a bug in dbarch-lint or in the plugin that provides the rule: please report it"
    return engine_finding(by_code["DBA000"], location(file.source, statement.span), message, hint)


def _in_raw_sql(source: SourceFile, span: Span) -> bool:
    """Whether a finding in a Sequelize migration is in SQL it writes out
    (`sequelize.query('...')`): its hint stays SQL."""
    data = source.data
    return data.rfind(b".query(", 0, span.start) > data.rfind(b";", 0, span.start)
