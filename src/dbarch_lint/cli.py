"""The command line: a thin layer mapping options to a config, a run and an exit code."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, TypeVar

import click

from dbarch_lint.inputs import config as cfg
from dbarch_lint.model.errors import DbarchLintError, UsageError
from dbarch_lint.model.findings import LintResult, Severity
from dbarch_lint.model.version import __version__
from dbarch_lint.reporting import visible

if TYPE_CHECKING:
    from dbarch_lint.caching.store import Cache
    from dbarch_lint.orchestration.run import Run

F = TypeVar("F", bound=Callable[..., Any])
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# The most one write call is given: a write may take less than asked, and some platforms refuse
# a single write of 2 GiB or more.
WRITE_CHUNK = 1 << 30


def _common(command: F) -> F:
    """`-q`, `-v` and `--version` on every command."""
    command = click.option("-q", "--quiet", is_flag=True, help="Findings only, no summary.")(
        command
    )
    command = click.option(
        "-v", "--verbose", is_flag=True, help="Say what was read, in which order."
    )(command)
    return click.version_option(__version__, "--version", prog_name="dbarch-lint")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dbarch-lint")
def main() -> None:
    """Static schema linter and migration-safety checker for SQL."""


def run() -> NoReturn:
    """The `dbarch-lint` program: the command line in a process of its own."""
    # A short run that frees what it builds by reference counting: the cyclic garbage
    # collector would only rescan the parser's output over and over (a third of decoding).
    gc.disable()
    try:
        main(args=sys.argv[1:])
    except SystemExit as done:
        code = done.code
    except OSError as error:  # click printing --help or --version (our output checks its own)
        _say(f"dbarch-lint: error: {error.strerror or error}")
        code = EXIT_ERROR
    else:  # (click always exits; this is for completeness)
        code = 0
    # Leave without tearing down what the run built: freeing hundreds of thousands of objects
    # one by one takes longer than some whole runs. Nothing is left to write but the buffers.
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # (None: the process started without it)
            with contextlib.suppress(OSError):  # (our own output was checked when written)
                stream.flush()
    os._exit(code or 0)


def _say(message: str) -> None:
    """A message on stderr; what it quotes of the input (file names, values) shown escaped."""
    click.echo(visible(message), err=True)


def _warn(message: str) -> None:
    _say(f"dbarch-lint: warning: {message}")


def _fail(message: str) -> None:
    _say(f"dbarch-lint: error: {message}")
    sys.exit(EXIT_ERROR)


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "format_", help="Output format: text, json, sarif, github, gcc, gitlab.")
@click.option("--output-file", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--dialect", help="SQL dialect: postgres (default) or mysql.")
@click.option(
    "--pg-version", type=int, help="Target PostgreSQL major version, 10 to 18 (default 16)."
)
@click.option(
    "--select", help="Comma list of codes, prefixes or names to enable (replaces defaults)."
)
@click.option("--ignore", help="Comma list of codes, prefixes or names to disable.")
@click.option("--extend-select", help="Comma list of codes, prefixes or names to add to defaults.")
@click.option("--fail-on", help="Lowest severity that fails the run: error, warning, info, never.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--stdin-filename", help="Name to report for stdin.")
@click.option("--show-source", is_flag=True, default=None, help="Show a code frame under findings.")
@click.option("--no-color", is_flag=True, help="Never colour the text report.")
@click.option(
    "--runner",
    help="How migrations are ordered and run: auto (default), plain, flyway, golang-migrate, "
    "dbmate, diesel, sqitch, alembic, django.",
)
@click.option(
    "--assume-in-transaction/--no-assume-in-transaction",
    default=None,
    help="Whether each file runs inside one transaction (default: as the runner does).",
)
@click.option(
    "--diff-base",
    metavar="GIT_REF",
    help="Report only on files added or changed since this git ref (all still replay).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Hide the findings recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    help="Record this run's findings in a baseline file (the run then exits 0).",
)
@click.option(
    "--fix",
    "fix",
    is_flag=True,
    default=None,
    help="Apply the safe automatic rewrites (files named one by one, or changed since "
    "--diff-base).",
)
@click.option("--diff", is_flag=True, default=None, help="Show those rewrites as a diff instead.")
@click.option(
    "--force-exclude",
    is_flag=True,
    default=None,
    help="Apply exclude to files named on the command line too (pre-commit passes it).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    default=None,
    help="A folder or glob with no SQL file to lint is not an error.",
)
@click.option(
    "--follow-outside-links",
    is_flag=True,
    default=None,
    help="Read files that symbolic links take outside the project folder.",
)
@click.option("-j", "--jobs", type=int, help="Processes to lint in (default: one per core).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .dbarch-lint-cache/.")
@_common
def check(
    paths: tuple[str, ...],
    format_: str | None,
    output_file: str | None,
    dialect: str | None,
    pg_version: int | None,
    select: str | None,
    ignore: str | None,
    extend_select: str | None,
    fail_on: str | None,
    config_path: str | None,
    stdin_filename: str | None,
    show_source: bool | None,
    no_color: bool,
    runner: str | None,
    assume_in_transaction: bool | None,
    diff_base: str | None,
    baseline: str | None,
    write_baseline: str | None,
    fix: bool | None,
    diff: bool | None,
    force_exclude: bool | None,
    allow_empty: bool | None,
    follow_outside_links: bool | None,
    jobs: int | None,
    no_cache: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Lint SQL files, directories (recursively, *.sql) and globs; "-" reads stdin."""
    from dbarch_lint.caching.store import Cache, CachedReport
    from dbarch_lint.orchestration import keys
    from dbarch_lint.orchestration import run as lint_run
    from dbarch_lint.reporting import ReporterOptions

    try:
        config = cfg.load(config_path or cfg.find_config(os.getcwd()))
        overrides = {
            "format": format_,
            "output-file": output_file,
            "dialect": dialect,
            "pg-version": pg_version,
            "select": _split(select),
            "ignore": _split(ignore),
            "extend-select": _split(extend_select),
            "fail-on": fail_on,
            "show-source": show_source,
            "runner": runner,
            "assume-in-transaction": assume_in_transaction,
            "diff-base": diff_base,
            "baseline": baseline,
            "write-baseline": write_baseline,
            "fix": fix,
            "diff": diff,
            "force-exclude": force_exclude,
            "allow-empty": allow_empty,
            "follow-outside-links": follow_outside_links,
            "jobs": jobs,
            "cache": False if no_cache else None,
        }
        for key, value in overrides.items():
            if value is not None:
                cfg.apply(config, key, value)
        stdin = sys.stdin.buffer.read() if "-" in paths else None
        run = lint_run.prepare(list(paths), config, stdin=stdin, stdin_filename=stdin_filename)
        color = (
            not (no_color or config.no_color)
            and config.output_file is None
            and "NO_COLOR" not in os.environ
            and sys.stdout is not None
            and sys.stdout.isatty()
        )
        options = ReporterOptions(color=color, show_source=config.show_source, quiet=quiet)
        cache = Cache.open(config.root if config.path else run.cwd, _warn) if config.cache else None
        # The report cache answers a run that changed nothing (-v wants to see the run itself,
        # --write-baseline, --fix and --diff want their files written or shown).
        answerable = not (verbose or config.fix or config.diff) and config.write_baseline is None
        run_key = keys.report_key(run, cache, (color, quiet)) if cache and answerable else None
        cached = cache.get_report(run_key) if cache and run_key else None
        if (
            cache
            and run_key
            and cached is not None
            and lint_run.consulted_unchanged(cached.consulted)
        ):
            keys.remember_files(run, cache)  # (the files touched since: read to tell)
            _output(cached.report, config.output_file)
            sys.exit(cached.exit_code)
        reporters = run.host.reporters()
        if config.format not in reporters:
            raise UsageError(
                f"unknown format {config.format!r}{cfg.suggest(config.format, reporters)}"
            )
        if verbose:
            _describe(run)
        fixing = config.fix or config.diff
        result = _fix(run, paths, cache) if fixing else lint_run.execute(run, cache)
    except DbarchLintError as error:
        _fail(str(error))
        return
    for message in result.errors:
        _say(f"dbarch-lint: error: {message}")
    report = reporters[config.format]().render(result, options)
    code = exit_code(result, config.fail_on)
    if config.write_baseline is not None:
        recorded = sum(1 for f in result.findings if f.code != "DBA000")
        noun = "finding" if recorded == 1 else "findings"
        _say(f"dbarch-lint: recorded {recorded} {noun} in {config.write_baseline}")
        if code == EXIT_FINDINGS:  # (they are the baseline now)
            code = EXIT_OK
    if cache is not None and run_key is not None and not result.errors and code != EXIT_ERROR:
        answer = CachedReport(report.encode("utf-8"), code, run.consulted())
        cache.put_report(run_key, answer)
        keys.remember_files(run, cache)
    _output(report, config.output_file)
    sys.exit(code)


