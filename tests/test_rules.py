"""Every fixture under tests/fixtures/<family>/ must produce exactly its expected findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbarch_lint.testing import run_fixture

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(
    p
    for family in FIXTURES.iterdir()
    if family.is_dir()
    for p in family.iterdir()
    if p.suffix == ".sql" or p.is_dir()
)


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(fixture: Path) -> None:
    expected, actual = run_fixture(fixture)
    assert actual == expected
