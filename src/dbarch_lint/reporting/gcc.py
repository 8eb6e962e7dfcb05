"""One line per finding in the shape of gcc diagnostics, for editors and problem matchers."""

from __future__ import annotations

from typing import ClassVar

from dbarch_lint.model.findings import LintResult, Severity
from dbarch_lint.reporting import Reporter, ReporterOptions, visible

_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


class GccReporter(Reporter):
    """`path:line:col: severity: message [CODE name]`; info is reported as `note`."""

    name: ClassVar[str] = "gcc"

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        """Return one line per finding (no summary, nothing else)."""
        lines = []
        for f in result.findings:
            loc = f.location
            message = visible(" ".join(f.message.split()))  # one finding must stay one line
            lines.append(
                f"{visible(loc.path)}:{loc.line}:{loc.column}: {_SEVERITY[f.severity]}: "
                f"{message} [{f.code} {f.rule}]\n"
            )
        return "".join(lines)
