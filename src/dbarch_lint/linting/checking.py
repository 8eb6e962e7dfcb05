"""Checking: replay the history while the rules check the target files, each rule isolated.

The statement rules run on every statement of a target file, seeing the schema just before it
(the replay of every earlier statement); the schema rules run once the history ends. A rule
that raises is recorded as a crash (DBA000 for that rule and statement) and the others go on.

Nothing here decides what is reported: every report on a target file is kept with the rule that
made it. `reports.py` turns them into findings, and `selection.py` decides which of those are
reported (suppressions, per-file ignores, severity).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import msgspec

from dbarch_lint.catalog import Origin, Schema
from dbarch_lint.catalog.conditionals import Conditionals
from dbarch_lint.linting.context import (
    Report,
    RuleContext,
    SchemaContext,
    Settings,
)
from dbarch_lint.linting.history import HistoryFile, note_unread, replay_end, replay_file
from dbarch_lint.linting.rule_base import (
    CONVENTION_FAMILIES,
    FUNCTION_BODY_FAMILIES,
    Rule,
    SchemaRule,
    StatementRule,
)
from dbarch_lint.linting.transaction_questions import IF_NOT_EXISTS_EVENTS as _IF_NOT_EXISTS
from dbarch_lint.linting.transaction_questions import locks_read_later
from dbarch_lint.model.ir import AlterColumnType, CreateTable, Span, Statement
from dbarch_lint.runners import FileRun
from dbarch_lint.runners.transactions import resolve

_Check = Callable[[Any, RuleContext], Iterable[Report]]
_PLAIN = FileRun("plain")
# The events that may change nothing (`RuleContext.changes_nothing`).
# A rule that raised: (file index, or -1 for a schema rule; the rule; the statement it was
# checking; the exception).
Crash = tuple[int, Rule, Statement, Exception]
SCHEMA_WIDE = -1  # the file index of a schema rule's crash: it concerns no one file


class Interrupted(Exception):
    """A lint stopped because its `interrupted` said so (nothing of it is reported)."""


class _Dispatch(dict[type, tuple[_Check, ...]]):
    """Event type -> the `check` of each statement rule that targets it, the one the engine
    calls: that of the instance that checks (`Rule.checking`), bound when the first event of
    the type comes (a built-in rule's module is imported then; a call each through its
    registered stand-in would cost every event). `rule_of` gives a check's rule, for its
    reports (a check alone per call: unpacking a pair per call costs more than a look-up per
    report, and most calls report nothing)."""

    def __init__(self, rules: Sequence[StatementRule]) -> None:
        super().__init__()
        self._rules = rules
        self.rule_of: dict[_Check, StatementRule] = {}

    def __missing__(self, kind: type) -> tuple[_Check, ...]:
        checks = []
        for rule in self._rules:
            if kind in rule.targets:
                check = _bound_check(rule)
                self.rule_of[check] = rule
                checks.append(check)
        bound = self[kind] = tuple(checks)
        return bound


def _bound_check(rule: StatementRule) -> _Check:
    try:
        checks: _Check = rule.checking().check
    except Exception:  # (its module does not import: each check then raises, a crash each)
        return rule.check
    return checks


class Checked(msgspec.Struct):
    """What the rules made of some target files."""

    # file index -> what each rule reported there, in the order the rules reported it
    reports: dict[int, list[tuple[Rule, Report]]]
    crashes: list[Crash]


def check(
    files: list[HistoryFile],
    start: int,
    rules: Sequence[Rule],
    settings: Settings,
    schema_rules: bool,
    *,
    replayed: Schema | None = None,
    keep: Callable[[Schema], None] | None = None,
    interrupted: Callable[[], bool] | None = None,
) -> Checked:
    """Replay the files before `start` quietly (or take `replayed`, their replay, from a
    prefix snapshot; `keep` sees the schema they leave before anything changes it), then the
    others while the statement rules among `rules` check the targets among them; then, if
    `schema_rules` (the files end the history), run the schema rules on the schema the replay
    left. `interrupted`, polled before each file is checked, stops it with `Interrupted`."""
    schema = replayed
    if schema is None:
        schema = Schema()
        schema.empty_start = settings.if_not_exists == "new"
        for file in files[:start]:
            replay_file(schema, file)
        if keep is not None:
            keep(schema)
    checked = Checked(defaultdict(list), [])
    by_dialect: dict[str, tuple[_Dispatch, _Dispatch]] = {}
    for file in files[start:]:
        if interrupted is not None and interrupted():
            raise Interrupted
        if not file.target:
            replay_file(schema, file)
            continue
        dialect = file.input.dialect
        if dialect not in by_dialect:
            by_dialect[dialect] = _dispatch(rules, dialect)
        _check_file(schema, file, *by_dialect[dialect], settings, checked)
    if schema_rules:
        _check_schema(schema, files, rules, settings, checked)
    return checked


def _check_file(
    schema: Schema,
    file: HistoryFile,
    dispatch: _Dispatch,
    in_bodies: _Dispatch,
    settings: Settings,
    checked: Checked,
) -> None:
    """Check a target file statement by statement, replaying each after its check."""
    statements = file.parsed.statements
    ctx = _context(file, schema, settings)
    reports, crashes = checked.reports[file.index], checked.crashes
    bodies = _bodies(file.parsed.bodies) if file.parsed.bodies else None
    conditionals = Conditionals(statements)
    root = schema  # (a down migration's statements: a fork, thrown away with the file)
    end, index, path, last = replay_end(file), file.index, file.input.path, len(statements) - 1
    locks_read = ctx.locks_read
    for position, statement in enumerate(statements):
        feeds = statement.span.start < end
        if not feeds and root is schema and position < last:
            # A down migration is never replayed, but its statements see each other: replay
            # them into a fork that is thrown away with the file. (Nothing sees the last one.)
            conditionals.close()
            root = schema.fork()
        # (most statements: outside any conditional, straight into `root`)
        into = conditionals.at(position, root) if statement.branch or conditionals.frames else root
        if into is None:
            ctx.skipped.add(statement.index)  # (an alternative that cannot run: its guard is
            continue  # false, or its failure is swallowed; it takes no lock either)
        ctx.schema = into
        _check(ctx, statement, dispatch, reports, crashes, index)
        if statement.index in locks_read:  # (most statements: no later one reads its locks)
            ctx.record_locks()
        if bodies is not None and statement.index in bodies:
            # The statements of its function's body, seeing the schema it sees.
            for inner in bodies[statement.index]:
                _check(ctx, inner, in_bodies, reports, crashes, index)
        if feeds:
            into.apply(statement, Origin(index, statement.index, path, statement.span))
        elif position < last:
            into.apply(statement, Origin(file.down_from, statement.index, path, statement.span))
    conditionals.close()
    if not file.input.down:  # (a down migration feeds nothing)
        note_unread(schema, file)


def _context(file: HistoryFile, schema: Schema, settings: Settings) -> RuleContext:
    """What the statement rules see of a file (reused for each of its statements): its text,
    its statements and the transaction each runs in, as its runner runs it."""
    statements = file.parsed.statements
    ctx = RuleContext(
        file.input.path, file.down_from, schema, settings, file.source.data, source=file.source
    )
    ctx.statements = statements
    how = file.input.run or _PLAIN
    model = resolve(
        how.mode, statements, ctx.text, settings.pg_version, how.down_mode, file.down_offset
    )
    ctx.transactions, ctx.transaction_kinds = model.starts, model.kinds
    ctx.locks_read = locks_read_later(model.starts)
    ctx.runner, ctx.wrapped, ctx.implicit = how.runner, model.wrapped, model.implicit
    ctx.refused = model.refused
    ctx.dialect = file.input.dialect
    return ctx


def _dispatch(rules: Sequence[Rule], dialect: str) -> tuple[_Dispatch, _Dispatch]:
    """Event type -> the statement rules for `dialect` that target it, each with its bound
    `check`; and the same for function bodies (they run later, outside the
    migration: only some families look at them)."""
    statement_rules = [
        rule for rule in rules if isinstance(rule, StatementRule) and rule.applies_to(dialect)
    ]
    in_bodies = [rule for rule in statement_rules if rule.family in FUNCTION_BODY_FAMILIES]
    return _Dispatch(statement_rules), _Dispatch(in_bodies)


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
    crashes: list[Crash],
    file_index: int,
) -> None:
    """Run the rules that target its events on one statement."""
    ctx.statement = statement
    event: Any  # (`if_not_exists` is read only of the types in `_IF_NOT_EXISTS`)
    for event in statement.events:
        kind = type(event)
        checks = dispatch[kind]
        if not checks:
            continue
        # (an IF NOT EXISTS, or a type change: most events are neither)
        if kind in _NARROWED and (kind is AlterColumnType or event.if_not_exists):
            checks = _narrowed(ctx, event, checks, dispatch.rule_of)
        for check in checks:
            try:
                # (a plain loop: most checks report nothing, this is the hot path)
                for report in check(event, ctx):
                    reports.append((dispatch.rule_of[check], report))
            except Exception as error:  # a crashing rule must not stop the others
                crashes.append((file_index, dispatch.rule_of[check], statement, error))


# The events whose rules may be fewer (`_narrowed`).
_NARROWED = frozenset((*_IF_NOT_EXISTS, AlterColumnType))


def _narrowed(
    ctx: RuleContext,
    event: Any,
    checks: tuple[_Check, ...],
    rule_of: dict[_Check, StatementRule],
) -> tuple[_Check, ...]:
    """The checks that see `event` (an IF NOT EXISTS, or a type change): all of them, but for
    an IF NOT EXISTS of what the replay has (nothing but its table lock is real) and a type
    change to the type the column has (not the convention rules')."""
    if type(event) is not AlterColumnType and ctx.server_skips(event):
        return tuple(
            c for c in checks if rule_of[c].sees_skipped and not isinstance(event, CreateTable)
        )
    if type(event) is AlterColumnType and ctx.restates_type(event):
        return tuple(c for c in checks if rule_of[c].family not in CONVENTION_FAMILIES)
    return checks


def _check_schema(
    schema: Schema,
    files: list[HistoryFile],
    rules: Sequence[Rule],
    settings: Settings,
    checked: Checked,
) -> None:
    """Run the schema rules on the replayed schema. They see objects from every file of the
    history, so what they report outside the targets (or in a dialect they do not check) is
    dropped."""
    dialects = {f.index: f.input.dialect for f in files if f.input.dialect != "postgres"}
    ctx = SchemaContext(schema, settings, dialects, files)
    targets = ctx.targets
    for rule in rules:
        if isinstance(rule, SchemaRule):
            try:
                for report in rule.check(ctx):
                    if report.origin is None or report.origin.file_index not in targets:
                        continue
                    if rule.applies_to(ctx.dialect(report.origin)):
                        checked.reports[report.origin.file_index].append((rule, report))
            except Exception as error:
                checked.crashes.append((SCHEMA_WIDE, rule, Statement(0, Span(0, 0), "", ()), error))
