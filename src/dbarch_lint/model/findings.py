"""Findings: what the linter reports, and the result of a run."""

from __future__ import annotations

import enum
import operator
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import msgspec

from dbarch_lint.model.source import LINE_BREAK


class Severity(enum.Enum):
    """How bad a finding is. Ordered: info < warning < error."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    # (members are singletons, equal only to themselves: hashed by identity, in C, not by
    # `Enum.__hash__`'s Python code; reporters look severities up for every finding)
    __hash__ = object.__hash__

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error."""
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
_SEVERITY_OF = operator.attrgetter("severity")  # (of a finding: `LintResult.count`)


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


class Applicability(enum.Enum):
    """Whether applying a fix keeps what the migration means (ruff's `Applicability`)."""

    SAFE = "safe"  # it changes only what the finding is about: `--fix` applies it
    UNSAFE = "unsafe"  # it may change what the migration does: `--fix` leaves it alone


class FixAvailability(enum.Enum):
    """Whether a rule's findings come with a fix (ruff's `FixAvailability`)."""

    ALWAYS = "always"
    SOMETIMES = "sometimes"  # only where the rewrite is known to be right (e.g. outside a block)
    NEVER = "never"


class FollowUp(msgspec.Struct, frozen=True):
    """A migration a fix adds right after the file (`--fix` names it as the file's runner
    names migrations): `slug` for its name (`validate_orders_total_check`), `sql` its text."""

    slug: str
    sql: str


class Fix(msgspec.Struct, frozen=True):
    """An automatic rewrite (`--fix` applies the safe ones), and the migration it adds after
    the file, if any (`--fix` applies the fix only where the runner can place it).
    `transaction_off`: the fix turns the runner's transaction off for the file in the runner's
    side file (Flyway's `<file>.sql.conf`, Diesel's `metadata.toml`), which `--fix` writes."""

    description: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE
    follow_up: FollowUp | None = None
    transaction_off: bool = False

    @property
    def safe(self) -> bool:
        """Whether `--fix` applies it."""
        return self.applicability is Applicability.SAFE


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
        return SORT_KEY(self)


# `Finding.sort_key`, taken in C (the engine sorts every finding of a run by it).
SORT_KEY: Callable[[Finding], tuple[str, int, int, str, str]] = operator.attrgetter(
    "location.path", "location.line", "location.column", "code", "message"
)


class RuleInfo(msgspec.Struct, frozen=True):
    """Rule metadata as reporters see it (no rule code runs in a reporter)."""

    code: str
    name: str
    family: str
    severity: Severity
    enabled_by_default: bool
    fix_availability: FixAvailability
    fix_applicability: Applicability  # (of its fixes, when it has any)
    dialects: tuple[str, ...]
    summary: str
    description: str  # the rule's whole documentation (Markdown)
    rationale: str  # the "Why is this bad?" section
    url: str | None

    @property
    def fixable(self) -> bool:
        """Whether some of the rule's findings come with a fix."""
        return self.fix_availability is not FixAvailability.NEVER


class LintResult(msgspec.Struct, frozen=True):
    """Everything a reporter needs: sorted findings, counts, and the metadata of the rules run."""

    findings: tuple[Finding, ...]
    files: int
    statements: int
    rules: tuple[RuleInfo, ...]
    tool_version: str
    errors: tuple[str, ...] = ()  # usage/plugin problems met while linting
    sources: dict[str, str] = msgspec.field(default_factory=dict)  # for code frames
    hidden: int = 0  # findings the baseline hid
    down_left_out: int = 0  # down migration files `check-down = false` did not lint
    not_sql: int = 0  # files named that are not SQL (not `*.sql`): skipped

    def count(self, severity: Severity) -> int:
        """Number of findings of one severity."""
        # (severities picked out in C, counted in C: a generator would be resumed per finding)
        return list(map(_SEVERITY_OF, self.findings)).count(severity)


def stable_keys(findings: Sequence[Finding], sources: Mapping[str, str]) -> list[str]:
    """One fingerprint per finding (sha256 hex plus ":n"), stable across unrelated edits: SARIF's
    `partialFingerprints`, GitLab's `fingerprint` and the baseline's.

    The hash covers the code, the path and the finding's first source line (from `sources`, the
    texts by path) with whitespace collapsed, never the line number, so inserting lines above a
    finding keeps it. `n` counts findings sharing the same hash, so two identical statements in
    one file stay distinct.
    """
    import hashlib  # loads OpenSSL: only some formats need it

    lines: dict[str, list[str]] = {}
    seen: Counter[str] = Counter()
    keys = []
    for finding in findings:
        path = finding.path
        if path not in lines:
            lines[path] = LINE_BREAK.split(sources.get(path, ""))
        number = finding.location.line
        text = lines[path][number - 1] if 0 < number <= len(lines[path]) else ""
        basis = " ".join(text.split()) or finding.message
        basis_bytes = f"{finding.code}\0{path}\0{basis}".encode(errors="surrogatepass")
        digest = hashlib.sha256(basis_bytes).hexdigest()[:32]
        seen[digest] += 1
        keys.append(f"{digest}:{seen[digest]}")
    return keys
