"""Lowering libpg_query's JSON statement nodes into IR events.

Each handled node kind has a function returning its events. Kinds that need no events (queries,
session commands, comments, grants of roles ...) are listed in `UNDERSTOOD`; anything else is
reported as DBA002, never silently passed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
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
from dbarch_lint.parsing.postgres.tables import (
    alter_table,
    create_foreign_table,
    create_stmt,
    drop_stmt,
    index_stmt,
    rename_stmt,
    truncate_stmt,
)

# A lowering returns the statement's events, or None when this form is not modelled (DBA002).
Lowering = Callable[[Node, Span, Where], list[ir.AnyEvent] | None]


def lower_statement(
    kind: str, node: Node, span: Span, where: Where
) -> tuple[tuple[ir.AnyEvent, ...], str | None]:
    """Events for one statement, or a DBA002 message when the kind is not modelled."""
    lowering = LOWERINGS.get(kind)
    events = lowering(node, span, where) if lowering is not None else None
    if events is not None:
        return tuple(events), None
    if lowering is None and kind in UNDERSTOOD:
        return (ir.Utility(span, kind),), None
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind.removesuffix("Stmt"))
    return (), f"{words} statement is not modelled by the rules; it was not checked"


def decode_node(kind: str, body: msgspec.Raw) -> Node:
    """The statement node in libpg_query's JSON `body`, decoded only as far as its lowering reads.

    Speed: decoding is much of the cost of parsing. A kind without a lowering needs no node, and
    a few kinds read only some top-level keys (`READS`): a view's query is never decoded.
    """
    if kind not in LOWERINGS:
        return {}
    reads = READS.get(kind)
    if reads is None:
        node: Node = _NODE.decode(body)
        return node
    return {
        key: reads[key].decode(value) for key, value in _KEYS.decode(body).items() if key in reads
    }


_NODE = msgspec.json.Decoder()
_KEYS = msgspec.json.Decoder(dict[str, msgspec.Raw])
# A node's clauses by name, none of them decoded: `{"SelectStmt": {"valuesLists": <raw>, ...}}`.
_CLAUSES = msgspec.json.Decoder(dict[str, dict[str, msgspec.Raw]])


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
    return [ir.Transaction(span, _TRANSACTION_KINDS.get(node.get("kind", ""), "other"))]


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
    kind = "copy" if node.get("is_from") else "select"
    return [ir.DataChange(span, kind, range_var(relation) if relation else None)]


def select_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """SELECT (SELECT INTO creates a table)."""
    into = node.get("intoClause")
    if into:
        temporary = into["rel"].get("relpersistence") == "t"
        return [
            ir.CreateTableAs(span, range_var(into["rel"]), materialized=False, temporary=temporary)
        ]
    return [ir.DataChange(span, "select", None)]


def create_table_as(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE TABLE AS / CREATE MATERIALIZED VIEW."""
    into = node.get("into", {})
    return [
        ir.CreateTableAs(
            loc(into.get("rel", {}), where.base, span),
            range_var(into.get("rel", {})),
            materialized=node.get("objtype") == "OBJECT_MATVIEW",
            columns=strings(into.get("colNames")),
            if_not_exists=bool(node.get("if_not_exists")),
            temporary=into.get("rel", {}).get("relpersistence") == "t",
        )
    ]


def view_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE VIEW."""
    return [
        ir.CreateView(
            loc(node["view"], where.base, span), range_var(node["view"]), bool(node.get("replace"))
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


def create_schema(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE SCHEMA, with the statements it contains."""
    events: list[ir.AnyEvent] = [
        ir.CreateObject(
            span,
            "schema",
            QName(None, node.get("schemaname", "")),
            None,
            bool(node.get("if_not_exists")),
        )
    ]
    for element in node.get("schemaElts", []) or []:
        kind, inner = next(iter(element.items()))
        inner_events, _ = lower_statement(kind, inner, span, where)
        events.extend(inner_events)
    return events


def _name(key: str) -> Callable[[Node], QName]:
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


def _relation(node: Node) -> QName | None:
    relation = node.get("relation") or node.get("table")
    return range_var(relation) if relation else None


def _trigger_name(node: Node) -> QName:
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
    options = ("concurrently",) if node.get("concurrent") else ()
    return [ir.Maintenance(span, "refresh", (range_var(node["relation"]),), options=options)]


def _option_names(options: list[Node] | None) -> tuple[str, ...]:
    return tuple(o["DefElem"].get("defname", "").lower() for o in options or () if "DefElem" in o)


