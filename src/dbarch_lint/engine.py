"""The pipeline: parse every file, replay the history while statement rules run on the targets,
run schema rules, then apply suppressions, selection and severity, and sort."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import msgspec

from dbarch_lint import __version__
from dbarch_lint.cache import Cache
from dbarch_lint.context import Report, RuleContext, SchemaContext, Settings
from dbarch_lint.discovery import Input, glob_matches, up_migration_path
from dbarch_lint.findings import Finding, LintResult, Location, Related, Severity
from dbarch_lint.ir import Diagnostic, ParsedFile, Span, Statement
from dbarch_lint.parse_stage import iter_parsed
from dbarch_lint.rule import Rule, SchemaRule, StatementRule
from dbarch_lint.schema import Origin, Schema
from dbarch_lint.source import SourceFile, extent_end
from dbarch_lint.suppression import Suppression, Vocabulary, collect

_Check = Callable[[Any, RuleContext], Iterable[Report]]
_MIGRATE_DOWN = re.compile(rb"^[ \t]*--[ \t]*migrate:down\b", re.M | re.I)


class RunConfig(msgspec.Struct):
    """Resolved settings for one run (see `config.py` for where they come from)."""

    enabled: frozenset[str]
    severity: dict[str, Severity] = msgspec.field(default_factory=dict)
    rule_options: dict[str, Any] = msgspec.field(default_factory=dict)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    settings: Settings = msgspec.field(default_factory=Settings)
    plugin_prefixes: tuple[str, ...] = ()
    external: tuple[str, ...] = ()  # other tools' codes that look like ours
    jobs: int = 1  # worker processes for parsing
    cache: Cache | None = None


class _File(msgspec.Struct):
    index: int
    input: Input
    source: SourceFile
    parsed: ParsedFile
    target: bool
    down_from: int  # file index whose objects count as new (its own, or its up migration's)
    down_offset: int  # statements starting at or after this byte offset are a down section


def lint(
    inputs: Sequence[Input], targets: set[str], rules: Sequence[type[Rule]], run: RunConfig
) -> LintResult:
    """Lint `inputs` (the whole history, in replay order); report on files in `targets`."""
    files: list[_File] = []
    active = [r(run.rule_options.get(r.code)) for r in rules if r.code in run.enabled]
    reports: dict[int, list[tuple[Rule, Report]]] = defaultdict(list)
    crashes: list[tuple[int, Rule, Statement, Exception]] = []
    schema = Schema()
    # Event type -> the rules that target it, each with its bound `check` and its options.
    dispatch: dict[type, list[tuple[StatementRule, _Check, Any]]] = defaultdict(list)
    for rule in active:
        if isinstance(rule, StatementRule):
            for target in rule.targets:
                dispatch[target].append((rule, rule.check, rule.options))
    for file in _files(inputs, targets, run):
        files.append(file)
        ctx = RuleContext(file.input.path, file.down_from, schema, run.settings, file.source.data)
        statements = file.parsed.statements
        file_reports = reports[file.index]
        for position, statement in enumerate(statements):
            down = file.input.down or statement.span.start >= file.down_offset
            if file.target:
                ctx.statement = statement
                for event in statement.events:
                    for rule, check, options in dispatch.get(type(event), ()):
                        ctx.options = options
                        try:
                            # (a plain loop: most checks report nothing, this is the hot path)
                            for report in check(event, ctx):
                                file_reports.append((rule, report))
                        except Exception as error:  # a crashing rule must not stop the others
                            crashes.append((file.index, rule, statement, error))
            if not down:
                schema.apply(
                    statement, Origin(file.index, statement.index, file.input.path, statement.span)
                )
            elif file.target and position + 1 < len(statements):
                # A down migration is never replayed, but its statements see each other: replay
                # them into a fork that is thrown away with the file. (Nothing sees the last one.)
                if ctx.schema is schema:
                    ctx.schema = schema.fork()
                ctx.schema.apply(
                    statement,
                    Origin(file.down_from, statement.index, file.input.path, statement.span),
                )
    target_indexes = frozenset(f.index for f in files if f.target)
    for rule in active:
        if isinstance(rule, SchemaRule):
            sctx = SchemaContext(schema, run.settings, rule.options)
            try:
                for report in rule.check(sctx):
                    if report.origin is not None and report.origin.file_index in target_indexes:
                        reports[report.origin.file_index].append((rule, report))
            except Exception as error:
                crashes.append((-1, rule, Statement(0, Span(0, 0), "", ()), error))
    findings = _findings(files, reports, crashes, rules, run)
    return LintResult(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        files=sum(1 for f in files if f.target),
        statements=sum(len(f.parsed.statements) for f in files if f.target),
        rules=tuple(r.info() for r in rules),
        tool_version=__version__,
        sources={f.input.path: f.source.text for f in files if f.target},
    )


def replay(inputs: Sequence[Input], jobs: int = 1, cache: Cache | None = None) -> Schema:
    """The schema after replaying `inputs` (down migrations and sections excluded)."""
    schema = Schema()
    parsed_files = iter_parsed(inputs, jobs, cache)
    for index, (item, parsed) in enumerate(zip(inputs, parsed_files, strict=True)):
        file = _file(index, item, parsed, target=False)
        if file.input.down:
            continue
        for statement in file.parsed.statements:
            if statement.span.start < file.down_offset:
                origin = Origin(index, statement.index, item.path, statement.span)
                schema.apply(statement, origin)
    return schema


def _file(index: int, item: Input, parsed: ParsedFile, target: bool) -> _File:
    source = SourceFile(item.path, item.position_text if item.text is None else item.text)
    match = _MIGRATE_DOWN.search(source.data)
    down_offset = match.start() if match else len(source.data) + 1
    return _File(index, item, source, parsed, target, index, down_offset)


def _files(inputs: Sequence[Input], targets: set[str], run: RunConfig) -> Iterator[_File]:
    """Each input with its parse, in replay order, as soon as it is parsed (worker processes parse
    ahead while the replay runs). A down migration counts objects created by its up migration
    (the file before it) as new."""
    previous: _File | None = None
    parsed = iter_parsed(inputs, run.jobs, run.cache)
    for index, (item, parse) in enumerate(zip(inputs, parsed, strict=True)):
        file = _file(index, item, parse, item.path in targets)
        if previous and item.down and previous.input.path == up_migration_path(item.path):
            file.down_from = previous.index
        previous = file
        yield file


def _findings(
    files: list[_File],
    reports: dict[int, list[tuple[Rule, Report]]],
    crashes: list[tuple[int, Rule, Statement, Exception]],
    rules: Sequence[type[Rule]],
    run: RunConfig,
) -> Iterator[Finding]:
    by_code = {r.code: r for r in rules}
    vocabulary = Vocabulary(
        [r.code for r in rules],
        {r.name: r.code for r in rules},
        ("DBA", *run.plugin_prefixes),
        run.external,
    )
    for file in files:
        if not file.target:
            continue
        raw: list[Finding] = []
        for diagnostic in file.parsed.diagnostics:
            raw.append(_diagnostic_finding(file, diagnostic, by_code))
        for rule, report in reports.get(file.index, ()):
            raw.append(_report_finding(files, file, rule, report))
        for index, rule, statement, error in crashes:
            if index == file.index:
                raw.append(_crash_finding(file, rule, statement, error, by_code))
        yield from _filter(file, raw, vocabulary, by_code, run)
    for index, rule, _statement, error in crashes:
        if index == -1:
            location = Location("<schema>", 1, 1, 1, 1)
            yield _make(
                by_code["DBA000"],
                location,
                f"Rule {rule.code} ({rule.name}) raised {error!r}",
                None,
            )


def _filter(
    file: _File,
    raw: list[Finding],
    vocabulary: Vocabulary,
    by_code: dict[str, type[Rule]],
    run: RunConfig,
) -> Iterator[Finding]:
    source = file.source

    def statement_lines() -> list[tuple[int, int]]:
        return [
            (source.line_of(s.span.start), source.line_of(max(s.span.start, s.span.end - 1)))
            for s in file.parsed.statements
        ]

    suppressions = collect(file.parsed.comments, source.line_of, statement_lines)
    ignored = [
        tokens for pattern, tokens in run.per_file_ignores if glob_matches(file.input.path, pattern)
    ]
    for finding in raw:
        if finding.code not in run.enabled and finding.code != "DBA000":
            continue
        if finding.code != "DBA000":
            if ignored and any(
                vocabulary.matches(t, finding.code, finding.rule)
                for tokens in ignored
                for t in tokens
            ):
                continue
            if suppressions and _suppressed(finding, suppressions, vocabulary):
                continue
        yield _with_severity(finding, run)
    if "DBA003" in run.enabled:
        for unused in _unused(suppressions, vocabulary, run):
            suppression, text, known = unused
            location = _location(source, suppression.comment.span)
            message = (
                f"Suppression of {text} suppresses nothing here"
                if known
                else f"Suppression names {text}, which is not a known code or rule name"
            )
            yield _with_severity(
                _make(by_code["DBA003"], location, message, "remove it from the comment"), run
            )


def _suppressed(finding: Finding, suppressions: list[Suppression], vocabulary: Vocabulary) -> bool:
    line = finding.location.line
    hit = False
    for suppression in suppressions:
        if suppression.first_line <= line <= suppression.last_line:
            for token in suppression.tokens:
                if vocabulary.matches(token.text, finding.code, finding.rule):
                    token.used = True
                    hit = True
    return hit


def _unused(
    suppressions: list[Suppression], vocabulary: Vocabulary, run: RunConfig
) -> Iterator[tuple[Suppression, str, bool]]:
    for suppression in suppressions:
        for token in suppression.tokens:
            if token.used or not vocabulary.is_ours(token.text):
                continue
            if not vocabulary.is_known(token.text):
                yield suppression, token.text, False
            elif any(
                vocabulary.matches(token.text, code, name)
                for name, code in vocabulary.names.items()
                if code in run.enabled and code != "DBA003"
            ):
                yield suppression, token.text, True


def _with_severity(finding: Finding, run: RunConfig) -> Finding:
    severity = run.severity.get(finding.code)
    if severity is None or severity is finding.severity:
        return finding
    return msgspec.structs.replace(finding, severity=severity)


def _location(source: SourceFile, span: Span) -> Location:
    start = source.line_column(span.start)
    end_offset = (
        span.end if span.extent == "exact" else extent_end(source.data, span.start, span.extent)
    )
    end = source.line_column(max(end_offset, span.start))
    if end == start and span.extent != "exact":
        end = source.line_column(min(span.start + 1, len(source.data)))
    return Location(source.path, *start, *end)


def _make(rule: type[Rule], location: Location, message: str, hint: str | None) -> Finding:
    return Finding(rule.code, rule.name, rule.severity, location, message, hint, rule.url())


def _diagnostic_finding(
    file: _File, diagnostic: Diagnostic, by_code: dict[str, type[Rule]]
) -> Finding:
    return _make(
        by_code[diagnostic.code],
        _location(file.source, diagnostic.span),
        diagnostic.message,
        diagnostic.hint,
    )


def _report_finding(files: list[_File], file: _File, rule: Rule, report: Report) -> Finding:
    source = files[report.origin.file_index].source if report.origin else file.source
    related = (
        tuple(
            Related(_location(files[r.origin.file_index].source, r.origin.span), r.message)
            for r in report.related
        )
        if report.related
        else ()
    )
    return Finding(
        rule.code,
        rule.name,
        rule.severity,
        _location(source, report.span),
        report.message,
        report.hint,
        rule.url(),
        report.fix,
        related,
    )


def _crash_finding(
    file: _File, rule: Rule, statement: Statement, error: Exception, by_code: dict[str, type[Rule]]
) -> Finding:
    message = (
        f"Rule {rule.code} ({rule.name}) raised {type(error).__name__}: {error}; "
        "it did not check this statement"
    )
    hint = "a bug in dbarch-lint or in the plugin that provides the rule: please report it"
    return _make(by_code["DBA000"], _location(file.source, statement.span), message, hint)
