"""The function volatility table: what DBA405 knows, and that it matches a real catalog."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from dbarch_lint.catalog.volatility import TABLE, function_volatility
from tests.conftest import ROOT
from tests.postgres import Server


def test_known_functions() -> None:
    assert function_volatility("now") == "stable"
    assert function_volatility("statement_timestamp") == "stable"
    assert function_volatility("lower") == "immutable"
    for volatile in ("random", "gen_random_uuid", "clock_timestamp", "nextval", "timeofday"):
        assert function_volatility(volatile) == "volatile"
    # Overloads merge into the most volatile class; extensions' functions are unknown.
    assert function_volatility("date_trunc") == "stable"
    assert function_volatility("uuid_generate_v4") is None


def _script() -> ModuleType:
    """scripts/generate_volatility.py, loaded as a module."""
    spec = importlib.util.spec_from_file_location(
        "generate_volatility", ROOT / "scripts" / "generate_volatility.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_the_script_writes_the_table_the_linter_reads() -> None:
    # (From the package down: an installed package does not live under ROOT.)
    assert _script().TABLE.relative_to(ROOT / "src").parts == Path(TABLE).parts[-4:]


def test_the_table_matches_the_server_catalog(pg_server: Server) -> None:
    script = _script()
    with pg_server.connect() as connection:
        fresh = script.table_text(connection)
    assert Path(TABLE).read_text(encoding="utf-8") == fresh, (
        "stale volatility table: run scripts/generate_volatility.py"
    )
