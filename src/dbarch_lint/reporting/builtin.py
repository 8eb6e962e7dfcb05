"""Built-in reporters, registered through the same hook as third-party formats."""

from __future__ import annotations

from collections.abc import Mapping

from dbarch_lint.plugins.markers import hookimpl
from dbarch_lint.reporting import Reporter


def reporters() -> dict[str, type[Reporter]]:
    """Every built-in format by `--format` name. Imports lazily: only a run needs them."""
    from dbarch_lint.reporting.gcc import GccReporter
    from dbarch_lint.reporting.github import GithubReporter
    from dbarch_lint.reporting.gitlab import GitlabReporter
    from dbarch_lint.reporting.json_report import JsonReporter
    from dbarch_lint.reporting.sarif import SarifReporter
    from dbarch_lint.reporting.text import TextReporter

    classes: tuple[type[Reporter], ...] = (
        TextReporter,
        JsonReporter,
        SarifReporter,
        GithubReporter,
        GccReporter,
        GitlabReporter,
    )
    return {cls.name: cls for cls in classes}


@hookimpl
def dbarch_lint_reporters() -> Mapping[str, type[Reporter]]:
    """Built-in formats."""
    return reporters()
