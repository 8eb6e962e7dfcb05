"""The command line: options parsed into a configuration, one call to the command's function
(`orchestration.commands`), its output written, its exit code returned. The options are
declared at the end (`COMMANDS`); `arguments` parses them."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Mapping, Sequence
from typing import BinaryIO, NoReturn

from dbarch_lint import arguments
from dbarch_lint.arguments import FILE, FLAG, INTEGER, Command, CommandLineError, Option
from dbarch_lint.inputs import config as cfg
from dbarch_lint.model.errors import DbarchLintError
from dbarch_lint.model.version import __version__
from dbarch_lint.reporting import visible

EXIT_ERROR = 2  # (the other codes are the commands': `orchestration.commands`)
# The most one write call is given: a write may take less than asked, and some platforms refuse
# a single write of 2 GiB or more.
WRITE_CHUNK = 1 << 30
SUMMARY = "Static schema linter and migration-safety checker for SQL."


def main(args: Sequence[str] | None = None) -> NoReturn:
    """The command line `args` (default: the process's): parsed, run, and left with its exit
    code (`SystemExit`)."""
    args = sys.argv[1:] if args is None else args
    if not args:  # (nothing asked: what there is, as a mistake)
        if sys.stderr is not None:
            sys.stderr.write(arguments.help_text(COMMANDS, None, SUMMARY))
        sys.exit(EXIT_ERROR)
    try:
        parsed = arguments.parse(COMMANDS, args)
        if parsed.eager == "VERSION":
            _output(f"dbarch-lint, version {__version__}\n")
        elif parsed.eager == "HELP" or parsed.command is None:
            _output(arguments.help_text(COMMANDS, parsed.command, SUMMARY))
        else:
            parsed.command.function(**parsed.values)
    except CommandLineError as error:
        _fail(str(error))
    except KeyboardInterrupt:  # (what click said)
        if sys.stderr is not None:
            sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except BrokenPipeError:  # (a reader that left: nothing more to say to it)
        sys.exit(1)
    sys.exit(0)


def run() -> NoReturn:
    """The `dbarch-lint` program: the command line in a process of its own."""
    # A short run that frees what it builds by reference counting: the cyclic garbage
    # collector would only rescan the parser's output over and over (a third of decoding).
    gc.disable()
    try:
        main(sys.argv[1:])
    except SystemExit as done:
        code = done.code
    except OSError as error:  # (a message that could not be written; our output checks its own)
        _say(f"dbarch-lint: error: {error.strerror or error}")
        code = EXIT_ERROR
    # Leave without tearing down what the run built: freeing hundreds of thousands of objects
    # one by one takes longer than some whole runs. Nothing is left to write but the buffers.
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # (None: the process started without it)
            # (our own output was checked when written; the server's transport closes stdout)
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
    os._exit(code or 0)


def _say(message: str) -> None:
    """A message on stderr; what it quotes of the input (file names, values) shown escaped."""
    if sys.stderr is not None:  # (the process started without it: nowhere to say it)
        sys.stderr.write(visible(message) + "\n")
        sys.stderr.flush()


def _fail(message: str) -> NoReturn:
    _say(f"dbarch-lint: error: {message}")
    sys.exit(EXIT_ERROR)


def check(
    paths: tuple[str, ...],
    format_: str | None,
    output_file: str | None,
    sarif_file: str | None,
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
    no_down: bool | None,
    baseline: str | None,
    write_baseline: str | None,
    schema_snapshot: str | None,
    fix: bool | None,
    diff: bool | None,
    unsafe_fixes: bool | None,
    force_exclude: bool | None,
    allow_empty: bool | None,
    follow_outside_links: bool | None,
    no_context: bool,
    statistics: bool | None,
    jobs: int | None,
    no_cache: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Lint SQL files, directories (recursively, *.sql) and globs; "-" reads stdin."""
    from dbarch_lint.orchestration import commands

    overrides = {
        "format": format_,
        "output-file": output_file,
        "sarif-file": sarif_file,
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
        "check-down": False if no_down else None,
        "baseline": baseline,
        "write-baseline": write_baseline,
        "schema-snapshot": schema_snapshot,
        "fix": fix,
        "diff": diff,
        "unsafe-fixes": unsafe_fixes,
        "force-exclude": force_exclude,
        "allow-empty": allow_empty,
        "follow-outside-links": follow_outside_links,
        "statistics": statistics,
        "jobs": jobs,
        "cache": False if no_cache else None,
        "context": False if no_context else None,
    }
    try:
        config = commands.load_config(config_path)
        for key, value in overrides.items():
            if value is not None:
                cfg.apply(config, key, value)
        to_terminal = config.output_file is None and sys.stdout is not None and sys.stdout.isatty()
        color = wants_colour(os.environ, to_terminal, no_color or config.no_color)
        answer = commands.check(
            paths,
            config,
            _say,
            stdin=sys.stdin.buffer.read() if "-" in paths else None,
            stdin_filename=stdin_filename,
            presentation=commands.Presentation(color, quiet),
            verbose=verbose,
        )
    except DbarchLintError as error:
        _fail(str(error))
    if answer.sarif is not None and config.sarif_file is not None:
        _output(answer.sarif, config.sarif_file)
    _output(answer.output, config.output_file)
    sys.exit(answer.exit_code)


def wants_colour(env: Mapping[str, str], to_terminal: bool, no_color: bool) -> bool:
    """Colour on a terminal; never with `--no-color`, `NO_COLOR` or `TERM=dumb` (a terminal
    that cannot show it); always with `FORCE_COLOR` (CI logs that render colour) unless one
    of the first two says no."""
    if no_color or "NO_COLOR" in env:
        return False
    if env.get("FORCE_COLOR"):
        return True
    return to_terminal and env.get("TERM") != "dumb"


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


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def rules(format_: str, quiet: bool, verbose: bool) -> None:
    """List every rule: code, name, family, default on/off, severity, fixable."""
    from dbarch_lint.orchestration import commands

    try:
        answer = commands.rules(
            commands.load_config(None), as_json=format_ == "json", width=_terminal_width()
        )
    except DbarchLintError as error:
        _fail(str(error))
    _output(answer.output)


def _terminal_width() -> int | None:
    """The width to wrap to: the terminal's (or `COLUMNS`); none when writing to a pipe."""
    import shutil

    to_terminal = sys.stdout is not None and sys.stdout.isatty()
    if not to_terminal and "COLUMNS" not in os.environ:
        return None
    return shutil.get_terminal_size().columns


def explain(rule: str, quiet: bool, verbose: bool) -> None:
    """Print a rule's documentation (what, why, example, use instead)."""
    from dbarch_lint.orchestration import commands

    try:
        answer = commands.explain(commands.load_config(None), rule)
    except DbarchLintError as error:
        _fail(str(error))
    _output(answer.output)


def schema(
    paths: tuple[str, ...],
    format_: str,
    config_path: str | None,
    schema_snapshot: str | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Print the schema after replaying the migrations (mermaid: an ER diagram)."""
    from dbarch_lint.orchestration import commands

    try:
        config = commands.load_config(config_path)
        if schema_snapshot is not None:
            cfg.apply(config, "schema-snapshot", schema_snapshot)
        answer = commands.schema(paths, config, _say, mermaid=format_ == "mermaid", verbose=verbose)
    except DbarchLintError as error:
        _fail(str(error))
    _output(answer.output)
    sys.exit(answer.exit_code)


def server(quiet: bool, verbose: bool) -> None:
    """Run the Language Server over stdin and stdout (diagnostics, code actions, hover)."""
    from dbarch_lint.server.app import serve

    serve()


QUIET = Option("-q", "--quiet", kind=FLAG, help="Findings only, no summary.")
VERBOSE = Option("-v", "--verbose", kind=FLAG, help="Say what was read, in which order.")
COMMON = (arguments.VERSION, VERBOSE, QUIET)  # (on every command)
CONFIG = Option("--config", kind=FILE, dest="config_path", help="Config file.")
COMMANDS = (
    Command(
        check,
        (
            Option(
                "--format",
                dest="format_",
                help="Output format: text, json, sarif, github, gcc, gitlab.",
            ),
            Option("--output-file", kind=FILE, help="Write the report here."),
            Option(
                "--sarif-file",
                kind=FILE,
                help="Also write SARIF of the same run here (beside --format github, say).",
            ),
            Option("--dialect", help="SQL dialect: postgres (default) or mysql."),
            Option(
                "--pg-version",
                kind=INTEGER,
                help="Target PostgreSQL major version, 10 to 18 (default 16).",
            ),
            Option(
                "--select",
                help="Comma list of codes, prefixes or names to enable (replaces defaults).",
            ),
            Option("--ignore", help="Comma list of codes, prefixes or names to disable."),
            Option(
                "--extend-select", help="Comma list of codes, prefixes or names to add to defaults."
            ),
            Option(
                "--fail-on", help="Lowest severity that fails the run: error, warning, info, never."
            ),
            CONFIG,
            Option("--stdin-filename", help="Name to report for stdin."),
            Option(
                "--show-source", kind=FLAG, default=None, help="Show a code frame under findings."
            ),
            Option("--no-color", kind=FLAG, help="Never colour the text report."),
            Option(
                "--runner",
                help="How migrations are ordered and run: auto (default), plain, flyway, "
                "golang-migrate, dbmate, diesel, sqitch, alembic, django, prisma.",
            ),
            Option(
                "--assume-in-transaction",
                kind=FLAG,
                off="--no-assume-in-transaction",
                help="Whether each file runs inside one transaction (default: as the runner does).",
            ),
            Option(
                "--diff-base",
                metavar="GIT_REF",
                help="Report only on files added or changed since this git ref (all still replay).",
            ),
            Option(
                "--no-down",
                kind=FLAG,
                default=None,
                help="Do not lint down migrations (config check-down = false; default: they are "
                "linted).",
            ),
            Option(
                "--baseline", kind=FILE, help="Hide the findings recorded in this baseline file."
            ),
            Option(
                "--schema-snapshot",
                kind=FILE,
                help="A schema dump (pg_dump --schema-only, mysqldump --no-data) replayed first "
                "as the state production is in; never linted.",
            ),
            Option(
                "--write-baseline",
                kind=FILE,
                help="Record this run's findings in a baseline file (the run then exits 0).",
            ),
            Option(
                "--fix",
                kind=FLAG,
                default=None,
                help="Apply the safe automatic rewrites (files named one by one, or changed since "
                "--diff-base).",
            ),
            Option(
                "--diff", kind=FLAG, default=None, help="Show those rewrites as a diff instead."
            ),
            Option(
                "--unsafe-fixes",
                kind=FLAG,
                default=None,
                help="With --fix or --diff, also the rewrites that may change what a migration "
                "does.",
            ),
            Option(
                "--force-exclude",
                kind=FLAG,
                default=None,
                help="Apply exclude to files named on the command line too (pre-commit passes it).",
            ),
            Option(
                "--allow-empty",
                kind=FLAG,
                default=None,
                help="A folder or glob with no SQL file to lint is not an error.",
            ),
            Option(
                "--follow-outside-links",
                kind=FLAG,
                default=None,
                help="Read files that symbolic links take outside the project folder.",
            ),
            Option(
                "--no-context",
                kind=FLAG,
                help="Lint files named one by one alone, not after their inferred migration "
                "history.",
            ),
            Option(
                "--statistics",
                kind=FLAG,
                default=None,
                help="After the report, count the findings of each rule and how many are fixable.",
            ),
            Option(
                "-j", "--jobs", kind=INTEGER, help="Processes to lint in (default: one per core)."
            ),
            Option("--no-cache", kind=FLAG, help="Neither read nor write .dbarch-lint-cache/."),
            *COMMON,
        ),
        "PATHS",
        many=True,
    ),
    Command(
        rules, (Option("--format", kind=("text", "json"), dest="format_", default="text"), *COMMON)
    ),
    Command(explain, COMMON, "RULE"),
    Command(
        schema,
        (
            Option("--format", kind=("json", "mermaid"), dest="format_", default="json"),
            CONFIG,
            Option(
                "--schema-snapshot",
                kind=FILE,
                help="A schema dump replayed first (as for check).",
            ),
            *COMMON,
        ),
        "PATHS",
        many=True,
    ),
    Command(server, COMMON),
)