LOWERINGS: dict[str, Lowering] = {
    "VacuumStmt": vacuum_stmt,
    "ClusterStmt": cluster_stmt,
    "ReindexStmt": reindex_stmt,
    "RefreshMatViewStmt": refresh_stmt,
    "AlterObjectSchemaStmt": alter_object_schema,
    "CreateStmt": create_stmt,
    "CreateForeignTableStmt": create_foreign_table,
    "AlterTableStmt": alter_table,
    "IndexStmt": index_stmt,
    "DropStmt": drop_stmt,
    "RenameStmt": rename_stmt,
    "TruncateStmt": truncate_stmt,
    "CreateEnumStmt": create_enum,
    "AlterEnumStmt": alter_enum,
    "AlterDatabaseStmt": alter_database,
    "CreateFunctionStmt": create_function,
    "AlterFunctionStmt": alter_function,
    "CreateRoleStmt": role_stmt,
    "AlterRoleStmt": role_stmt,
    "GrantStmt": grant_stmt,
    "VariableSetStmt": set_stmt,
    "TransactionStmt": transaction_stmt,
    "InsertStmt": data_change("insert"),
    "UpdateStmt": data_change("update"),
    "DeleteStmt": data_change("delete"),
    "MergeStmt": data_change("merge"),
    "CopyStmt": copy_stmt,
    "SelectStmt": select_stmt,
    "CreateTableAsStmt": create_table_as,
    "ViewStmt": view_stmt,
    "CreateSchemaStmt": create_schema,
    "CreateSeqStmt": created("sequence", _name("sequence")),
    "CreateDomainStmt": create_domain,
    "AlterDomainStmt": alter_domain,
    "LockStmt": lock_stmt,
    "CompositeTypeStmt": created("type", _name("typevar")),
    "CreateRangeStmt": created("type", _name("typeName")),
    "CreateExtensionStmt": created("extension", _name("extname")),
    "CreateTrigStmt": created("trigger", _trigger_name, _relation),
    "CreatePolicyStmt": created("policy", _name("policy_name"), _relation),
    "RuleStmt": created("rule", _name("rulename"), _relation),
    "CreateStatsStmt": created("statistics", _name("defnames")),
    "CreateEventTrigStmt": created("event trigger", _name("trigname")),
    "CreatePublicationStmt": created("publication", _name("pubname")),
    "CreateCastStmt": created("cast", lambda n: QName(None, "cast")),
}


# The top-level keys some lowerings read, each with its decoder (the other keys are not
# decoded); keep in step with them. An INSERT's query is looked at only for its VALUES clause.
_DATA_CHANGE_KEYS = {"relation": _NODE, "selectStmt": _CLAUSES}
READS: dict[str, dict[str, msgspec.json.Decoder[Any]]] = {
    "ViewStmt": dict.fromkeys(("view", "replace"), _NODE),
    "CreateTableAsStmt": dict.fromkeys(("into", "objtype", "if_not_exists"), _NODE),
    "SelectStmt": {"intoClause": _NODE},
    "InsertStmt": _DATA_CHANGE_KEYS,
    "UpdateStmt": _DATA_CHANGE_KEYS,
    "DeleteStmt": _DATA_CHANGE_KEYS,
    "MergeStmt": _DATA_CHANGE_KEYS,
    "CreateFunctionStmt": dict.fromkeys(("funcname", "is_procedure", "replace", "options"), _NODE),
}


# Statements the rules need no facts from: queries and session commands, comments, roles and
# privileges, maintenance commands (the locking rules look at their raw node), and DDL on
# objects that hold no table data.
# fmt: off
UNDERSTOOD = frozenset((
    "ExplainStmt", "VariableShowStmt", "PrepareStmt", "ExecuteStmt", "DeallocateStmt",
    "DeclareCursorStmt", "FetchStmt", "ClosePortalStmt", "ListenStmt", "NotifyStmt",
    "UnlistenStmt", "CheckPointStmt", "DiscardStmt", "LoadStmt", "CallStmt",
    "ConstraintsSetStmt", "CommentStmt", "SecLabelStmt", "GrantRoleStmt",
    "AlterDefaultPrivilegesStmt", "DoStmt", "DropRoleStmt", "AlterRoleSetStmt",
    "DropOwnedStmt", "ReassignOwnedStmt", "AlterSeqStmt",
    "AlterExtensionStmt", "AlterExtensionContentsStmt", "AlterPolicyStmt", "AlterOwnerStmt",
    "DefineStmt", "AlterTypeStmt", "AlterOperatorStmt", "AlterCollationStmt",
    "AlterTSDictionaryStmt", "AlterTSConfigurationStmt", "CreateOpClassStmt",
    "CreateOpFamilyStmt", "AlterOpFamilyStmt", "CreateConversionStmt", "CreateAmStmt",
    "CreateTransformStmt", "CreatePLangStmt", "CreateFdwStmt", "AlterFdwStmt",
    "CreateForeignServerStmt", "AlterForeignServerStmt", "CreateUserMappingStmt",
    "AlterUserMappingStmt", "DropUserMappingStmt", "ImportForeignSchemaStmt",
    "AlterPublicationStmt", "CreateSubscriptionStmt", "AlterSubscriptionStmt",
    "DropSubscriptionStmt", "AlterEventTrigStmt", "AlterStatsStmt", "CreatedbStmt",
    "DropdbStmt", "AlterDatabaseSetStmt", "AlterDatabaseRefreshCollStmt",
    "AlterSystemStmt", "CreateTableSpaceStmt", "DropTableSpaceStmt",
    "AlterTableSpaceOptionsStmt", "AlterTableMoveAllStmt", "ReturnStmt", "PLAssignStmt",
    "AlterObjectDependsStmt",
))
# fmt: on
