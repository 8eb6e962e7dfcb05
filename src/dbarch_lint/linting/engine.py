"""The pipeline: parse every file, replay the history while statement rules run on the targets,
run schema rules, then apply suppressions, selection and severity, and sort.

A large history is cut into consecutive shards, one per process (`-j`): each parses its own
files, hands them to the later shards, replays the earlier shards' files without checking them,
then replays and checks its own; the last shard also runs the schema rules. Every rule runs
exactly as it would in one process (the tests compare the two).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import msgspec

from dbarch_lint.caching.store import Cache
from dbarch_lint.catalog.schema import Origin, Schema
from dbarch_lint.inputs.discovery import Input
from dbarch_lint.linting import workers
from dbarch_lint.linting.context import Report, Rewrite, RuleContext, SchemaContext, Settings
from dbarch_lint.linting.rule_base import FUNCTION_BODY_FAMILIES, Rule, SchemaRule, StatementRule
from dbarch_lint.linting.selection import Suppression, Vocabulary, collect
from dbarch_lint.model.findings import Edit, Finding, Fix, LintResult, Location, Related, Severity
from dbarch_lint.model.ir import Comment, Diagnostic, ParsedFile, Span, Statement
from dbarch_lint.model.source import LINE_BREAK, SourceFile, extent_end
from dbarch_lint.model.version import __version__
from dbarch_lint.parsing.stage import iter_parsed
from dbarch_lint.runners import FileRun
from dbarch_lint.runners.naming import reverts
from dbarch_lint.runners.transactions import resolve

_Check = Callable[[Any, RuleContext], Iterable[Report]]
_Dispatch = dict[type, list[tuple[StatementRule, _Check]]]  # event type -> rules
_MIGRATE_DOWN = re.compile(rb"^[ \t]*--[ \t]*migrate:down\b", re.M | re.I)

_PLAIN = FileRun("plain")


class RunConfig(msgspec.Struct):
    """Resolved settings for one run (see `config.py` for where they come from)."""

    enabled: frozenset[str]
    severity: dict[str, Severity] = msgspec.field(default_factory=dict)
    rule_options: dict[str, Any] = msgspec.field(default_factory=dict)
    # target (shown path) -> the codes, prefixes and names `per-file-ignores` ignores there
    per_file_ignores: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    settings: Settings = msgspec.field(default_factory=Settings)
    plugin_prefixes: tuple[str, ...] = ()
    external: tuple[str, ...] = ()  # other tools' codes that look like ours
    jobs: int = 1  # processes to lint in (shards of the history)
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
    work = _Work(
        inputs,
        targets,
        tuple(r(run.rule_options.get(r.code)) for r in rules if r.code in run.enabled),
        {r.code: r for r in rules},
        run,
    )
    shards = _shards([_work_estimate(item.text or "") for item in inputs], run.jobs)
    outcomes = workers.run_shards(
        len(shards),
        functools.partial(_lint_shard, work, shards),
        msgspec.msgpack.encode,
        functools.partial(msgspec.msgpack.decode, type=_Outcome),
    )
    linted = [target for outcome in outcomes for target in outcome.targets]
    raw = [item for outcome in outcomes for item in outcome.raw]
    sources = {t.index: SourceFile(inputs[t.index].path, _text(inputs[t.index])) for t in linted}
    findings = _findings(linted, sources, raw, rules, run)
    return LintResult(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        files=len(linted),
        statements=sum(len(t.spans) for t in linted),
        rules=tuple(r.info() for r in rules),
        tool_version=__version__,
        sources={source.path: source.text for source in sources.values()},
    )


# Unfiltered findings: (file index, -1 for none; rank in the file's list; the finding).
_Raw = list[tuple[int, int, Finding]]
_MIN_SHARD_WORK = 600_000  # below this much work, a worker process costs more than it saves
_PREFIX_SHARE = 0.3  # taking in and replaying a file costs about this much of parsing+linting it


def _work_estimate(text: str) -> int:
    """What parsing and linting a file costs, in units of a byte of SQL (fitted on the corpus:
    a statement costs about as much as 50 bytes, opening a file about 700)."""
    return len(text) + 50 * text.count(";") + 700


class _Work(msgspec.Struct):
    """What every shard of a lint shares."""

    inputs: Sequence[Input]
    targets: set[str]
    active: tuple[Rule, ...]  # the enabled rules, with their options
    by_code: dict[str, type[Rule]]  # every rule (the engine's codes report diagnostics)
    run: RunConfig


class _Target(msgspec.Struct, array_like=True, gc=False):
    """What the caller needs of a target file a shard parsed: its comments (suppressions live
    there) and the span of each top-level statement (a suppression above a statement covers all
    of it, and a DO block is one statement there)."""

    index: int
    comments: tuple[Comment, ...]
    spans: list[Span]


class _Outcome(msgspec.Struct, array_like=True, gc=False):
    """What a shard hands back: its target files and its findings before suppressions and
    selection (those need every finding of a file, and the schema rules run in the last shard)."""

    targets: list[_Target]
    raw: _Raw


def _shards(weights: Sequence[int], jobs: int) -> list[tuple[int, int]]:
    """Split the files into at most `jobs` consecutive runs of about equal work. A shard also
    takes in and replays every file before it, so later shards get fewer files of their own."""
    total = sum(weights)
    count = max(1, min(jobs, total // _MIN_SHARD_WORK))
    if count == 1 or not workers.can_fork():
        return [(0, len(weights))]
    # Shard k costs (its own work) + _PREFIX_SHARE * (the work before it): choose the
    # boundaries so that every shard costs `share`, which solves for the total.
    keep = 1 - _PREFIX_SHARE
    share = total * (1 - keep) / (1 - keep**count)
    bounds, done, budget = [0], 0, share
    for index, weight in enumerate(weights):
        if len(bounds) < count and done >= budget:
            bounds.append(index)
            budget = done + share - _PREFIX_SHARE * done
        done += weight
    bounds.append(len(weights))
    return list(itertools.pairwise(bounds))


def _lint_shard(
    work: _Work, shards: list[tuple[int, int]], number: int, exchange: workers.Exchange
) -> _Outcome:
    """Parse this shard's files and hand them to later shards; take in the earlier shards'
    files and replay them; then lint this shard's files."""
    start, end = shards[number]
    own = list(iter_parsed(work.inputs[start:end], work.run.cache))
    if number + 1 < len(shards):
        exchange.publish(msgspec.msgpack.encode(own))
    earlier = [
        p for data in exchange.gather() for p in msgspec.msgpack.decode(data, type=list[ParsedFile])
    ]
    files = _file_list(work.inputs[:end], work.targets, [*earlier, *own])
    targets = [
        _Target(
            file.index,
            file.parsed.comments,
            [s.span for s in file.parsed.statements if not s.within],
        )
        for file in files[start:]
        if file.target
    ]
    return _Outcome(targets, _shard(work, files, start))