def _fix(run: Run, paths: Sequence[str], cache: Cache | None) -> LintResult:
    """`--diff` (shows the fixes and exits: 1 if there are any) or `--fix` (writes them, and
    returns what is left to report)."""
    from dbarch_lint.orchestration import fixes

    outcome = fixes.plan(run, paths, cache)
    for path, codes in outcome.refused.items():
        _say(f"dbarch-lint: warning: not fixing {path}: its fixes would bring {', '.join(codes)}")
    left = sum(1 for f in outcome.result.findings if f.fix is not None and f.fix.safe)
    if left and not outcome.texts and not outcome.refused:
        click.echo(
            f"dbarch-lint: {left} fixable, but --fix edits only the files named one by one or "
            "changed since --diff-base (not yet applied)",
            err=True,
        )
    if run.config.diff:
        _output(fixes.unified_diff(run, outcome.texts), run.config.output_file)
        sys.exit(EXIT_ERROR if outcome.result.errors else int(bool(outcome.texts)))
    outcome = fixes.save(run, outcome)
    if outcome.texts:
        fixed = sum(outcome.fixed.values())
        files = "file" if len(outcome.texts) == 1 else "files"
        noun = "finding" if fixed == 1 else "findings"
        click.echo(f"dbarch-lint: fixed {fixed} {noun} in {len(outcome.texts)} {files}", err=True)
        if run.config.diff_base is None:
            click.echo(
                "dbarch-lint: warning: a migration that has already been applied must not be "
                "edited: its runner's checksum (Flyway's, for one) would no longer match",
                err=True,
            )
    return outcome.result


