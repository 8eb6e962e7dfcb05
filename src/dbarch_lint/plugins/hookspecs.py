"""The plugin hooks. Each is a promise to plugin authors: few, documented, called by keyword.

Built-in rules and reporters register through these same hooks (see `plugins.BUILTIN_PLUGINS`).
Third-party plugins are found through the `dbarch_lint` entry-point group, or named in the
`plugins` config key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dbarch_lint.plugins.markers import hookspec

if TYPE_CHECKING:
    from dbarch_lint.inputs.discovery import Input
    from dbarch_lint.linting.rule_base import Rule
    from dbarch_lint.model.findings import Finding
    from dbarch_lint.parsing.stage import Parser
    from dbarch_lint.reporting import Reporter
    from dbarch_lint.runners import FileRun


@hookspec
def dbarch_lint_rules() -> Sequence[type[Rule]]:  # type: ignore[empty-body]
    """Return rule classes. Import them inside the hook so start-up stays fast.

    Codes are unique across all plugins; third-party codes use their own prefix (2-5 capital
    letters and 3 digits), never `DBA`.
    """


@hookspec
def dbarch_lint_reporters() -> Mapping[str, type[Reporter]]:  # type: ignore[empty-body]
    """Return output formats: a mapping of `--format` name to `Reporter` class."""


@hookspec
def dbarch_lint_parsers() -> Mapping[str, Parser]:  # type: ignore[empty-body]
    """Return parsers: a mapping of dialect name (`dialect`, `per-file-dialect`) to a function
    from a `SourceFile` to a `ParsedFile` (statements lowered to the IR, diagnostics, comments).
    A later plugin's parser replaces an earlier one's of the same name. Parses by plugins' own
    parsers are not cached."""


@hookspec(firstresult=True)
def dbarch_lint_order_migrations(
    paths: Sequence[str], runner: str, cwd: str
) -> Sequence[str] | None:
    """Return the migration files in apply order for `runner`, or None to let others decide.

    `paths` are relative to `cwd` (with `/`). With `--runner auto` the runner asked is the one
    every file was detected as (see below), or `plain` when they differ.
    """


@hookspec(firstresult=True)
def dbarch_lint_migration_transactions(
    inputs: Sequence[Input], runner: str, options: Mapping[str, Mapping[str, Any]], cwd: str
) -> Sequence[FileRun] | None:
    """Return how `runner` runs each file (a `runners.FileRun` per input, in order), or None to
    let others decide.

    For `runner="auto"`, detect each file's runner from its layout. `inputs` carry each file's
    path (relative to `cwd`), its filesystem path (None for stdin) and its text; `options` are
    the `[tool.dbarch-lint.runners.<name>]` tables. List in `consulted` every other file read to
    decide, present or not, so a change there invalidates cached reports.
    """


@hookspec
def dbarch_lint_modify_findings(findings: list[Finding], config: Mapping[str, Any]) -> None:
    """Filter or reorder `findings` in place before they are reported (a team's own baseline,
    routing). The built-in `--baseline` is not a plugin of this hook: it needs the file texts and
    every finding before any is hidden (docs/architecture.md, "Decisions")."""