def _shard(work: _Work, files: list[_File], start: int) -> _Raw:
    """Replay the files before `start` quietly, then the others while the statement rules check
    the targets among them; the shard that ends the history also runs the schema rules. Returns
    the findings before suppressions and selection (those need all of a file's findings)."""
    active, run, end = work.active, work.run, len(files)
    schema = Schema()
    for file in files[:start]:
        _replay_file(schema, file)
    reports: dict[int, list[tuple[Rule, Report]]] = defaultdict(list)
    crashes: list[tuple[int, Rule, Statement, Exception]] = []
    by_dialect: dict[str, tuple[_Dispatch, _Dispatch]] = {}
    for file in files[start:end]:
        if not file.target:
            _replay_file(schema, file)
            continue
        dialect = file.input.dialect
        if dialect not in by_dialect:
            by_dialect[dialect] = _dispatch(active, dialect)
        dispatch, in_bodies = by_dialect[dialect]
        statements = file.parsed.statements
        ctx = RuleContext(file.input.path, file.down_from, schema, run.settings, file.source.data)
        ctx.statements = statements
        how = file.input.run or _PLAIN
        model = resolve(
            how.mode, statements, ctx.text, run.settings.pg_version, how.down_mode, file.down_offset
        )
        ctx.transactions, ctx.transaction_kinds = model.starts, model.kinds
        ctx.runner, ctx.wrapped, ctx.implicit = how.runner, model.wrapped, model.implicit
        ctx.refused = model.refused
        ctx.dialect = dialect
        file_reports = reports[file.index]
        bodies = _bodies(file.parsed.bodies) if file.parsed.bodies else None
        for position, statement in enumerate(statements):
            _check(ctx, statement, dispatch, file_reports, crashes, file.index)
            if bodies is not None and statement.index in bodies:
                # The statements of its function's body, seeing the schema it sees.
                for inner in bodies[statement.index]:
                    _check(ctx, inner, in_bodies, file_reports, crashes, file.index)
            if _replays(file, statement):
                schema.apply(
                    statement, Origin(file.index, statement.index, file.input.path, statement.span)
                )
            elif position + 1 < len(statements):
                # A down migration is never replayed, but its statements see each other: replay
                # them into a fork that is thrown away with the file. (Nothing sees the last one.)
                if ctx.schema is schema:
                    ctx.schema = schema.fork()
                ctx.schema.apply(
                    statement,
                    Origin(file.down_from, statement.index, file.input.path, statement.span),
                )
    if end == len(work.inputs):
        target_indexes = frozenset(f.index for f in files if f.target)
        dialects = {f.index: f.input.dialect for f in files if f.input.dialect != "postgres"}
        for rule in active:
            if isinstance(rule, SchemaRule):
                sctx = SchemaContext(schema, run.settings, dialects)
                try:
                    for report in rule.check(sctx):
                        if report.origin is None or report.origin.file_index not in target_indexes:
                            continue
                        if rule.applies_to(sctx.dialect(report.origin)):
                            reports[report.origin.file_index].append((rule, report))
                except Exception as error:
                    crashes.append((-1, rule, Statement(0, Span(0, 0), "", ()), error))
    return _raw_findings(files, files[start:end], reports, crashes, work.by_code)


