"""Built-in reporters plugin (placeholder until the reporter modules land)."""

from __future__ import annotations

from collections.abc import Mapping

from dbarch_lint.hookspecs import hookimpl
from dbarch_lint.reporting import Reporter


@hookimpl
def dbarch_lint_reporters() -> Mapping[str, type[Reporter]]:
    """Built-in formats."""
    return {}
