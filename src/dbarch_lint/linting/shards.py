"""Shards: a large history is cut into consecutive runs of files, one per process (`-j`).

Each shard parses its own files, hands them to the later shards, replays the earlier shards'
files without checking them, then replays and checks its own; the last shard also runs the
schema rules. Every rule runs exactly as it would in one process (the tests compare the two).
This module decides where the shards start and end, what each does and hands back, and gathers
their findings; `workers.py` runs them.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import msgspec

from dbarch_lint.caching.store import Cache
from dbarch_lint.catalog import Schema
from dbarch_lint.inputs.discovery import Input
from dbarch_lint.linting import checking, prefix, reports, workers
from dbarch_lint.linting.context import Settings
from dbarch_lint.linting.history import HistoryFile, history, position_text
from dbarch_lint.linting.reports import Unselected
from dbarch_lint.linting.rule_base import Rule
from dbarch_lint.model.findings import Finding
from dbarch_lint.model.ir import Comment, ParsedFile, Span
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.stage import Parser, iter_parsed

MIN_SHARD_WORK = 600_000  # below this much work, a worker process costs more than it saves
_PREFIX_SHARE = 0.3  # taking in and replaying a file costs about this much of parsing+linting it
_SPAN, _WITHIN = operator.attrgetter("span"), operator.attrgetter("within")  # (of a statement)
_FINDING = operator.itemgetter(2)  # (of an `Unselected` entry)


class Work(msgspec.Struct):
    """What every shard of a lint shares (a forked worker inherits it without a copy)."""

    inputs: Sequence[Input]  # the whole history, in replay order
    targets: set[str]  # the paths of the files to lint
    rules: tuple[Rule, ...]  # the enabled rules, with their options
    by_code: dict[str, type[Rule]]  # every rule (the engine's codes report diagnostics)
    settings: Settings
    cache: Cache | None
    parsers: Mapping[str, Parser]  # by dialect
    # What a prefix snapshot's key holds besides the files (`prefix.py`; "": none is kept).
    prefix_salt: str = ""
    # Reads the inputs known by their stat only (`Input.unread`), in place (`engine.RunConfig`).
    read: Callable[[Sequence[Input]], None] | None = None
    interrupted: Callable[[], bool] | None = None  # polled between files (`engine.RunConfig`)

    def read_unread(self, inputs: Sequence[Input]) -> None:
        """Make sure every input of `inputs` has been read (its text is needed)."""
        if self.read is not None and any(item.unread for item in inputs):
            self.read(inputs)


class Target(msgspec.Struct, array_like=True, gc=False):
    """What selection needs of a target file a shard parsed: its comments (suppressions live
    there) and the span of each top-level statement (a suppression above a statement covers all
    of it, and a DO block is one statement there)."""

    index: int
    comments: tuple[Comment, ...]
    spans: list[Span]
    down_offset: int  # where its down section (dbmate's `-- migrate:down`) starts, if it has one


class _Outcome(msgspec.Struct, array_like=True, gc=False):
    """What a shard hands back: its target files and its findings before selection (which
    needs every finding of a file, and the schema rules run in the last shard)."""

    targets: list[Target]
    found: Unselected


def lint_in_shards(work: Work, jobs: int) -> tuple[list[Target], dict[int, list[Finding]]]:
    """Check the history in at most `jobs` processes. Returns the target files, in replay
    order, and by file index (-1: a schema rule that crashed) the findings before selection,
    in the order suppressions see them (`reports.findings`)."""
    # (each file's text read once: a target's estimate, known from its text, is kept)
    known = {
        index: _work_estimate(item.text)
        for index, item in enumerate(work.inputs)
        if item.path in work.targets and item.text is not None
    }
    targeted = sum(known.values()) + sum(
        _work_estimate("")
        for item in work.inputs
        if item.path in work.targets and item.text is None
    )
    if targeted >= MIN_SHARD_WORK or work.cache is None or not work.prefix_salt:
        # (shards, or no prefix snapshot: every file is parsed; else `_lint_after_prefix`
        # reads what its snapshot, if found, does not cover)
        work.read_unread(work.inputs)
    weights = [
        known[index] if index in known else _work_estimate(item.text or "")
        for index, item in enumerate(work.inputs)
    ]
    # (few targets at the end of a long history: replaying the rest costs less than a worker)
    bounds = divide(weights, jobs if targeted >= MIN_SHARD_WORK else 1)
    outcomes = workers.run_shards(
        len(bounds),
        functools.partial(_lint_shard, work, bounds),
        msgspec.msgpack.encode,
        functools.partial(msgspec.msgpack.decode, type=_Outcome),
    )
    found = list(itertools.chain.from_iterable(outcome.found for outcome in outcomes))
    by_file: dict[int, list[Finding]] = defaultdict(list)
    # (by file index and rank; a C key, not a lambda called for each finding; each file's
    # findings picked out in C, not appended one by one)
    ordered = sorted(found, key=operator.itemgetter(0, 1))
    for index, group in itertools.groupby(ordered, key=operator.itemgetter(0)):
        by_file[index] = list(map(_FINDING, group))
    return [target for outcome in outcomes for target in outcome.targets], by_file


def _work_estimate(text: str) -> int:
    """What parsing and linting a file costs, in units of a byte of SQL (fitted on the corpus:
    a statement costs about as much as 50 bytes, opening a file about 700)."""
    return len(text) + 50 * text.count(";") + 700


def divide(weights: Sequence[int], jobs: int) -> list[tuple[int, int]]:
    """Split the files into at most `jobs` consecutive runs of about equal work. A shard also
    takes in and replays every file before it, so later shards get fewer files of their own."""
    total = sum(weights)
    count = max(1, min(jobs, total // MIN_SHARD_WORK))
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
    work: Work, bounds: list[tuple[int, int]], number: int, exchange: workers.Exchange
) -> _Outcome:
    """Parse this shard's files and hand them to later shards; take in the earlier shards'
    files and replay them; then lint this shard's files."""
    start, end = bounds[number]
    if len(bounds) == 1 and work.cache is not None and work.prefix_salt:
        return _lint_after_prefix(work, work.cache)
    own = list(iter_parsed(work.inputs[start:end], work.cache, work.parsers))
    if number + 1 < len(bounds):
        exchange.publish(msgspec.msgpack.encode(own))
    earlier = [
        p for data in exchange.gather() for p in msgspec.msgpack.decode(data, type=list[ParsedFile])
    ]
    files = history(work.inputs[:end], work.targets, [*earlier, *own])
    targets = _targets(files[start:])
    ends_history = end == len(work.inputs)
    checked = checking.check(
        files, start, work.rules, work.settings, ends_history, interrupted=work.interrupted
    )
    return _Outcome(targets, reports.findings(files, files[start:], checked, work.by_code))


