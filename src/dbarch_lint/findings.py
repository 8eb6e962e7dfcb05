"""Findings: what the linter reports, and the result of a run."""

from __future__ import annotations

import enum

import msgspec


class Severity(enum.Enum):
    """How bad a finding is. Ordered: info < warning < error."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error."""
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Location(msgspec.Struct, frozen=True):
    """A range in a file: 1-based lines and columns (code points), end column exclusive."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int


class Related(msgspec.Struct, frozen=True):
    """Another place a finding refers to (the covering index, the ADD CONSTRAINT, ...)."""

    location: Location
    message: str


class Edit(msgspec.Struct, frozen=True):
    """Replace the text in a range with `text`."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


class Fix(msgspec.Struct, frozen=True):
    """A safe automatic rewrite."""

    description: str
    edits: tuple[Edit, ...]


class Finding(msgspec.Struct, frozen=True):
    """One reported problem."""

    code: str
    rule: str
    severity: Severity
    location: Location
    message: str
    hint: str | None = None
    url: str | None = None
    fix: Fix | None = None
    related: tuple[Related, ...] = ()

    @property
    def path(self) -> str:
        """The file the finding is in."""
        return self.location.path

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Findings are ordered by path, line, column, code (then message, for determinism)."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)


class RuleInfo(msgspec.Struct, frozen=True):
    """Rule metadata as reporters see it (no rule code runs in a reporter)."""

    code: str
    name: str
    family: str
    severity: Severity
    enabled_by_default: bool
    fixable: bool
    dialects: tuple[str, ...]
    summary: str
    description: str  # the rule's whole documentation (Markdown)
    rationale: str  # the "Why is this bad?" section
    url: str | None


class LintResult(msgspec.Struct, frozen=True):
    """Everything a reporter needs: sorted findings, counts, and the metadata of the rules run."""

    findings: tuple[Finding, ...]
    files: int
    statements: int
    rules: tuple[RuleInfo, ...]
    tool_version: str
    errors: tuple[str, ...] = ()  # usage/plugin problems met while linting
    sources: dict[str, str] = msgspec.field(default_factory=dict)  # for code frames

    def count(self, severity: Severity) -> int:
        """Number of findings of one severity."""
        return sum(1 for f in self.findings if f.severity is severity)
