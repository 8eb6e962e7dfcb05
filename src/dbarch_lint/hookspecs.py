"""The plugin hooks. Each is a promise to plugin authors: few, documented, called by keyword.

Built-in rules and reporters register through these same hooks (see `plugins.BUILTIN_PLUGINS`).
Third-party plugins are found through the `dbarch_lint` entry-point group, or named in the
`plugins` config key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from dbarch_lint.findings import Finding
    from dbarch_lint.reporting import Reporter
    from dbarch_lint.rule import Rule

hookspec = pluggy.HookspecMarker("dbarch_lint")


@hookspec
def dbarch_lint_rules() -> Sequence[type[Rule]]:  # type: ignore[empty-body]
    """Return rule classes. Import them inside the hook so start-up stays fast.

    Codes are unique across all plugins; third-party codes use their own prefix (2-5 capital
    letters and 3 digits), never `DBA`.
    """


@hookspec
def dbarch_lint_reporters() -> Mapping[str, type[Reporter]]:  # type: ignore[empty-body]
    """Return output formats: a mapping of `--format` name to `Reporter` class."""


@hookspec(firstresult=True)
def dbarch_lint_order_migrations(paths: Sequence[str], runner: str) -> Sequence[str] | None:
    """Return the migration files in apply order for `runner`, or None to let others decide."""


@hookspec
def dbarch_lint_modify_findings(findings: list[Finding], config: Mapping[str, Any]) -> None:
    """Filter or reorder `findings` in place before they are reported (baselines, routing)."""


hookimpl = pluggy.HookimplMarker("dbarch_lint")
