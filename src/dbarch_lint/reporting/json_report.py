"""The version-1 JSON document of INTERFACE.md: what scripts consume.

The document is made of the structs below, so its published JSON schema
(`docs/json-report.schema.json`, written by `scripts/generate_docs.py` from `report_schema`)
describes exactly what is printed.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec

from dbarch_lint.model.findings import Finding, Fix, LintResult, Related, Severity
from dbarch_lint.reporting import Reporter, ReporterOptions, to_json

FORMAT_VERSION: Literal[1] = 1
SCHEMA_ID = "https://dbarch-lint.readthedocs.io/en/latest/json-report.schema.json"

Line = Annotated[int, msgspec.Meta(ge=1, description="1-based line")]
Column = Annotated[int, msgspec.Meta(ge=1, description="1-based, in Unicode code points")]
EndColumn = Annotated[
    int, msgspec.Meta(ge=1, description="1-based, in Unicode code points, exclusive")
]
Path = Annotated[str, msgspec.Meta(description="relative to the working directory, `/`-separated")]
Count = Annotated[int, msgspec.Meta(ge=0)]


class ReportEdit(msgspec.Struct, forbid_unknown_fields=True):
    """Replace the text from (line, column) up to (end_line, end_column) with `text`."""

    line: Line
    column: Column
    end_line: Line
    end_column: EndColumn
    text: str


class ReportFix(msgspec.Struct, forbid_unknown_fields=True):
    """The safe automatic rewrite `--fix` would apply."""

    description: str
    edits: list[ReportEdit]


class ReportRelated(msgspec.Struct, forbid_unknown_fields=True):
    """Another statement the finding refers to (the covering index, the lock taken earlier)."""

    path: Path
    line: Line
    column: Column
    end_line: Line
    end_column: EndColumn
    message: str


class ReportFinding(msgspec.Struct, forbid_unknown_fields=True):
    """One finding. `related` is present only when the finding refers to other statements."""

    code: str
    rule: str
    severity: Literal["error", "warning", "info"]
    path: Path
    line: Line
    column: Column
    end_line: Line
    end_column: EndColumn
    message: str
    hint: str | None
    url: Annotated[str | None, msgspec.Meta(description="the rule's documentation page")]
    fix: ReportFix | None
    related: list[ReportRelated] | msgspec.UnsetType = msgspec.UNSET


class ReportTool(msgspec.Struct, forbid_unknown_fields=True):
    """The program that wrote the report."""

    name: Literal["dbarch-lint"]
    version: str


class BySeverity(msgspec.Struct, forbid_unknown_fields=True):
    """Findings counted by severity."""

    error: Count
    warning: Count
    info: Count


class ReportSummary(msgspec.Struct, forbid_unknown_fields=True):
    """What the run covered: `files` counts the target files."""

    files: Count
    statements: Count
    findings: Count
    by_severity: BySeverity


class Report(msgspec.Struct, forbid_unknown_fields=True):
    """The dbarch-lint JSON report (`check --format json`), version 1."""

    version: Literal[1]
    tool: ReportTool
    findings: Annotated[
        list[ReportFinding],
        msgspec.Meta(description="in replay order (the runner's order of the files), then line"),
    ]
    summary: ReportSummary


class JsonReporter(Reporter):
    """`{"version": 1, "tool", "findings", "summary"}`, indented, byte-for-byte deterministic."""

    name: ClassVar[str] = "json"

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        """Return the JSON document; findings keep the order the result gives them."""
        report = Report(
            version=FORMAT_VERSION,
            tool=ReportTool("dbarch-lint", result.tool_version),
            findings=list(map(_finding, result.findings)),  # (no comprehension step each)
            summary=ReportSummary(
                files=result.files,
                statements=result.statements,
                findings=len(result.findings),
                by_severity=BySeverity(
                    error=result.count(Severity.ERROR),
                    warning=result.count(Severity.WARNING),
                    info=result.count(Severity.INFO),
                ),
            ),
        )
        return to_json(report)


def report_schema() -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of the report, from the structs that make it."""
    schema = msgspec.json.schema(Report)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "dbarch-lint JSON report, version 1",
        **schema,
    }


# A severity's name in the report (`Severity.value` runs Python code for every finding).
_SEVERITY: dict[Severity, Literal["error", "warning", "info"]] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
}


def _finding(finding: Finding) -> ReportFinding:
    loc = finding.location
    return ReportFinding(
        code=finding.code,
        rule=finding.rule,
        severity=_SEVERITY[finding.severity],
        path=loc.path,
        line=loc.line,
        column=loc.column,
        end_line=loc.end_line,
        end_column=loc.end_column,
        message=finding.message,
        hint=finding.hint,
        url=finding.url,
        fix=_fix(finding.fix) if finding.fix is not None else None,  # (most have none)
        related=[_related(r) for r in finding.related] if finding.related else msgspec.UNSET,
    )


def _related(related: Related) -> ReportRelated:
    loc = related.location
    return ReportRelated(
        loc.path, loc.line, loc.column, loc.end_line, loc.end_column, related.message
    )


def _fix(fix: Fix) -> ReportFix:
    edits = [ReportEdit(e.line, e.column, e.end_line, e.end_column, e.text) for e in fix.edits]
    return ReportFix(fix.description, edits)
