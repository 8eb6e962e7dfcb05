"""Reporters turn a `LintResult` into bytes. Each format is a plugin (see `builtin`)."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from dbarch_lint.findings import LintResult


class ReporterOptions(msgspec.Struct, frozen=True):
    """Presentation switches that come from the command line."""

    color: bool = False
    show_source: bool = False
    quiet: bool = False


class Reporter:
    """Base of all reporters: pure, deterministic, no timestamps, relative paths only."""

    name: ClassVar[str]
    human_readable: ClassVar[bool] = False

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        """Return the whole report text (ending in a newline when not empty)."""
        raise NotImplementedError


def to_json(document: Any) -> str:
    """Indented JSON (2 spaces, UTF-8 kept), ending in a newline: what every JSON format prints."""
    return msgspec.json.format(msgspec.json.encode(document), indent=2).decode() + "\n"
