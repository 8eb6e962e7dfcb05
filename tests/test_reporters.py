"""Reporters: golden files, SARIF schema validity, escaping, shapes and determinism.

Set DBARCH_LINT_UPDATE_SNAPSHOTS=1 to rewrite the golden files under tests/snapshots/reporters/.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from dbarch_lint.model.findings import (
    Applicability,
    Edit,
    Finding,
    Fix,
    FixAvailability,
    LintResult,
    Location,
    Related,
    RuleInfo,
    Severity,
    stable_keys,
)
from dbarch_lint.reporting import Reporter, ReporterOptions
from dbarch_lint.reporting.builtin import reporters
from dbarch_lint.reporting.github import escape_data, escape_property

SNAPSHOTS = Path(__file__).parent / "snapshots" / "reporters"
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json"
JSON_SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "json-report.schema.json"
DOCS = "https://dbarch-lint.readthedocs.io/en/latest/rules/"

INIT = "db/migrations/0001_init.sql"
ORDERS = "db/migrations/0002_orders.sql"
DATA = "db/migrations/0003_données.sql"

SOURCES = {
    INIT: (
        "-- the first migration\n"
        "CREATE TABLE orders (id bigint PRIMARY KEY, total money);\n"
        "CREATE INDEX orders_total ON orders (total);\n"
    ),
    ORDERS: (
        "CREATE INDEX orders_total_again ON orders (total);\n"
        "ALTER TABLE orders\n"
        "\tADD COLUMN note text\n"
        "\tDEFAULT '注文',\n"
        "\tADD COLUMN memo text,\n"
        "\tADD COLUMN tag text;\n"
    ),
    DATA: (
        "ALTER TABLE café ADD COLUMN prix numeric;\r\n"
        "UPDATE café SET prix = 0;\r\n"
        "UPDATE café SET prix = 0;\r\n"
    ),
}


def _rule(code: str, name: str, family: str, severity: Severity, summary: str) -> RuleInfo:
    return RuleInfo(
        code=code,
        name=name,
        family=family,
        severity=severity,
        enabled_by_default=True,
        fix_availability=FixAvailability.NEVER,
        fix_applicability=Applicability.SAFE,
        dialects=("postgres",),
        summary=summary,
        description=f"{summary}\n\n## What it does\n\nFlags `{name}`.",
        rationale=f"Because {name} hurts.",
        url=f"{DOCS}{code}/",
    )


RULES = (
    _rule("DBA000", "internal-error", "engine", Severity.ERROR, "A rule crashed."),
    _rule("DBA101", "money-type", "types", Severity.WARNING, "Column uses the money type."),
    _rule("DBA401", "non-concurrent-index-creation", "locking", Severity.ERROR, "Blocking index."),
    _rule("DBA402", "redundant-index", "indexing", Severity.INFO, "Index duplicates another."),
)


def _finding(
    code: str, name: str, severity: Severity, loc: Location, message: str, **extra: Any
) -> Finding:
    url = f"{DOCS}{code}/" if code.startswith("DBA") else None
    return Finding(code, name, severity, loc, message, url=url, **extra)


FINDINGS = (
    _finding(
        "DBA101",
        "money-type",
        Severity.WARNING,
        Location(INIT, 2, 45, 2, 56),
        'Column "orders"."total" uses money: its precision and currency follow lc_monetary.',
        hint="Use numeric(12, 2):\nALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2);",
    ),
    _finding(
        "DBA401",
        "non-concurrent-index-creation",
        Severity.ERROR,
        Location(ORDERS, 1, 1, 1, 50),
        'CREATE INDEX "orders_total_again" blocks writes to "orders" while it builds.',
        hint="CREATE INDEX CONCURRENTLY orders_total_again ON orders (total);",
        fix=Fix("Build the index concurrently", (Edit(1, 14, 1, 14, "CONCURRENTLY "),)),
    ),
    _finding(
        "DBA402",
        "redundant-index",
        Severity.INFO,
        Location(ORDERS, 1, 14, 1, 32),
        'Index "orders_total_again" duplicates "orders_total".',
        related=(Related(Location(INIT, 3, 1, 3, 44), 'the index "orders_total"'),),
    ),
    _finding(
        "DBA101",
        "money-type",
        Severity.WARNING,
        Location(ORDERS, 2, 1, 7, 1),
        "Statement over several lines: 100% of rows get '注文', one rewrite: twice.",
    ),
    _finding(
        "DBA101",
        "money-type",
        Severity.WARNING,
        Location(ORDERS, 4, 10, 4, 14),
        "Wide characters in the frame: '注文'.",
    ),
    _finding(
        "DBA000",
        "internal-error",
        Severity.ERROR,
        Location(DATA, 1, 1, 1, 41),
        "Rule ACME001 (acme-naming) raised ValueError('boom')",
    ),
    _finding(
        "ACME001",
        "acme-naming",
        Severity.WARNING,
        Location(DATA, 1, 13, 1, 17),
        'Table "café" is not named in English.',
    ),
    _finding(
        "DBA101",
        "money-type",
        Severity.INFO,
        Location(DATA, 2, 8, 2, 12),
        "Same statement twice, Ω.",
    ),
    _finding(
        "DBA101",
        "money-type",
        Severity.INFO,
        Location(DATA, 3, 8, 3, 12),
        "Same statement twice, Ω.",
    ),
)

RESULT = LintResult(
    findings=FINDINGS,
    files=3,
    statements=7,
    rules=RULES,
    tool_version="0.1.0",
    sources=dict(SOURCES),
)
EMPTY = LintResult(findings=(), files=2, statements=1, rules=RULES, tool_version="0.1.0")

SNAPSHOT_CASES = [
    ("text.txt", "text", ReporterOptions()),
    ("text-source-color.txt", "text", ReporterOptions(color=True, show_source=True)),
    ("text-source.txt", "text", ReporterOptions(show_source=True)),
    ("text-quiet.txt", "text", ReporterOptions(quiet=True)),
    ("json.json", "json", ReporterOptions()),
    ("sarif.sarif", "sarif", ReporterOptions()),
    ("gcc.txt", "gcc", ReporterOptions()),
    ("github.txt", "github", ReporterOptions()),
    ("gitlab.json", "gitlab", ReporterOptions()),
]


def render(fmt: str, result: LintResult = RESULT, options: ReporterOptions | None = None) -> str:
    reporter: Reporter = reporters()[fmt]()
    return reporter.render(result, options or ReporterOptions())


@pytest.mark.parametrize(
    ("snapshot", "fmt", "options"), SNAPSHOT_CASES, ids=[case[0] for case in SNAPSHOT_CASES]
)
def test_snapshot(snapshot: str, fmt: str, options: ReporterOptions) -> None:
    actual = render(fmt, options=options).encode("utf-8")
    path = SNAPSHOTS / snapshot
    if os.environ.get("DBARCH_LINT_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
    assert path.exists(), f"missing {path}; run with DBARCH_LINT_UPDATE_SNAPSHOTS=1"
    assert actual == path.read_bytes()


def test_builtin_formats() -> None:
    found = reporters()
    assert sorted(found) == ["gcc", "github", "gitlab", "json", "sarif", "text"]
    assert all(cls.name == name for name, cls in found.items())


@pytest.mark.parametrize("fmt", sorted(reporters()))
def test_deterministic(fmt: str) -> None:
    options = ReporterOptions(show_source=True)
    copy = msgspec.structs.replace(RESULT, sources=dict(reversed(SOURCES.items())))
    assert render(fmt, RESULT, options) == render(fmt, copy, options)


@pytest.mark.parametrize("fmt", sorted(reporters()))
def test_no_absolute_paths_or_timestamps(fmt: str) -> None:
    text = render(fmt)
    assert "/work/" not in text and "file://" not in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text)


# -- sarif -----------------------------------------------------------------------------------


def _schema() -> dict[str, Any]:
    if not SARIF_SCHEMA.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"SARIF schema missing at {SARIF_SCHEMA}")
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA}")
    schema: dict[str, Any] = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return schema


@pytest.mark.parametrize("result", [RESULT, EMPTY], ids=["findings", "empty"])
def test_sarif_is_valid(result: LintResult) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = _schema()
    log = json.loads(render("sarif", result))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


def test_sarif_rules_and_results() -> None:
    run = json.loads(render("sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["DBA000", "DBA101", "DBA401", "DBA402", "ACME001"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert run["columnKind"] == "unicodeCodePoints"
    uri = run["results"][5]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "db/migrations/0003_donn%C3%A9es.sql"
    fix = run["results"][1]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert fix["insertedContent"]["text"] == "CONCURRENTLY "
    related = run["results"][2]["relatedLocations"][0]
    assert related["id"] == 1 and related["message"]["text"] == 'the index "orders_total"'


def test_sarif_invocation() -> None:
    (invocation,) = json.loads(render("sarif"))["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [n["descriptor"]["id"] for n in invocation["toolExecutionNotifications"]] == ["DBA000"]
    clean = msgspec.structs.replace(RESULT, findings=FINDINGS[:2])
    (invocation,) = json.loads(render("sarif", clean))["runs"][0]["invocations"]
    assert invocation == {"executionSuccessful": True}
    broken = msgspec.structs.replace(EMPTY, errors=("unknown rule DBA999",))
    (invocation,) = json.loads(render("sarif", broken))["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False


def _keys(result: LintResult) -> list[str]:
    return stable_keys(result.findings, result.sources)


def test_fingerprints_survive_unrelated_edits() -> None:
    before = _keys(RESULT)
    assert len(set(before)) == len(before)
    first, second = before[-2:]  # the same statement twice in one file
    assert first.endswith(":1") and second == first[:-1] + "2"
    shifted_sources = {path: "-- a new comment\n\n" + text for path, text in SOURCES.items()}
    shifted = msgspec.structs.replace(
        RESULT,
        findings=tuple(
            msgspec.structs.replace(
                f,
                location=msgspec.structs.replace(
                    f.location, line=f.location.line + 2, end_line=f.location.end_line + 2
                ),
            )
            for f in FINDINGS
        ),
        sources=shifted_sources,
    )
    assert _keys(shifted) == before
    edited = dict(SOURCES, **{INIT: SOURCES[INIT].replace("total money", "total  money")})
    assert _keys(msgspec.structs.replace(RESULT, sources=edited)) == before  # whitespace only
    renamed = dict(SOURCES, **{INIT: SOURCES[INIT].replace("orders (id", "purchases (id")})
    assert _keys(msgspec.structs.replace(RESULT, sources=renamed))[0] != before[0]


# -- json ------------------------------------------------------------------------------------


def test_json_document_keys() -> None:
    document = json.loads(render("json"))
    assert list(document) == ["version", "tool", "findings", "summary"]
    assert document["version"] == 1
    assert list(document["findings"][0]) == [
        "code",
        "rule",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "hint",
        "url",
        "fix",
    ]
    assert "related" not in document["findings"][0]  # (only where a finding refers elsewhere)
    assert document["findings"][2]["related"] == [
        {
            "path": INIT,
            "line": 3,
            "column": 1,
            "end_line": 3,
            "end_column": 44,
            "message": 'the index "orders_total"',
        }
    ]
    assert document["findings"][1]["fix"] == {
        "description": "Build the index concurrently",
        "edits": [
            {"line": 1, "column": 14, "end_line": 1, "end_column": 14, "text": "CONCURRENTLY "}
        ],
    }
    assert document["summary"] == {
        "files": 3,
        "statements": 7,
        "findings": 9,
        "by_severity": {"error": 2, "warning": 4, "info": 3},
    }


@pytest.mark.parametrize("result", [RESULT, EMPTY], ids=["findings", "empty"])
def test_json_matches_published_schema(result: LintResult) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    document = json.loads(render("json", result))
    assert [e.message for e in validator.iter_errors(document)] == []
    # The schema is strict: a key the structs do not declare, or a wrong type, fails it.
    document["findings" if result is RESULT else "summary"] = {"surprise": True}
    assert list(validator.iter_errors(document))


# -- gcc / github / gitlab ---------------------------------------------------------------------

GCC_LINE = re.compile(
    r"^(?P<path>[^:]+):(\d+):(\d+): (error|warning|note): (.*) \[([A-Z]+\d+) ([a-z-]+)\]$"
)


def test_gcc_shape() -> None:
    lines = render("gcc").splitlines()
    assert len(lines) == len(FINDINGS)
    for line, finding in zip(lines, FINDINGS, strict=True):
        match = GCC_LINE.match(line)
        assert match, line
        assert match["path"] == finding.path
    assert lines[2].startswith(f"{ORDERS}:1:14: note: ")


def test_github_escaping() -> None:
    assert escape_data("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"
    assert escape_property("a%b\nc: d,e") == "a%25b%0Ac%3A d%2Ce"
    lines = render("github").splitlines()
    assert len(lines) == len(FINDINGS)
    assert lines[0].startswith(f"::warning file={INIT},line=2,col=45,endLine=2,endColumn=56,")
    assert "::notice " in lines[2]
    assert lines[3].startswith(
        f"::warning file={ORDERS},line=2,endLine=6,title=DBA101 money-type::"
    )
    assert "100%25 of rows" in lines[3]
    assert "Use numeric(12, 2):%0AALTER" in lines[0]


def test_github_property_escaping() -> None:
    odd = Location("db/a,b:c.sql", 1, 1, 1, 2)
    finding = Finding("DBA101", "money-type", Severity.ERROR, odd, "m")
    text = render("github", msgspec.structs.replace(EMPTY, findings=(finding,)))
    props = "file=db/a%2Cb%3Ac.sql,line=1,col=1,endLine=1,endColumn=2,title=DBA101 money-type"
    assert text == f"::error {props}::m\n"


def test_gitlab_fingerprints_are_unique_md5() -> None:
    issues = json.loads(render("gitlab"))
    prints = [issue["fingerprint"] for issue in issues]
    assert len(set(prints)) == len(prints)
    assert all(re.fullmatch(r"[0-9a-f]{32}", p) for p in prints)
    assert [i["severity"] for i in issues][:3] == ["minor", "major", "info"]
    assert render("gitlab", EMPTY) == "[]\n"


# -- text --------------------------------------------------------------------------------------


def test_text_colour_only_when_asked() -> None:
    assert "\x1b[" not in render("text", options=ReporterOptions(show_source=True))
    assert "\x1b[" in render("text", options=ReporterOptions(color=True))


def test_text_summary() -> None:
    assert render("text", EMPTY) == "All checks passed: 2 files, 1 statement.\n"
    assert render("text", EMPTY, ReporterOptions(quiet=True)) == ""
    broken = msgspec.structs.replace(EMPTY, errors=("unknown rule DBA999",))
    assert render("text", broken) == "No findings: 2 files, 1 statement.\n"  # errors: not a pass
    *_, last, fixable = render("text").splitlines()
    assert last == "Found 9 findings (2 errors, 4 warnings, 3 info) in 3 files, 7 statements."
    assert fixable == "[*] 1 fixable with --fix."


def test_text_frame_without_source_is_skipped() -> None:
    result = msgspec.structs.replace(RESULT, sources={})
    plain = render("text", result, ReporterOptions(show_source=True, quiet=True))
    assert "|" not in plain
