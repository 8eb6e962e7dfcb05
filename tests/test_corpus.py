"""The real-world corpus lints with zero internal errors (and no exception)."""

from __future__ import annotations

import collections
import json

import pytest

from dbarch_lint import lint_paths
from dbarch_lint.model.findings import LintResult
from dbarch_lint.reporting import ReporterOptions
from dbarch_lint.reporting.json_report import JsonReporter
from tests.conftest import ROOT, shared_path


@pytest.fixture(scope="module")
def result() -> LintResult:
    corpus = shared_path("corpus")
    return lint_paths([str(corpus)], cwd=str(corpus), select=["DBA"])


def test_corpus_has_no_internal_errors(result: LintResult) -> None:
    crashes = [
        f"{f.path}:{f.location.line}: {f.message}" for f in result.findings if f.code == "DBA000"
    ]
    assert crashes == []
    assert result.files >= 2300
    counts = collections.Counter(
        f.path.split("/")[0] for f in result.findings if f.code == "DBA001"
    )
    # Real histories parse cleanly (crates.io has one real missing semicolon in a down.sql).
    assert counts.get("lemmy", 0) == 0 and counts.get("supabase-postgres", 0) == 0
    assert counts.get("structure-dumps", 0) == 0 and counts.get("crates-io", 0) == 1


def test_corpus_json_report_matches_published_schema(result: LintResult) -> None:
    """Every rule's findings (related locations and fixes included) fit docs' JSON schema."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "json-report.schema.json").read_text(encoding="utf-8"))
    document = json.loads(JsonReporter().render(result, ReporterOptions()))
    assert any("related" in f for f in document["findings"])
    assert any(f["fix"] for f in document["findings"])
    errors = jsonschema.Draft202012Validator(schema).iter_errors(document)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors][:5] == []