def _dispatch(active: Sequence[Rule], dialect: str) -> tuple[_Dispatch, _Dispatch]:
    """Event type -> the statement rules for `dialect` that target it, each with its bound
    `check`; and the same for function bodies (they run later, outside the migration: only
    some families look at them)."""
    dispatch: _Dispatch = defaultdict(list)
    in_bodies: _Dispatch = defaultdict(list)
    for rule in active:
        if isinstance(rule, StatementRule) and rule.applies_to(dialect):
            for target in rule.targets:
                dispatch[target].append((rule, rule.check))
                if rule.family in FUNCTION_BODY_FAMILIES:
                    in_bodies[target].append((rule, rule.check))
    return dispatch, in_bodies


def _bodies(bodies: tuple[Statement, ...]) -> dict[int, list[Statement]]:
    """Function-body statements by the index of the statement that holds them."""
    held: dict[int, list[Statement]] = defaultdict(list)
    for statement in bodies:
        held[statement.index].append(statement)
    return held


def _check(
    ctx: RuleContext,
    statement: Statement,
    dispatch: _Dispatch,
    reports: list[tuple[Rule, Report]],
    crashes: list[tuple[int, Rule, Statement, Exception]],
    file_index: int,
) -> None:
    """Run the rules that target its events on one statement."""
    ctx.statement = statement
    for event in statement.events:
        for rule, check in dispatch.get(type(event), ()):
            try:
                # (a plain loop: most checks report nothing, this is the hot path)
                for report in check(event, ctx):
                    reports.append((rule, report))
            except Exception as error:  # a crashing rule must not stop the others
                crashes.append((file_index, rule, statement, error))


def _replay_file(schema: Schema, file: _File) -> None:
    """Apply a file's statements to the schema."""
    for statement in file.parsed.statements:
        if _replays(file, statement):
            origin = Origin(file.index, statement.index, file.input.path, statement.span)
            schema.apply(statement, origin)


def _replays(file: _File, statement: Statement) -> bool:
    """Whether a statement feeds the replay: never one of a down migration or section."""
    return not file.input.down and statement.span.start < file.down_offset


def replay(inputs: Sequence[Input], cache: Cache | None = None) -> Schema:
    """The schema after replaying `inputs` (down migrations and sections excluded)."""
    schema = Schema()
    parsed_files = iter_parsed(inputs, cache)
    for index, (item, parsed) in enumerate(zip(inputs, parsed_files, strict=True)):
        _replay_file(schema, _file(index, item, parsed, target=False))
    return schema


def _text(item: Input) -> str:
    """The text positions refer to (an unreadable file's, decoded as well as it could be)."""
    return item.position_text if item.text is None else item.text


def _file(index: int, item: Input, parsed: ParsedFile, target: bool) -> _File:
    source = SourceFile(item.path, _text(item))
    # (the regex scans slowly: most files do not have the marker at all)
    match = _MIGRATE_DOWN.search(source.data) if b"migrate:down" in source.data.lower() else None
    down_offset = match.start() if match else len(source.data) + 1
    return _File(index, item, source, parsed, target, index, down_offset)


def _file_list(
    inputs: Sequence[Input], targets: set[str], parsed: Sequence[ParsedFile]
) -> list[_File]:
    """Each input with its parse, in replay order. A down migration counts objects created by
    its up migration (the file before it) as new."""
    files: list[_File] = []
    for index, (item, parse) in enumerate(zip(inputs, parsed, strict=True)):
        file = _file(index, item, parse, item.path in targets)
        if files and item.down and reverts(item.path, files[-1].input.path):
            file.down_from = index - 1
        files.append(file)
    return files


