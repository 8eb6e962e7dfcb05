"""GitLab code quality report: a JSON array of Code Climate style issues."""

from __future__ import annotations

from typing import Any, ClassVar

from dbarch_lint.model.findings import LintResult, Severity, stable_keys
from dbarch_lint.reporting import Reporter, ReporterOptions, to_json
from dbarch_lint.reporting.github import last_line

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


class GitlabReporter(Reporter):
    """`[{description, check_name, fingerprint, severity, location: {path, lines}}]`."""

    name: ClassVar[str] = "gitlab"

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        """Return the issues as indented JSON; fingerprints survive unrelated edits."""
        import hashlib  # loads OpenSSL: only this format needs it

        issues: list[dict[str, Any]] = []
        for finding, key in zip(
            result.findings, stable_keys(result.findings, result.sources), strict=True
        ):
            loc = finding.location
            issues.append(
                {
                    "description": finding.message,
                    "check_name": finding.code,
                    "fingerprint": hashlib.md5(key.encode(), usedforsecurity=False).hexdigest(),
                    "severity": _SEVERITY[finding.severity],
                    "location": {
                        "path": loc.path,
                        "lines": {"begin": loc.line, "end": last_line(loc)},
                    },
                }
            )
        return to_json(issues)
