"""Catalog guards: what an `IF` condition of a PL/pgSQL block says about the schema.

Re-runnable migrations test the catalog before they change it: `IF NOT EXISTS (SELECT 1 FROM
information_schema.columns WHERE table_name = 't' AND column_name = 'c') THEN ALTER TABLE t ADD
COLUMN c ...`. A condition that is a conjunction of such tests (`EXISTS` / `NOT EXISTS` over
`information_schema.columns | tables | table_constraints | constraint_column_usage |
key_column_usage`, `pg_tables`, `pg_indexes`, `pg_constraint`, `pg_class`, `pg_type`,
`pg_attribute`, a schema test being a literal or `current_schema()`; `to_regclass('t') IS [NOT]
NULL`; `IF [NOT] FOUND` right after a `PERFORM` of such a query) becomes `Guard`s; the replay
then knows which branch runs when its schema can tell.
Anything else in a condition (an `OR`, a test of another column of the catalog) makes it
unknown: no guard, both branches run.
"""

from __future__ import annotations

import re

from dbarch_lint.model.ir import Guard, QName
from dbarch_lint.model.regex import lazy

_AND = lazy(r"\s+AND\s+", re.I)
_EXISTS = lazy(r"^(NOT\s+)?EXISTS\s*\((.*)\)$", re.I | re.S)
_REGCLASS = lazy(
    r"^(?:pg_catalog\.)?to_regclass\s*\(\s*'([^']*)'(?:::\w+)?\s*\)\s*IS\s+(NOT\s+)?NULL$", re.I
)
_FROM = lazy(
    r"^SELECT\s+(?:.+?\s+)?FROM\s+((?:information_schema|pg_catalog)\s*\.\s*)?(\w+)(?:\s+(?:AS\s+)?(\w+))?"
    r"\s+WHERE\s+(.+)$",
    re.I | re.S,
)
_TEST = lazy(
    r"^(?:\w+\.)?(\w+)\s*(=|!=|<>)\s*'((?:[^']|'')*)'(?:::(?:regclass|name|text))?$", re.I | re.S
)
_INFORMATION_SCHEMA = frozenset(
    ("columns", "tables", "table_constraints", "constraint_column_usage", "key_column_usage")
)
_CURRENT_SCHEMA = lazy(
    r"^(?:\w+\.)?(?:table_schema|schemaname|constraint_schema)\s*=\s*"
    r"(?:pg_catalog\.)?current_schema(?:\s*\(\s*\))?$",
    re.I,
)
_CATALOGS: dict[str, str] = {
    "columns": "column",
    "tables": "table",
    "pg_tables": "table",
    "table_constraints": "constraint",
    "constraint_column_usage": "constraint",
    "key_column_usage": "constraint",
    "pg_indexes": "index",
    "pg_constraint": "constraint",
    "pg_class": "relation",
    "pg_type": "type",
    "pg_attribute": "column",
}
# What each catalog column names: the object's schema, its table, itself (the member).
_ROLES: dict[str, str] = {
    "table_schema": "schema",
    "schemaname": "schema",
    "constraint_schema": "schema",
    "table_name": "table",
    "tablename": "table",
    "conrelid": "table",
    "attrelid": "table",
    "column_name": "member",
    "attname": "member",
    "constraint_name": "member",
    "conname": "member",
    "indexname": "member",
    "relname": "member",
    "typname": "member",
}


def guards(condition: str) -> tuple[Guard, ...] | None:
    """The guards of a condition that is a conjunction of catalog tests (None: it is not)."""
    found: list[Guard] = []
    for atom in _conjuncts(condition.strip()):
        guard = _atom(atom)
        if guard is None:
            return None
        found.append(guard)
    return tuple(found) or None


