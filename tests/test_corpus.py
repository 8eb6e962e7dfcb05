"""The real-world corpus lints with zero internal errors (and no exception)."""

from __future__ import annotations

import collections

from dbarch_lint import lint_paths
from tests.conftest import shared_path


def test_corpus_has_no_internal_errors() -> None:
    corpus = shared_path("corpus")
    result = lint_paths([str(corpus)], cwd=str(corpus), select=["DBA"])
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
