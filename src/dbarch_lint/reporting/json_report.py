"""The version-1 JSON document of INTERFACE.md: what scripts consume."""

from __future__ import annotations

from typing import Any, ClassVar

from dbarch_lint.model.findings import Finding, Fix, LintResult, Severity
from dbarch_lint.reporting import Reporter, ReporterOptions, to_json

FORMAT_VERSION = 1


class JsonReporter(Reporter):
    """`{"version": 1, "tool", "findings", "summary"}`, indented, byte-for-byte deterministic."""

    name: ClassVar[str] = "json"

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        """Return the JSON document; findings keep the order the result gives them."""
        document = {
            "version": FORMAT_VERSION,
            "tool": {"name": "dbarch-lint", "version": result.tool_version},
            "findings": [_finding(f) for f in result.findings],
            "summary": {
                "files": result.files,
                "statements": result.statements,
                "findings": len(result.findings),
                "by_severity": {s.value: result.count(s) for s in _BY_RANK},
            },
        }
        return to_json(document)


_BY_RANK = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def _finding(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "code": finding.code,
        "rule": finding.rule,
        "severity": finding.severity.value,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "message": finding.message,
        "hint": finding.hint,
        "url": finding.url,
        "fix": _fix(finding.fix),
    }


def _fix(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    edits = [
        {
            "line": e.line,
            "column": e.column,
            "end_line": e.end_line,
            "end_column": e.end_column,
            "text": e.text,
        }
        for e in fix.edits
    ]
    return {"description": fix.description, "edits": edits}