def negated(found: tuple[Guard, ...] | None) -> tuple[Guard, ...]:
    """What holds when a condition is false: only a one-guard condition says something."""
    if found is None or len(found) != 1:
        return ()
    guard = found[0]
    if guard.data_type is not None:
        return ()  # (not "has type x" is "has another type, or no such column")
    return (Guard(guard.kind, guard.name, guard.member, not guard.exists),)


def _conjuncts(text: str) -> list[str]:
    """The parts of `text` joined by a top-level AND."""
    parts: list[str] = []
    depth = 0
    start = 0
    quoted = False
    for match in re.finditer(r"'|\(|\)|\s+AND\s+", text, re.I):
        token = match.group()
        if token == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            parts.append(text[start : match.start()].strip())
            start = match.end()
    parts.append(text[start:].strip())
    return [_unwrap(part) for part in parts]


def _unwrap(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r"'(?:[^']|'')*'", "''", text):
        depth += char == "("
        depth -= char == ")"
        if depth < 0:
            return False
    return depth == 0


def _atom(atom: str) -> Guard | None:
    regclass = _REGCLASS.match(atom)
    if regclass is not None:
        return Guard("relation", _qname(regclass.group(1)), exists=regclass.group(2) is not None)
    exists = _EXISTS.match(atom)
    if exists is None or not _balanced(exists.group(2)):
        return None
    query = _FROM.match(exists.group(2).strip())
    if query is None:
        return None
    schema_part, catalog, _alias, where = query.groups()
    catalog = catalog.lower()
    informational = bool(schema_part) and "information" in schema_part.lower()
    if catalog not in _CATALOGS or informational != (catalog in _INFORMATION_SCHEMA):
        return None
    kind = _CATALOGS[catalog]
    roles: dict[str, str] = {}
    data_type: tuple[str, bool] | None = None
    for test in _conjuncts(where):
        if _CURRENT_SCHEMA.match(test):
            continue  # (the schema a name resolves to: the replay's search_path does the same)
        matched = _TEST.match(test)
        if matched is None:
            return None
        column, operator, value = matched.group(1).lower(), matched.group(2), matched.group(3)
        value = value.replace("''", "'")
        if column in ("data_type", "udt_name") and kind == "column":
            data_type = (value.lower(), operator == "=")
            continue
        role = _ROLES.get(column)
        if role is None or operator != "=" or role in roles:
            return None
        roles[role] = value
    member = roles.get("member")
    if member is None and kind != "table" and (kind == "relation" or "table" not in roles):
        return None
    table_name = roles.get("table")
    schema = roles.get("schema")
    if table_name is not None and roles.get("table") and "." in table_name and schema is None:
        qualified = _qname(table_name)
        schema, table_name = qualified.schema, qualified.name
    if kind == "table":
        if table_name is None:
            return None
        return Guard("table", QName(schema, table_name), exists=exists.group(1) is None)
    if kind == "column":
        if table_name is None or member is None:
            return None
        guard = Guard("column", QName(schema, table_name), member, exists.group(1) is None)
        if data_type is not None:
            guard = Guard("column", guard.name, member, guard.exists, data_type[0], data_type[1])
        return guard
    if kind == "constraint":
        if catalog == "constraint_column_usage":
            table_name = None  # (a foreign key's row there names the referenced table)
        return Guard("constraint", QName(schema, table_name or ""), member, exists.group(1) is None)
    if kind == "index":
        return Guard("index", QName(schema, member or ""), exists=exists.group(1) is None)
    return Guard(kind, QName(schema, member or ""), exists=exists.group(1) is None)


def _qname(text: str) -> QName:
    """A name as `to_regclass` or `::regclass` reads it (unquoted parts fold to lower case)."""
    parts = [
        part[1:-1].replace('""', '"') if part.startswith('"') else part.lower()
        for part in re.findall(r'"(?:[^"]|"")*"|[^.]+', text.strip())
    ]
    if len(parts) >= 2:
        return QName(parts[-2], parts[-1])
    return QName(None, parts[0] if parts else "")
