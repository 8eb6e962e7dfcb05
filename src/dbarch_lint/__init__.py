"""dbarch-lint: a static schema linter and migration-safety checker for SQL.

The public API: `lint_paths` and `lint_sql` for tools that embed the linter, `hookimpl` for
plugins, and the types they return.
"""

from __future__ import annotations

from dbarch_lint.model.version import __version__

TYPE_CHECKING = False  # (as `typing.TYPE_CHECKING`, without importing typing at start-up)

__all__ = ["Finding", "LintResult", "Severity", "__version__", "hookimpl", "lint_paths", "lint_sql"]

if TYPE_CHECKING:
    from typing import Any

    from dbarch_lint.model.findings import Finding, LintResult, Severity
    from dbarch_lint.plugins.markers import hookimpl


def __getattr__(name: str) -> Any:
    # Lazy, so `import dbarch_lint` stays cheap for the command line and plugins.
    if name == "hookimpl":
        from dbarch_lint.plugins.markers import hookimpl

        return hookimpl
    if name in ("lint_paths", "lint_sql"):
        from dbarch_lint import api

        return getattr(api, name)
    if name in ("Finding", "LintResult", "Severity"):
        from dbarch_lint.model import findings

        return getattr(findings, name)
    raise AttributeError(name)