def _output(report: str | bytes, output_file: str | None = None) -> None:
    """Write a command's output to `output_file`, else stdout; failing that, exit 2."""
    data = report.encode("utf-8") if isinstance(report, str) else report
    if output_file is not None:
        try:
            with open(output_file, "wb", buffering=0) as handle:
                write_all(handle, data)
        except OSError as error:
            _fail(f"cannot write {output_file}: {error.strerror or error}")
        return
    if sys.stdout is None:  # (the process started with stdout closed)
        _fail("cannot write to standard output: it is closed")
    try:
        sys.stdout.flush()
        write_all(sys.stdout.buffer, data)
        sys.stdout.buffer.flush()
    except OSError as error:
        _fail(f"cannot write to standard output: {error.strerror or error}")


def write_all(stream: BinaryIO, data: bytes) -> None:
    """Write all of `data`: one write call may take only part of it."""
    view = memoryview(data)
    while view:
        view = view[stream.write(view[:WRITE_CHUNK]) or 0 :]


def exit_code(result: LintResult, fail_on: str) -> int:
    """2 for errors or internal errors; 1 for findings at or above `fail_on`; else 0."""
    if result.errors or any(f.code == "DBA000" for f in result.findings):
        return EXIT_ERROR
    if fail_on != "never":
        threshold = Severity(fail_on).rank
        if any(f.severity.rank >= threshold for f in result.findings):
            return EXIT_FINDINGS
    return EXIT_OK


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _describe(run: Any) -> None:
    from dbarch_lint.runners import DESCRIPTIONS

    where = run.config.path or "none (defaults)"
    _say(f"config: {where}")
    inputs = run.inputs
    ordered = " then ".join(dict.fromkeys(run.ordered_by)) or "plain"
    configured = run.config.runner
    how = f"ordered as {ordered}" if configured == "auto" else "ordered by it"
    _say(f"runner: {configured} ({how}; {len(inputs)} files in replay order)")
    for item in inputs:
        role = "target" if item.path in run.targets else "history"
        down = " (down migration)" if item.down else ""
        file_run = item.run
        way = f"{file_run.runner}: {DESCRIPTIONS[file_run.mode]}" if file_run else "plain"
        if file_run and file_run.why:
            way += f" ({file_run.why})"
        if item.dialect != "postgres":
            way += f"; {item.dialect}"
        _say(f"  {role:7} {item.path}{down} [{way}]")


