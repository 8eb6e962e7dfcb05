"""Truth from the real thing: real Sequelize 6 runs the migrations of tests/sequelize_real/
against the throwaway PostgreSQL cluster, and what it sends (its `logging`) and the catalog it
leaves must be what our lowering says: the same statements, tables, columns and types, and the
same names for constraints, indexes and enum types.

Needs Node.js and npm (`npm install sequelize@6 pg sequelize-cli` into the session's temporary
folder); without them the test skips, except under CI=true, where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.sequelize.parser import sql_sent
from tests.postgres import Server

HERE = Path(__file__).parent / "sequelize_real"
MIGRATIONS = sorted((HERE / "migrations").glob("*.js"))


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"real Sequelize is required under CI: {reason}")
    pytest.skip(f"real Sequelize not available: {reason}")


@pytest.fixture(scope="session")
def sequelize_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """node_modules with sequelize 6, pg and sequelize-cli, installed once per session."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        _unavailable("node or npm is not on PATH")
    folder = tmp_path_factory.mktemp("sequelize-npm")
    (folder / "package.json").write_text('{"private": true}\n')
    try:
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                "sequelize@6",
                "pg",
                "sequelize-cli",
            ],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError) as error:
        _unavailable(f"npm install failed: {error}")
    return folder / "node_modules"


@pytest.fixture
def database(pg_server: Server) -> Iterator[str]:
    name = f"sequelize_real_{os.getpid()}"
    with pg_server.connect() as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    yield name
    with pg_server.connect() as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _catalog(server: Server, database: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(
        host=server.socket_dir, port=server.port, user=server.user, dbname=database
    ) as connection:
        columns = connection.execute(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 "
            "AND NOT a.attisdropped"
        ).fetchall()
        constraints = connection.execute(
            "SELECT c.relname, k.conname, k.contype FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND k.contype IN ('p', 'u', 'f', 'c')"
        ).fetchall()
        indexes = connection.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
        enums = connection.execute(
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = 'public' AND t.typtype = 'e'"
        ).fetchall()
    return {
        "columns": sorted((t, c, _type(ty), nn) for t, c, ty, nn in columns),
        "constraints": sorted((t, n, k) for t, n, k in constraints),
        "indexes": sorted((t, n) for t, n in indexes),
        "enums": sorted(e for (e,) in enums),
    }


_KINDS = {"primary-key": "p", "unique": "u", "foreign-key": "f", "check": "c"}
_TYPES = {
    "serial": "integer",
    "bigserial": "bigint",
    "smallserial": "smallint",
    "timestamptz": "timestamp with time zone",
    "timestamp with time zone": "timestamp with time zone",
    "time": "time without time zone",
    "float": "double precision",
    "float8": "double precision",
    "float4": "real",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "bool": "boolean",
    "decimal": "numeric",
}


def _type(text: str) -> str:
    """A type in one spelling (ours and format_type's differ)."""
    text = text.lower().removeprefix("public.").removeprefix("pg_catalog.").replace('"', "")
    array = text.endswith("[]")
    text = text.removesuffix("[]")
    text = re.sub(r"^(?:character varying|varchar)", "varchar", text)
    text = re.sub(r"^(?:character|bpchar|char)\(", "char(", text)
    text = _TYPES.get(text, text)
    return text + ("[]" if array else "")


def _ours(folder: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "dbarch_lint", "schema", "--format", "json", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    tables = json.loads(result.stdout)["tables"]
    enums = re.findall(r'CREATE TYPE "public"\."(\w+)"', "\n".join(_sent()))
    return {
        "columns": sorted(
            (t["name"], c["name"], _type(c["type"]), c["not_null"])
            for t in tables
            for c in t["columns"]
        ),
        "constraints": sorted(
            (t["name"], k["name"], _KINDS[k["kind"]])
            for t in tables
            for k in t["constraints"]
            if k["kind"] in _KINDS
        ),
        "indexes": sorted((t["name"], i["name"]) for t in tables for i in t["indexes"]),
        "enums": sorted(set(enums)),
    }


def _sent() -> list[str]:
    sent: list[str] = []
    for path in MIGRATIONS:
        text = path.read_text(encoding="utf-8")
        sent.append(f"-- {path.name}")
        sent.extend(sql_sent(SourceFile(f"migrations/{path.name}", text)))
    return sent


def _statements(sent: list[str]) -> list[str]:
    """The query strings, without Sequelize's own catalog queries (its ENUM lookups, the
    `describeTable` of renameColumn,
    reload of its type map after creating one), in one spelling of white space."""
    return [
        re.sub(r"\s+([,)])", r"\1", re.sub(r"\s+", " ", s)).strip().rstrip(";").strip()
        for s in sent
        if not s.startswith(
            ("SELECT t.typname enum_name", "WITH ranges AS", "SELECT pk.constraint")
        )
    ]


def test_real_sequelize_sends_what_we_lower_and_leaves_the_catalog_we_replay(
    pg_server: Server, sequelize_modules: Path, database: str, tmp_path: Path
) -> None:
    out = tmp_path / "sent.json"
    files = [str(p) for p in MIGRATIONS]
    result = subprocess.run(
        [
            "node",
            str(HERE / "run.js"),
            str(sequelize_modules),
            pg_server.socket_dir,
            str(pg_server.port),
            pg_server.user,
            database,
            str(out),
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    logged = json.loads(out.read_text())
    # Sequelize does not say in its log which migration runs: ours is the one line per file.
    ours = _statements(_sent())
    for theirs, mine in zip(_statements(logged), ours, strict=False):
        assert theirs == mine
    assert _statements(logged) == ours
    theirs, mine = _catalog(pg_server, database), _ours(HERE)
    for key in ("columns", "constraints", "indexes", "enums"):
        assert sorted(set(theirs[key]) - set(mine[key])) == sorted(
            set(mine[key]) - set(theirs[key])
        )
    assert theirs == mine