def _targets(files: list[HistoryFile]) -> list[Target]:
    """What selection needs of the target files among `files`."""
    return [
        Target(
            file.index,
            file.parsed.comments,
            # (picked out in C: a file has thousands of statements)
            list(map(_SPAN, itertools.filterfalse(_WITHIN, file.parsed.statements))),
            file.down_offset,
        )
        for file in files
        if file.target
    ]


def _lint_after_prefix(work: Work, cache: Cache) -> _Outcome:
    """Lint the whole history in this process, the files before the first target taken from
    their prefix snapshot when the cache holds it (else replayed, and the snapshot stored)."""
    inputs = work.inputs
    first = prefix.first_target(inputs, work.targets)
    work.read_unread(inputs[first:])
    name = prefix.key(work.prefix_salt, work.settings, inputs[:first], work.parsers)
    found = prefix.load(cache, name, first) if name is not None and first else None
    if found is not None:
        earlier = prefix.light(found.heads)
    else:
        if any(item.unread for item in inputs[:first]):
            # (read now, they are keyed as read: what a snapshot holds was replayed from them)
            work.read_unread(inputs[:first])
            name = prefix.key(work.prefix_salt, work.settings, inputs[:first], work.parsers)
        earlier = list(iter_parsed(inputs[:first], cache, work.parsers))
    own = list(iter_parsed(inputs[first:], cache, work.parsers))
    files = history(inputs, work.targets, [*earlier, *own])
    targets = _targets(files[first:])

    def keep(schema: Schema) -> None:
        if name is not None and first:
            prefix.save(cache, name, schema, earlier)

    checked = checking.check(
        files,
        first,
        work.rules,
        work.settings,
        True,
        replayed=found.schema if found is not None else None,
        keep=keep,
        interrupted=work.interrupted,
    )
    _read_cited(work, files[:first], checked)
    return _Outcome(targets, reports.findings(files, files[first:], checked, work.by_code))


def _read_cited(work: Work, earlier: Sequence[HistoryFile], checked: checking.Checked) -> None:
    """Read the earlier files not read (a prefix snapshot covered them) that a finding points
    into: its place, or a related one (the covering index, where a table was created)."""
    cited = {
        origin.file_index
        for found in checked.reports.values()
        for _rule, report in found
        for origin in (report.origin, *(r.origin for r in report.related))
        if origin is not None and origin.file_index < len(earlier)
    }
    unread = [earlier[index] for index in sorted(cited) if earlier[index].input.unread]
    if unread:
        work.read_unread([file.input for file in unread])
        for file in unread:
            file.source = SourceFile(file.input.path, position_text(file.input))
