"""The linting engine's front door: `lint` (what `orchestration/run.py` calls) and `replay`.

A lint parses every file of the history, replays it while the statement rules check the target
files, runs the schema rules, then asks the selection what is reported, and sorts. The rooms
behind this door, in the order a file goes through them:

- `shards.py`: cut the history into shards, one per process (`workers.py` runs them), gather;
- `history.py`: each file with its parse, in replay order, and what of it feeds the replay;
- `checking.py`: the replay, with every rule checking the statements it targets, isolated;
- `reports.py`: what the rules reported (and parse diagnostics, crashes) as findings;
- `selection.py`: which findings are reported (suppressions, per-file ignores, severity,
  DBA003).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec

from dbarch_lint.caching.store import Cache
from dbarch_lint.catalog import Schema
from dbarch_lint.inputs.discovery import Input
from dbarch_lint.linting import shards
from dbarch_lint.linting.checking import SCHEMA_WIDE
from dbarch_lint.linting.context import Settings
from dbarch_lint.linting.history import history_file, position_text, replay_file
from dbarch_lint.linting.rule_base import Rule
from dbarch_lint.linting.selection import Selection
from dbarch_lint.model.findings import SORT_KEY, Finding, LintResult, Severity
from dbarch_lint.model.source import SourceFile
from dbarch_lint.model.version import __version__
from dbarch_lint.parsing.builtin import PARSERS
from dbarch_lint.parsing.stage import Parser, iter_parsed


class RunConfig(msgspec.Struct):
    """Resolved settings for one run (`inputs/config.py` says where they come from)."""

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
    parsers: Mapping[str, Parser] = msgspec.field(default_factory=lambda: dict(PARSERS))
    check_down: bool = True  # report in down sections (down files are left out of the run)
    # What a prefix snapshot's key holds besides the files: the code, the installed packages
    # and the configuration ("": no snapshot is kept; `prefix.py`)
    prefix_salt: str = ""
    # Reads, in place, the inputs known by their stat only (`Input.unread`) when their text is
    # needed: a prefix snapshot, when found, spares reading the files it covers.
    read: Callable[[Sequence[Input]], None] | None = None
    # Polled between files: True stops the lint (`checking.Interrupted`).
    interrupted: Callable[[], bool] | None = None


def lint(
    inputs: Sequence[Input], targets: set[str], rules: Sequence[type[Rule]], run: RunConfig
) -> LintResult:
    """Lint `inputs` (the whole history, in replay order); report on files in `targets`."""
    selection = Selection(
        rules, run.enabled, run.severity, run.per_file_ignores, run.plugin_prefixes, run.external
    )
    work = shards.Work(
        inputs,
        targets,
        tuple(r(run.rule_options.get(r.code)) for r in rules if selection.is_enabled(r.code)),
        {r.code: r for r in rules},
        run.settings,
        run.cache,
        run.parsers,
        run.prefix_salt,
        run.read,
        run.interrupted,
    )
    with _no_cyclic_collection():
        linted, found = shards.lint_in_shards(work, run.jobs)
    sources = {
        t.index: SourceFile(inputs[t.index].path, position_text(inputs[t.index])) for t in linted
    }
    findings: list[Finding] = []
    for target in linted:
        source = sources[target.index]
        found_here = found.get(target.index, [])
        reported: Iterable[Finding] = selection.reported(
            source, target.comments, target.spans, found_here
        )
        if not run.check_down and target.down_offset < len(source.data):
            reported = _before_down_section(reported, source, target.down_offset)
        findings.extend(reported)
    findings.extend(found.get(SCHEMA_WIDE, ()))  # rules that crashed on the whole schema
    return LintResult(
        findings=tuple(sorted(findings, key=SORT_KEY)),
        files=len(linted),
        statements=sum(_statements(t, run.check_down) for t in linted),
        rules=tuple(r.info() for r in rules),
        tool_version=__version__,
        sources={source.path: source.text for source in sources.values()},
    )


@contextmanager
def _no_cyclic_collection() -> Iterator[None]:
    """No cyclic garbage collection while the shards are linted (as the command line runs
    with none at all): what a lint builds is freed by reference counting as it goes, and a
    collection would only rescan the parses and the replayed schema, over and over. The
    collector is as it was afterwards, and collects then what cycles a lint left (the language
    server, the Python API).

    What the lint left alive (the findings, what the rules' memos still hold of the schema)
    goes to the oldest generation, where a collection of the young ones would have moved it
    after going through all of it once: a full collection, when one comes, collects the cycles
    among it. (Not when the program keeps frozen objects: `gc.unfreeze` would thaw those too.)"""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()  # (everything tracked, out of the generations ...
            gc.unfreeze()  # ... and back, into the oldest: no object is looked at)
        gc.enable()


def _statements(target: shards.Target, check_down: bool) -> int:
    """How many statements of a target were linted (`check-down = false`: its up section's)."""
    if check_down:
        return len(target.spans)
    return sum(1 for span in target.spans if span.start < target.down_offset)


def _before_down_section(
    findings: Iterable[Finding], source: SourceFile, down_offset: int
) -> list[Finding]:
    """`check-down = false`: the findings above a file's down section. They are dropped after
    selection, so a suppression in the section that suppresses nothing is not reported either."""
    down_line = source.line_of(down_offset)  # (the marker starts its line)
    return [finding for finding in findings if finding.location.line < down_line]


def replay(
    inputs: Sequence[Input],
    parsers: Mapping[str, Parser],
    cache: Cache | None = None,
    *,
    empty_start: bool = False,
) -> Schema:
    """The schema after replaying `inputs` (down migrations and sections excluded);
    `empty_start`: the history starts from an empty database (`if-not-exists = "new"`)."""
    schema = Schema()
    schema.empty_start = empty_start
    parsed_files = iter_parsed(inputs, cache, parsers)
    for index, (item, parsed) in enumerate(zip(inputs, parsed_files, strict=True)):
        replay_file(schema, history_file(index, item, parsed, target=False))
    return schema
