"""SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it."""

from __future__ import annotations

from typing import Any, ClassVar

from dbarch_lint.model.findings import (
    Finding,
    LintResult,
    Location,
    RuleInfo,
    Severity,
    stable_keys,
)
from dbarch_lint.reporting import Reporter, ReporterOptions, to_json

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://dbarch-lint.readthedocs.io/en/latest/"
FINGERPRINT_KEY = "dbarchLint/v1"
INTERNAL_ERROR = "DBA000"
SRCROOT = "%SRCROOT%"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

JSON = dict[str, Any]


class SarifReporter(Reporter):
    """One SARIF run: the rules as `tool.driver.rules`, one result per finding."""

    name: ClassVar[str] = "sarif"

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        """Return the SARIF log as indented JSON."""
        rules = [_descriptor(info) for info in result.rules]
        index = {info.code: i for i, info in enumerate(result.rules)}
        for finding in result.findings:  # plugin codes and the like: describe them too
            if finding.code not in index:
                index[finding.code] = len(rules)
                rules.append(_extra_descriptor(finding))
        results = [
            _result(finding, index[finding.code], key)
            for finding, key in zip(
                result.findings, stable_keys(result.findings, result.sources), strict=True
            )
        ]
        driver = {
            "name": "dbarch-lint",
            "version": result.tool_version,
            "semanticVersion": result.tool_version,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }
        log = {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": driver},
                    "invocations": [_invocation(result)],
                    "columnKind": "unicodeCodePoints",
                    "results": results,
                }
            ],
        }
        return to_json(log)


def _descriptor(info: RuleInfo) -> JSON:
    descriptor: JSON = {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary or info.name},
        "fullDescription": {"text": info.rationale or info.summary or info.name},
    }
    if info.description:
        descriptor["help"] = {"text": info.description, "markdown": info.description}
    if info.url:
        descriptor["helpUri"] = info.url
    descriptor["defaultConfiguration"] = {"level": _LEVELS[info.severity]}
    descriptor["properties"] = {"tags": [info.family]}
    return descriptor


def _extra_descriptor(finding: Finding) -> JSON:
    descriptor: JSON = {"id": finding.code, "name": finding.rule}
    if finding.url:
        descriptor["helpUri"] = finding.url
    return descriptor


def _result(finding: Finding, rule_index: int, key: str) -> JSON:
    text = finding.message if finding.hint is None else f"{finding.message}\n\nHint: {finding.hint}"
    out: JSON = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [_location(finding.location)],
        "partialFingerprints": {FINGERPRINT_KEY: key},
    }
    if finding.related:
        out["relatedLocations"] = [
            {"id": i, **_location(r.location), "message": {"text": r.message}}
            for i, r in enumerate(finding.related, start=1)
        ]
    if finding.fix is not None:
        replacements = [
            {
                "deletedRegion": _region(e.line, e.column, e.end_line, e.end_column),
                "insertedContent": {"text": e.text},
            }
            for e in finding.fix.edits
        ]
        change = {"artifactLocation": _artifact(finding.path), "replacements": replacements}
        description = {"text": finding.fix.description}
        out["fixes"] = [{"description": description, "artifactChanges": [change]}]
    return out


def _location(loc: Location) -> JSON:
    region = _region(loc.line, loc.column, loc.end_line, loc.end_column)
    return {"physicalLocation": {"artifactLocation": _artifact(loc.path), "region": region}}


def _artifact(path: str) -> JSON:
    from urllib.parse import quote  # costs start-up time; only SARIF needs it

    # (A URI names bytes: a file name's undecodable byte is percent-encoded as itself.)
    return {"uri": quote(path, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int, end_column: int) -> JSON:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _invocation(result: LintResult) -> JSON:
    crashes = [f for f in result.findings if f.code == INTERNAL_ERROR]
    invocation: JSON = {"executionSuccessful": not crashes and not result.errors}
    if crashes:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "error",
                "message": {"text": f.message},
                "descriptor": {"id": INTERNAL_ERROR},
                "locations": [_location(f.location)],
            }
            for f in crashes
        ]
    if result.errors:
        invocation["toolConfigurationNotifications"] = [
            {"level": "error", "message": {"text": message}} for message in result.errors
        ]
    return invocation
