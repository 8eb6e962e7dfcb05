"""GitHub Actions workflow commands: annotations on the pull request's diff."""

from __future__ import annotations

from typing import ClassVar

from dbarch_lint.model.findings import Finding, LintResult, Location, Severity
from dbarch_lint.reporting import Reporter, ReporterOptions, visible

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message as the Actions runner unescapes it; other controls are shown
    escaped (`visible`)."""
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a command property value: the message escapes plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def last_line(loc: Location) -> int:
    """The last line a range touches: one ending at a line's start (exclusive) ends above it."""
    return loc.end_line - 1 if loc.end_column == 1 and loc.end_line > loc.line else loc.end_line


class GithubReporter(Reporter):
    """`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE name::message`."""

    name: ClassVar[str] = "github"

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        """Return one workflow command per finding; notice for info findings."""
        return "".join(_command(f) for f in result.findings)


def _command(finding: Finding) -> str:
    loc = finding.location
    props = [
        ("file", loc.path),
        ("line", str(loc.line)),
        ("col", str(loc.column)),
        ("endLine", str(last_line(loc))),
        ("endColumn", str(loc.end_column)),
        ("title", f"{finding.code} {finding.rule}"),
    ]
    if loc.end_line != loc.line:  # the runner drops columns of multi-line ranges, with a warning
        props = [(key, value) for key, value in props if key not in ("col", "endColumn")]
    head = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    message = finding.message if finding.hint is None else f"{finding.message}\n\n{finding.hint}"
    return f"::{_COMMAND[finding.severity]} {head}::{escape_data(message)}\n"