def _raw_findings(
    files: list[_File],
    shard: list[_File],
    reports: dict[int, list[tuple[Rule, Report]]],
    crashes: list[tuple[int, Rule, Statement, Exception]],
    by_code: dict[str, type[Rule]],
) -> _Raw:
    """A shard's findings, each with its file index and its rank in the file's list (parse
    diagnostics, statement rules, schema rules, crashes: the order suppressions see)."""
    raw: _Raw = []
    for file in shard:
        if file.target:
            for diagnostic in file.parsed.diagnostics:
                raw.append((file.index, 0, _diagnostic_finding(file, diagnostic, by_code)))
            if file.input.run is not None and file.input.run.problem is not None:
                problem = Diagnostic("DBA004", file.input.run.problem, Span(0, 0))
                raw.append((file.index, 0, _diagnostic_finding(file, problem, by_code)))
    for index, file_reports in reports.items():
        file = files[index]
        for rule, report in file_reports:
            rank = 1 if report.origin is None else 2
            raw.append((index, rank, _report_finding(files, file, rule, report)))
    for index, rule, statement, error in crashes:
        if index == -1:
            location = Location("<schema>", 1, 1, 1, 1)
            message = f"Rule {rule.code} ({rule.name}) raised {error!r}"
            raw.append((-1, 3, _make(by_code["DBA000"], location, message, None)))
        else:
            raw.append((index, 3, _crash_finding(files[index], rule, statement, error, by_code)))
    return raw


def _findings(
    linted: list[_Target],
    sources: dict[int, SourceFile],
    raw: _Raw,
    rules: Sequence[type[Rule]],
    run: RunConfig,
) -> Iterator[Finding]:
    """Apply each target file's suppressions, per-file ignores and severities to its findings."""
    by_code = {r.code: r for r in rules}
    vocabulary = Vocabulary(
        [r.code for r in rules],
        {r.name: r.code for r in rules},
        ("DBA", *run.plugin_prefixes),
        run.external,
    )
    by_file: dict[int, list[Finding]] = defaultdict(list)
    for index, _rank, finding in sorted(raw, key=lambda item: item[:2]):
        by_file[index].append(finding)
    for target in linted:
        source = sources[target.index]
        found = by_file.get(target.index, [])
        yield from _filter(source, target, found, vocabulary, by_code, run)
    yield from by_file.get(-1, ())  # rules that crashed on the whole schema


def _filter(
    source: SourceFile,
    target: _Target,
    raw: list[Finding],
    vocabulary: Vocabulary,
    by_code: dict[str, type[Rule]],
    run: RunConfig,
) -> Iterator[Finding]:

    def statement_lines() -> list[tuple[int, int]]:
        return [
            (source.line_of(span.start), source.line_of(max(span.start, span.end - 1)))
            for span in target.spans
        ]

    suppressions = collect(target.comments, source.line_of, statement_lines)
    ignored = run.per_file_ignores.get(source.path, ())
    for finding in raw:
        if finding.code not in run.enabled and finding.code != "DBA000":
            continue
        if finding.code != "DBA000":
            if ignored and any(vocabulary.matches(t, finding.code, finding.rule) for t in ignored):
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
        _fix(source, report.fix, rule) if report.fix is not None else None,
        related,
    )


def _fix(source: SourceFile, rewrite: Rewrite, rule: Rule) -> Fix:
    """A rule's rewrite with positions as findings give them (lines and columns), its line
    breaks the file's own, as safe as the rule says its fixes are."""
    edits = tuple(
        Edit(*source.line_column(start), *source.line_column(end), _line_breaks(text, source))
        for start, end, text in rewrite.edits
    )
    return Fix(rewrite.description, edits, rule.fix_applicability)


def _line_breaks(text: str, source: SourceFile) -> str:
    """`text` with each line break written as most of the file's are (LF, CRLF or a lone CR):
    a bare LF in a CRLF file would leave it with mixed line endings."""
    if not LINE_BREAK.search(text) or "\r" not in source.text:
        return text
    counts = Counter(LINE_BREAK.findall(source.text))
    ending = max(("\n", "\r\n", "\r"), key=counts.__getitem__)  # (a tie, or none at all: LF)
    return LINE_BREAK.sub(ending, text)


def _crash_finding(
    file: _File, rule: Rule, statement: Statement, error: Exception, by_code: dict[str, type[Rule]]
) -> Finding:
    message = (
        f"Rule {rule.code} ({rule.name}) raised {type(error).__name__}: {error}; "
        "it did not check this statement"
    )
    hint = "a bug in dbarch-lint or in the plugin that provides the rule: please report it"
    return _make(by_code["DBA000"], _location(file.source, statement.span), message, hint)
