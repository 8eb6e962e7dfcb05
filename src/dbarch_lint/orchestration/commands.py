"""What each command does, from a loaded configuration to its output and exit code.

The command line parses options into a `Config`, calls one function here, writes the `Answer`'s
output and exits with its code. Messages for the user (warnings, `-v`, what `--fix` did) go to
`say` as they come. A usage, config or plugin problem raises `DbarchLintError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import msgspec

from dbarch_lint.inputs import config as cfg
from dbarch_lint.model.errors import UsageError
from dbarch_lint.model.findings import LintResult, Severity
from dbarch_lint.orchestration import keys
from dbarch_lint.orchestration.run import (
    Run,
    consulted_unchanged,
    execute,
    prepare,
    project_root,
)

if TYPE_CHECKING:
    from dbarch_lint.caching.store import Cache
    from dbarch_lint.orchestration import fixes

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
Say = Callable[[str], None]


# (Structs, not dataclasses: a dataclass's methods are compiled when its class is made, on every
# start of the command line.)
class Answer(msgspec.Struct, frozen=True):
    """A command's output (for stdout or the output file) and its exit code; for `check
    --sarif-file`, the same run's SARIF too."""

    output: str | bytes
    exit_code: int
    sarif: str | bytes | None = None


class Presentation(msgspec.Struct, frozen=True):
    """How the text report is shown (part of the report cache's key)."""

    color: bool = False
    quiet: bool = False


PLAIN = Presentation()  # (no colour, the summary shown)


def check(
    paths: Sequence[str],
    config: cfg.Config,
    say: Say,
    *,
    stdin: bytes | None = None,
    stdin_filename: str | None = None,
    presentation: Presentation = PLAIN,
    verbose: bool = False,
) -> Answer:
    """`dbarch-lint check`: lint, fix or show fixes; from the report cache when it can."""
    from dbarch_lint.caching.store import Cache, CachedReport
    from dbarch_lint.reporting import ReporterOptions

    _check_sarif_file(config)
    run = prepare(list(paths), config, stdin=stdin, stdin_filename=stdin_filename)
    warn = _prefixed(say, "warning")
    for message in run.warnings:
        warn(message)
    cache = Cache.open(project_root(config, run.cwd), warn) if config.cache else None
    # The report cache answers a run that changed nothing (-v wants to see the run itself,
    # --write-baseline, --fix and --diff want their files written or shown).
    answerable = not (verbose or config.fix or config.diff) and config.write_baseline is None
    # (statistics beside a machine-readable report go to stderr: the run says them)
    answerable = answerable and not (config.statistics and config.format != "text")
    shown = (presentation.color, presentation.quiet)
    run_key = keys.report_key(run, cache, shown) if cache and answerable else None
    cached = cache.get_report(run_key) if cache and run_key else None
    if cache is not None and answerable:
        # (earlier files its index knows unchanged are read only if their text is needed)
        run.known = cache.get_file_index()
    # (The key holds the settings, `sarif-file` included: an entry of a run that asked for
    # SARIF holds it.)
    if cache and cached is not None and consulted_unchanged(cached.consulted):
        keys.remember_files(run, cache)  # (the files touched since: read to tell)
        return Answer(cached.report, cached.exit_code, cached.sarif)
    reporters = run.host.reporters()
    if config.format not in reporters:
        raise UsageError(f"unknown format {config.format!r}{cfg.suggest(config.format, reporters)}")
    if verbose:
        describe(run, say)
    if config.diff:
        return _diff(run, paths, cache, say)
    result = _fix(run, paths, cache, say) if config.fix else execute(run, cache)
    for message in result.errors:
        say(f"dbarch-lint: error: {message}")
    options = ReporterOptions(presentation.color, config.show_source, presentation.quiet)
    report = reporters[config.format]().render(result, options)
    if config.statistics:
        from dbarch_lint.reporting.statistics import statistics

        counts = statistics(result.findings)
        if config.format == "text":  # (ending as the report does)
            ends = report.endswith("\n")
            report = (report.rstrip("\n") + "\n" if report else "") + counts
            report = report if ends else report.rstrip("\n")
        else:
            for line in counts.splitlines():
                say(line)
    # The second report comes from the same result: one run, so the annotations and the
    # code-scanning alerts cannot disagree.
    sarif = reporters["sarif"]().render(result, options) if config.sarif_file else None
    code = exit_code(result, config.fail_on)
    if config.write_baseline is not None:
        recorded = sum(1 for f in result.findings if f.code != "DBA000")
        noun = "finding" if recorded == 1 else "findings"
        say(f"dbarch-lint: recorded {recorded} {noun} in {config.write_baseline}")
        if code == EXIT_FINDINGS:  # (they are the baseline now)
            code = EXIT_OK
    if cache is not None and run_key is not None and not result.errors and code != EXIT_ERROR:
        saved_sarif = sarif.encode("utf-8") if sarif is not None else None
        entry = CachedReport(report.encode("utf-8"), code, run.consulted(), saved_sarif)
        cache.put_report(run_key, entry)
        keys.remember_files(run, cache)
    return Answer(report, code, sarif)


def _check_sarif_file(config: cfg.Config) -> None:
    """`--sarif-file` names a second report: not the first one's file, and not with `--diff`
    (which shows fixes instead of a report)."""
    if config.sarif_file is None:
        return
    if config.diff:
        raise UsageError(
            "--sarif-file (or sarif-file in the config) asks for a report, and --diff shows "
            "fixes instead: run them separately"
        )
    if config.output_file is not None and os.path.abspath(config.output_file) == os.path.abspath(
        config.sarif_file
    ):
        raise UsageError(
            f"--sarif-file and --output-file both name {config.sarif_file}: give each its own file"
        )


def _diff(run: Run, paths: Sequence[str], cache: Cache | None, say: Say) -> Answer:
    """`--diff`: the fixes as a unified diff (exit 1 if there are any)."""
    from dbarch_lint.orchestration import fixes  # (only --fix and --diff load it)

    outcome = _planned(run, paths, cache, say)
    code = EXIT_ERROR if outcome.result.errors else int(bool(outcome.texts))
    diff = fixes.unified_diff(run, outcome.texts, outcome.unsafe, outcome.created, outcome.sides)
    return Answer(diff, code)


def _fix(run: Run, paths: Sequence[str], cache: Cache | None, say: Say) -> LintResult:
    """`--fix`: write the fixes; what is left is reported."""
    from dbarch_lint.orchestration import fixes

    outcome = fixes.save(run, _planned(run, paths, cache, say))
    if outcome.texts:
        fixed = sum(outcome.fixed.values())
        files = "file" if len(outcome.texts) == 1 else "files"
        noun = "finding" if fixed == 1 else "findings"
        say(f"dbarch-lint: fixed {fixed} {noun} in {len(outcome.texts)} {files}")
        for added in sorted(outcome.created):
            origin = outcome.created[added][1]
            say(f"dbarch-lint: added {added} (it runs right after {origin})")
        for shown, (side, origin) in sorted(outcome.sides.items()):
            done = "added" if side.before is None else "changed"
            say(f"dbarch-lint: {done} {shown} (it turns the runner's transaction off for {origin})")
        # (a side file alone, Flyway's `.sql.conf`, is no part of the migration's checksum)
        edited = [path for path, text in outcome.texts.items() if text != run.file(path).text]
        if run.config.diff_base is None and edited:
            _warn_if_applied(run, edited, say)
    return outcome.result


def _warn_if_applied(run: Run, edited: list[str], say: Say) -> None:
    """Warn about editing migrations that may have been applied: in git, those the current
    commit holds (a new, untracked or only staged file cannot have been); else any."""
    from dbarch_lint.inputs.diff_base import committed

    held = committed(edited, run.cwd)
    if held is not None:
        edited = [p for p in edited if os.path.realpath(os.path.join(run.cwd, p)) in held]
        if not edited:
            return
    which = f" ({', '.join(edited)} {'is' if len(edited) == 1 else 'are'} committed)"
    say(
        "dbarch-lint: warning: a migration that has already been applied must not be "
        "edited: its runner's checksum (Flyway's, for one) would no longer match"
        + (which if held is not None else "")
    )


def _planned(run: Run, paths: Sequence[str], cache: Cache | None, say: Say) -> fixes.Outcome:
    from dbarch_lint.orchestration import fixes

    outcome = fixes.plan(run, paths, cache)
    for path, codes in outcome.refused.items():
        say(f"dbarch-lint: warning: not fixing {path}: its fixes would bring {', '.join(codes)}")
    unsafe = run.config.unsafe_fixes
    left = sum(1 for f in outcome.result.findings if f.fix is not None and (f.fix.safe or unsafe))
    if left and not outcome.texts and not outcome.refused:
        say(
            f"dbarch-lint: {left} fixable, but --fix edits only the files named one by one or "
            "changed since --diff-base (not yet applied)"
        )
    hidden = sum(1 for f in outcome.result.findings if f.fix is not None and not f.fix.safe)
    if hidden and not unsafe:
        say(f"dbarch-lint: {hidden} more fixable with --unsafe-fixes (they may change behaviour)")
    return outcome


def exit_code(result: LintResult, fail_on: str) -> int:
    """2 for errors or internal errors; 1 for findings at or above `fail_on`; else 0."""
    if result.errors or any(f.code == "DBA000" for f in result.findings):
        return EXIT_ERROR
    if fail_on != "never":
        threshold = Severity(fail_on).rank
        if any(f.severity.rank >= threshold for f in result.findings):
            return EXIT_FINDINGS
    return EXIT_OK


def describe(run: Run, say: Say) -> None:
    """`-v`: the config, the runner and every file in replay order, with its role and how its
    runner runs it."""
    from dbarch_lint.runners import DESCRIPTIONS

    say(f"config: {run.config.path or 'none (defaults)'}")
    for line in run.context:
        say(line)
    inputs = run.inputs
    ordered = " then ".join(dict.fromkeys(run.ordered_by)) or "plain"
    configured = run.config.runner
    how = f"ordered as {ordered}" if configured == "auto" else "ordered by it"
    detected = sorted({item.run.runner for item in inputs if item.run is not None})
    if configured == "auto" and "plain" in run.ordered_by and detected not in ([], ["plain"]):
        # Files of several runners (a Diesel folder beside a loose script) have no common
        # order but the natural one: say so, or "plain" contradicts each file's tag below.
        how += f", the natural order, as its files were detected as {' and '.join(detected)}"
    say(f"runner: {configured} ({how}; {_count(len(inputs), 'file')} in replay order)")
    if run.down_left_out:
        left_out = _count(len(run.down_left_out), "down migration")
        say(f"check-down = false: {left_out} not linted")
    for path in run.not_sql:
        say(f"  skipped {path} (not SQL: not a .sql file)")
    for item in inputs:
        role = "target" if item.path in run.targets else "history"
        down = " (down migration)" if item.down else ""
        file_run = item.run
        way = f"{file_run.runner}: {DESCRIPTIONS[file_run.mode]}" if file_run else "plain"
        if file_run and file_run.why:
            way += f" ({file_run.why})"
        if item.dialect != "postgres":
            way += f"; {item.dialect}"
        say(f"  {role:7} {item.path}{down} [{way}]")


def rules(config: cfg.Config, as_json: bool, width: int | None = None) -> Answer:
    """`dbarch-lint rules`: every rule, a line each or as JSON. With a `width` (a terminal's),
    summaries wrap to it under their own column; without one (a pipe) each rule stays on one
    line, for grep."""
    from dbarch_lint.plugins.host import PluginHost
    from dbarch_lint.reporting import to_json

    infos = [r.info() for r in PluginHost(config.plugins).rules()]
    if as_json:
        rows = [
            {
                "code": i.code,
                "name": i.name,
                "family": i.family,
                "enabled_by_default": i.enabled_by_default,
                "severity": i.severity.value,
                "fixable": i.fixable,
                "fix_availability": i.fix_availability.value,
                "fix_applicability": i.fix_applicability.value if i.fixable else None,
                "dialects": list(i.dialects),
                "summary": i.summary,
                "url": i.url,
            }
            for i in infos
        ]
        return Answer(to_json(rows), EXIT_OK)
    import textwrap

    name_width = max((len(i.name) for i in infos), default=0)
    family_width = max((len(i.family) for i in infos), default=0)
    lines = []
    for i in infos:
        state = "on " if i.enabled_by_default else "off"
        fix = "fix" if i.fixable else "   "
        head = (
            f"{i.code:7} {i.name:{name_width}} {i.family:{family_width}} {state} "
            f"{i.severity.value:7} {fix}  "
        )
        if width is None:
            lines.append(f"{head}{i.summary}\n")
            continue
        # A summary narrower than this reads badly: it goes under the rule, indented, instead.
        indent = len(head) if width - len(head) >= 30 else 4
        text_width = max(width - 1, indent + 20)  # (a full last column makes some wrap)
        text = textwrap.fill(
            i.summary,
            width=text_width,
            initial_indent=" " * indent,
            subsequent_indent=" " * indent,
            break_on_hyphens=False,
        )
        if indent == len(head):
            lines.append(f"{head}{text[indent:]}\n")
        elif len(head.rstrip()) < width:
            lines.append(f"{head.rstrip()}\n{text}\n")
        else:  # (a terminal narrower than the columns: the rule's facts unpadded, wrapped too)
            facts = " ".join([i.code, i.name, i.family, state.strip(), i.severity.value, fix])
            lines.append(
                textwrap.fill(
                    facts.rstrip(), text_width, subsequent_indent="    ", break_on_hyphens=False
                )
            )
            lines.append(f"\n{text}\n")
    return Answer("".join(lines), EXIT_OK)


def explain(config: cfg.Config, rule: str) -> Answer:
    """`dbarch-lint explain`: a rule's documentation, by code or name."""
    from dbarch_lint.plugins.host import PluginHost

    all_rules = PluginHost(config.plugins).rules()
    found = [r for r in all_rules if r.code == rule.upper() or r.name == rule.lower()]
    if not found:
        choices = [*(r.code for r in all_rules), *(r.name for r in all_rules)]
        raise UsageError(f"unknown rule {rule!r}{cfg.suggest(rule, choices)}")
    target = found[0]
    return Answer(f"# {target.code} {target.name}\n\n{target.doc().markdown}\n", EXIT_OK)


def schema(
    paths: Sequence[str], config: cfg.Config, say: Say, *, mermaid: bool, verbose: bool
) -> Answer:
    """`dbarch-lint schema`: the schema after replaying the migrations."""
    from dbarch_lint.linting.engine import replay
    from dbarch_lint.reporting.schema_export import schema_json, schema_mermaid

    # (named files are not put in their histories: the schema is what the files given build)
    run = prepare(list(paths), config, infer=False)
    inputs = run.inputs  # (runner plugins decide the order: their errors are errors here)
    inputs = [*run.snapshot_inputs(), *inputs]
    if verbose:
        describe(run, say)
    for message in run.errors:
        say(f"dbarch-lint: error: {message}")
    replayed = replay(inputs, run.parsers(), empty_start=config.if_not_exists == "new")
    output = schema_mermaid(replayed) if mermaid else schema_json(replayed)
    return Answer(output, EXIT_ERROR if run.errors else EXIT_OK)


def load_config(path: str | None, cwd: str | None = None) -> cfg.Config:
    """The configuration a command runs with: `path`, else the nearest config file (searched
    from `cwd`, default the working directory)."""
    return cfg.load(path or cfg.find_config(cwd or os.getcwd()))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _prefixed(say: Say, kind: str) -> Say:
    return lambda message: say(f"dbarch-lint: {kind}: {message}")
