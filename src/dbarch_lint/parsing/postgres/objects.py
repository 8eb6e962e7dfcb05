"""Lowering the statements on everything but tables and indexes: types and domains, functions,
roles and grants, session settings, transactions, data changes, views, locks, maintenance
commands, and the objects that hold no table data (`created`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
from dbarch_lint.model.regex import lazy
from dbarch_lint.parsing.postgres.nodes import (
    Node,
    Where,
    loc,
    normalized,
    object_kind,
    object_name,
    qname,
    range_var,
    strings,
)

# A lowering returns the statement's events, or None when this form is not modelled (DBA002).
Lowering = Callable[[Node, Span, Where], list[ir.AnyEvent] | None]


def create_enum(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE TYPE ... AS ENUM."""
    return [ir.CreateEnum(span, qname(strings(node.get("typeName"))), strings(node.get("vals")))]


def alter_enum(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """ALTER TYPE ... ADD VALUE / RENAME VALUE."""
    return [
        ir.AlterEnum(
            span,
            qname(strings(node.get("typeName"))),
            node.get("newVal", ""),
            node.get("oldVal"),
            bool(node.get("skipIfNewValExists")),
        )
    ]


def _def_elems(node: Node, key: str = "options") -> dict[str, Any]:
    return {
        d["DefElem"]["defname"]: d["DefElem"].get("arg")
        for d in node.get(key, []) or []
        if "DefElem" in d
    }


def _set_search_path(options: list[Node]) -> tuple[str, ...] | None:
    for option in options:
        elem = option.get("DefElem", {})
        setting = (elem.get("arg") or {}).get("VariableSetStmt", {})
        if elem.get("defname") == "set" and setting.get("name") == "search_path":
            if setting.get("kind") == "VAR_SET_CURRENT":
                return ("FROM CURRENT",)
            if setting.get("kind") in ("VAR_SET_DEFAULT", "VAR_RESET"):
                return ("DEFAULT",)
            return setting_values(setting)
    return None


def setting_values(setting: Node) -> tuple[str, ...]:
    """The values of a SET statement, as text."""
    values: list[str] = []
    for arg in setting.get("args", []) or []:
        const = arg.get("A_Const", {})
        if "sval" in const:
            values.append(str(const["sval"].get("sval", "")))
        elif "ival" in const:
            values.append(str(const["ival"].get("ival", 0)))
        elif "fval" in const:
            values.append(str(const["fval"].get("fval", "")))
        elif "boolval" in const:
            values.append("on" if const["boolval"].get("boolval") else "off")
        else:
            values.append(normalized(arg))
    return tuple(values)


def create_function(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE FUNCTION / PROCEDURE."""
    options = _def_elems(node)
    language = (options.get("language") or {}).get("String", {}).get("sval")
    security = (options.get("security") or {}).get("Boolean", {}).get("boolval", False)
    body_items = strings((options.get("as") or {}).get("List", {}).get("items"))
    return [
        ir.CreateFunction(
            span,
            qname(strings(node.get("funcname"))),
            procedure=bool(node.get("is_procedure")),
            replace=bool(node.get("replace")),
            language=language,
            security_definer=bool(security),
            search_path=_set_search_path(node.get("options", []) or []),
            body=body_items[0] if body_items else None,
        )
    ]


def alter_function(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """ALTER FUNCTION / PROCEDURE."""
    actions = _def_elems(node, "actions")
    security = actions.get("security")
    return [
        ir.AlterFunction(
            span,
            object_name({"ObjectWithArgs": node.get("func", {})}),
            procedure=node.get("objtype") == "OBJECT_PROCEDURE",
            security_definer=None
            if security is None
            else bool(security.get("Boolean", {}).get("boolval", False)),
            search_path=_set_search_path(node.get("actions", []) or []),
        )
    ]


def role_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE/ALTER ROLE|USER|GROUP with a PASSWORD option."""
    role = node.get("role")
    name = role if isinstance(role, str) else (role or {}).get("rolename", "")
    events: list[ir.AnyEvent] = []
    for option in node.get("options", []) or []:
        elem = option.get("DefElem", {})
        if elem.get("defname") == "password":
            arg = elem.get("arg")
            password = arg.get("String", {}).get("sval") if arg else None
            location = elem.get("arg_location", -1)
            here = Span.at(where.base + location, "word") if location and location >= 0 else span
            events.append(ir.RolePassword(here, name, password))
    return events or [ir.Utility(span, "RoleStmt")]


def grant_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """GRANT / REVOKE privileges on objects."""
    grantees = []
    for grantee in node.get("grantees", []) or []:
        spec = grantee.get("RoleSpec", {})
        grantees.append(
            "public"
            if spec.get("roletype") == "ROLESPEC_PUBLIC"
            else spec.get("rolename", spec.get("roletype", ""))
        )
    objects = tuple(str(object_name(o)) for o in node.get("objects", []) or [])
    privileges = tuple(
        p["AccessPriv"].get("priv_name", "")
        for p in node.get("privileges", []) or []
        if "AccessPriv" in p
    )
    objtype = object_kind(node.get("objtype", ""))
    if node.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
        objtype = f"all {objtype}s in schema"
    return [
        ir.Grant(span, bool(node.get("is_grant")), privileges, objtype, objects, tuple(grantees))
    ]


def set_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """SET / SET LOCAL / RESET."""
    kind = node.get("kind", "")
    name = node.get("name", "")
    if kind == "VAR_SET_MULTI":  # SET TRANSACTION ... / SET SESSION CHARACTERISTICS
        return [ir.Utility(span, "VariableSetStmt")]
    value = setting_values(node) if kind == "VAR_SET_VALUE" else None
    return [
        ir.SetParameter(span, name.lower() if name else "all", value, bool(node.get("is_local")))
    ]


_TRANSACTION_KINDS = {
    "TRANS_STMT_BEGIN": "begin",
    "TRANS_STMT_START": "start",
    "TRANS_STMT_COMMIT": "commit",
    "TRANS_STMT_ROLLBACK": "rollback",
    "TRANS_STMT_SAVEPOINT": "savepoint",
    "TRANS_STMT_RELEASE": "release",
    "TRANS_STMT_ROLLBACK_TO": "rollback_to",
    "TRANS_STMT_PREPARE": "prepare",
    "TRANS_STMT_COMMIT_PREPARED": "commit_prepared",
    "TRANS_STMT_ROLLBACK_PREPARED": "rollback_prepared",
}


def transaction_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """BEGIN / COMMIT / ROLLBACK / SAVEPOINT ..."""
    kind = _TRANSACTION_KINDS.get(node.get("kind", ""), "other")
    return [ir.Transaction(span, kind, chain=bool(node.get("chain")))]


def data_change(kind: str) -> Lowering:
    """INSERT / UPDATE / DELETE / MERGE."""

    def lower(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
        relation = node.get("relation")
        table = range_var(relation) if relation else None
        return [
            ir.DataChange(
                span, kind, table, from_select=bool(node.get("selectStmt")) and _is_query(node)
            )
        ]

    return lower


def _is_query(node: Node) -> bool:
    select = node.get("selectStmt", {}).get("SelectStmt", {})
    return "valuesLists" not in select


def copy_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """COPY (FROM changes data; TO only reads)."""
    relation = node.get("relation")
    table = range_var(relation) if relation else None
    if node.get("is_from"):
        return [ir.DataChange(span, "copy", table)]
    reads = (table,) if table is not None else relations_read([node.get("query")])
    return [ir.DataChange(span, "select", table, reads=reads)]


# The clauses of a SelectStmt that may read a relation (kept raw until one names one).
QUERY_CLAUSES = (
    "targetList",
    "fromClause",
    "whereClause",
    "groupClause",
    "havingClause",
    "windowClause",
    "sortClause",
    "distinctClause",
    "limitOffset",
    "limitCount",
    "withClause",
    "larg",
    "rarg",
)
_RANGE_VAR = b'"RangeVar"'
_WITH_QUERY = b'"CommonTableExpr"'
# (a JSON string: runs of plain bytes between escapes, which the regex engine reads far faster
# than an alternative tried at each byte)
_STRING = rb'"([^"\\]*(?:\\.[^"\\]*)*)"'
_RANGE_VAR_TEXT = lazy(
    rb'"RangeVar":\{(?:"catalogname":' + _STRING.replace(b"(", b"(?:", 1) + rb",)?"
    rb'(?:"schemaname":' + _STRING + rb",)?"
    rb'"relname":' + _STRING
)
_CONTAINERS = (dict, list)
_CTE_NAME = lazy(rb'"ctename":' + _STRING)
_RANGE_VAR_OPEN = b'"RangeVar":{'
_CTE_OPEN = b'"ctename":'
_STRINGS = msgspec.json.Decoder(str)


def _json_string(body: bytes) -> str:
    """A JSON string's text from what is between its quotes."""
    if b"\\" not in body:  # (no escape: the UTF-8 bytes are the text)
        return body.decode()
    return _STRINGS.decode(b'"' + body + b'"')


def _matches(pattern: re.Pattern[bytes], opening: bytes, raw: bytes) -> Iterator[re.Match[bytes]]:
    """What `pattern.finditer(raw)` gives, for a pattern that starts with `opening`."""
    position = raw.find(opening)
    while position >= 0:
        match = pattern.match(raw, position)
        if match is not None:
            yield match
            position = match.end()
        else:
            position += 1
        position = raw.find(opening, position)


def select_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """SELECT (SELECT INTO creates a table)."""
    into = node.get("intoClause")
    reads = relations_read([node.get(key) for key in QUERY_CLAUSES])
    if into:
        temporary = into["rel"].get("relpersistence") == "t"
        return [
            ir.CreateTableAs(
                span,
                range_var(into["rel"]),
                materialized=False,
                temporary=temporary,
                reads=reads,
            )
        ]
    return [ir.DataChange(span, "select", None, reads=reads)]


def relations_read(clauses: list[Any]) -> tuple[QName, ...]:
    """The relations a query's clauses (raw JSON, or decoded) name in a FROM, a JOIN or a
    subquery, in the order written; the names of its WITH queries are not relations."""
    found: dict[QName, None] = {}
    ctes: set[str] = set()
    stack: list[Any] = []
    for clause in clauses:
        if isinstance(clause, msgspec.Raw):
            # (read from the JSON text: libpg_query writes a RangeVar's fields in one order,
            # without spaces; decoding and walking a big query cost far more)
            raw = bytes(clause)
            if _RANGE_VAR not in raw and _WITH_QUERY not in raw:
                continue  # (most queries of a migration: `SELECT set_config(...)`)
            # (each match is looked for where bytes.find, much faster than a regex's search,
            # finds its opening)
            for match in _matches(_RANGE_VAR_TEXT, _RANGE_VAR_OPEN, raw):
                schema = _json_string(match[1]) if match[1] is not None else None
                found[QName(schema, _json_string(match[2]))] = None
            if _WITH_QUERY in raw:
                ctes.update(_json_string(m[1]) for m in _matches(_CTE_NAME, _CTE_OPEN, raw))
            continue
        if type(clause) in _CONTAINERS:
            stack.append(clause)
    while stack:  # (a loop, not recursion: a query may nest deeply; only containers go on it)
        item = stack.pop()
        if type(item) is dict:
            relation = item.get("RangeVar")
            if relation is not None:
                found[range_var(relation)] = None
            cte = item.get("CommonTableExpr")
            if type(cte) is dict:
                ctes.add(cte.get("ctename", ""))
            item = item.values()
        stack.extend([value for value in reversed(item) if type(value) in _CONTAINERS])
    return tuple(name for name in found if name.schema is not None or name.name not in ctes)


def create_table_as(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE TABLE AS / CREATE MATERIALIZED VIEW."""
    into = node.get("into", {})
    reads = () if into.get("skipData") else relations_read([node.get("query")])
    return [
        ir.CreateTableAs(
            loc(into.get("rel", {}), where.base, span),
            range_var(into.get("rel", {})),
            materialized=node.get("objtype") == "OBJECT_MATVIEW",
            columns=strings(into.get("colNames")),
            if_not_exists=bool(node.get("if_not_exists")),
            temporary=into.get("rel", {}).get("relpersistence") == "t",
            reads=reads,
        )
    ]


def view_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE VIEW."""
    return [
        ir.CreateView(
            loc(node["view"], where.base, span),
            range_var(node["view"]),
            bool(node.get("replace")),
            relations_read([node.get("query")]),
        )
    ]


def created(
    kind: str,
    name_of: Callable[[Node], QName],
    table_of: Callable[[Node], QName | None] | None = None,
) -> Lowering:
    """A lowering for CREATE statements the replay tracks by name only."""

    def lower(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
        table = table_of(node) if table_of else None
        return [
            ir.CreateObject(
                span,
                kind,
                name_of(node),
                table,
                bool(node.get("if_not_exists")),
                bool(node.get("replace")),
            )
        ]

    return lower


def alter_database(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """ALTER DATABASE ... (SET TABLESPACE cannot run in a transaction block)."""
    return [ir.Utility(span, "AlterDatabaseStmt", tuple(sorted(_def_elems(node))))]


def create_domain(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE DOMAIN (with how many constraints every value is checked against)."""
    checks = sum(
        c.get("Constraint", {}).get("contype") in _DOMAIN_CHECKS
        for c in node.get("constraints", ())
    )
    name = qname(strings(node.get("domainname")))
    return [ir.CreateObject(span, "domain", name, checks=checks)]


_DOMAIN_CHECKS = ("CONSTR_CHECK", "CONSTR_NOTNULL")
# ALTER DOMAIN subtypes: C (ADD CONSTRAINT), O (SET NOT NULL), X (DROP CONSTRAINT),
# N (DROP NOT NULL).
_DOMAIN_ACTIONS = {"C": "add-check", "O": "add-check", "X": "drop-check", "N": "drop-check"}


def alter_domain(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """ALTER DOMAIN (whether its values get checked against one constraint more or less)."""
    action = _DOMAIN_ACTIONS.get(node.get("subtype", ""), "other")
    added = node.get("def", {}).get("Constraint", {}).get("contype")
    if node.get("subtype") == "C" and added not in _DOMAIN_CHECKS:
        action = "other"
    return [ir.AlterDomain(span, qname(strings(node.get("typeName"))), action)]


# LOCKMODE numbers (storage/lockdefs.h) -> names; LOCK without a mode takes ACCESS EXCLUSIVE.
_LOCK_MODES = {
    1: "ACCESS SHARE",
    2: "ROW SHARE",
    3: "ROW EXCLUSIVE",
    4: "SHARE UPDATE EXCLUSIVE",
    5: "SHARE",
    6: "SHARE ROW EXCLUSIVE",
    7: "EXCLUSIVE",
    8: "ACCESS EXCLUSIVE",
}


def lock_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """LOCK TABLE."""
    tables = tuple(range_var(r["RangeVar"]) for r in node.get("relations", ()) if "RangeVar" in r)
    return [ir.LockTables(span, tables, _LOCK_MODES.get(node.get("mode", 8), "ACCESS EXCLUSIVE"))]


def name_at(key: str) -> Callable[[Node], QName]:
    """How to read a created object's name: from the node's `key` (a string or a name list)."""

    def get(node: Node) -> QName:
        value = node.get(key)
        if isinstance(value, str):
            return QName(None, value)
        if isinstance(value, list):
            return qname(strings(value))
        if isinstance(value, dict):
            return range_var(value) if "relname" in value else object_name(value)
        return QName(None, "")

    return get


def relation_of(node: Node) -> QName | None:
    """The table a trigger, policy or rule is on."""
    relation = node.get("relation") or node.get("table")
    return range_var(relation) if relation else None


def trigger_name(node: Node) -> QName:
    """A trigger's name (in its table's namespace, not a schema's)."""
    return QName(None, node.get("trigname", ""))


def alter_object_schema(node: Node, span: Span, where: Where) -> list[ir.AnyEvent] | None:
    """ALTER ... SET SCHEMA: the replay cannot follow a relation into another schema."""
    if object_kind(node.get("objectType", "")) in (
        "table",
        "foreign table",
        "view",
        "materialized view",
        "sequence",
    ):
        return None
    return [ir.Utility(span, "AlterObjectSchemaStmt")]


def vacuum_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """VACUUM [FULL] ..."""
    tables = tuple(
        range_var(r["VacuumRelation"]["relation"])
        for r in node.get("rels") or ()
        if "relation" in r.get("VacuumRelation", {})
    )
    kind = "vacuum" if node.get("is_vacuumcmd") else "analyze"
    return [ir.Maintenance(span, kind, tables, options=_option_names(node.get("options")))]


def cluster_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CLUSTER [table [USING index]]."""
    tables = (range_var(node["relation"]),) if node.get("relation") else ()
    return [ir.Maintenance(span, "cluster", tables, options=_option_names(node.get("params")))]


def reindex_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """REINDEX [(options)] TABLE|INDEX|SCHEMA|DATABASE|SYSTEM [CONCURRENTLY] name."""
    target = node.get("kind", "").removeprefix("REINDEX_OBJECT_").lower()
    tables = (range_var(node["relation"]),) if node.get("relation") else ()
    options = _option_names(node.get("params"))
    return [ir.Maintenance(span, "reindex", tables, target, options)]


def refresh_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """REFRESH MATERIALIZED VIEW [CONCURRENTLY] name."""
    options: tuple[str, ...] = ("concurrently",) if node.get("concurrent") else ()
    options += ("no data",) if node.get("skipData") else ()
    return [ir.Maintenance(span, "refresh", (range_var(node["relation"]),), options=options)]


def _option_names(options: list[Node] | None) -> tuple[str, ...]:
    return tuple(o["DefElem"].get("defname", "").lower() for o in options or () if "DefElem" in o)