@main.command()
@click.option("--format", "format_", type=click.Choice(["text", "json"]), default="text")
@_common
def rules(format_: str, quiet: bool, verbose: bool) -> None:
    """List every rule: code, name, family, default on/off, severity, fixable."""
    from dbarch_lint.plugins.host import PluginHost
    from dbarch_lint.reporting import to_json

    try:
        infos = [
            r.info() for r in PluginHost(cfg.load(cfg.find_config(os.getcwd())).plugins).rules()
        ]
    except DbarchLintError as error:
        _fail(str(error))
        return
    if format_ == "json":
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
        _output(to_json(rows))
        return
    lines = []
    for i in infos:
        state = "on " if i.enabled_by_default else "off"
        fix = "fix" if i.fixable else "   "
        lines.append(
            f"{i.code}  {i.name:40} {i.family:14} {state} {i.severity.value:7} {fix}  {i.summary}\n"
        )
    _output("".join(lines))


@main.command()
@click.argument("rule")
@_common
def explain(rule: str, quiet: bool, verbose: bool) -> None:
    """Print a rule's documentation (what, why, example, use instead)."""
    from dbarch_lint.plugins.host import PluginHost

    try:
        all_rules = PluginHost(cfg.load(cfg.find_config(os.getcwd())).plugins).rules()
        found = [r for r in all_rules if r.code == rule.upper() or r.name == rule.lower()]
        if not found:
            choices = [*(r.code for r in all_rules), *(r.name for r in all_rules)]
            raise UsageError(f"unknown rule {rule!r}{cfg.suggest(rule, choices)}")
    except DbarchLintError as error:
        _fail(str(error))
        return
    target = found[0]
    _output(f"# {target.code} {target.name}\n\n{target.doc().markdown}\n")


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "format_", type=click.Choice(["json", "mermaid"]), default="json")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@_common
def schema(
    paths: tuple[str, ...], format_: str, config_path: str | None, quiet: bool, verbose: bool
) -> None:
    """Print the schema after replaying the migrations (mermaid: an ER diagram)."""
    from dbarch_lint.linting.engine import replay
    from dbarch_lint.orchestration import run as lint_run
    from dbarch_lint.reporting.schema_export import schema_json, schema_mermaid

    try:
        config = cfg.load(config_path or cfg.find_config(os.getcwd()))
        run = lint_run.prepare(list(paths), config)
        inputs = run.inputs  # (runner plugins decide the order: their errors are errors here)
    except DbarchLintError as error:
        _fail(str(error))
        return
    if verbose:
        _describe(run)
    for message in run.errors:
        _say(f"dbarch-lint: error: {message}")
    replayed = replay(inputs)
    _output(schema_json(replayed) if format_ == "json" else schema_mermaid(replayed))
    sys.exit(EXIT_ERROR if run.errors else EXIT_OK)
