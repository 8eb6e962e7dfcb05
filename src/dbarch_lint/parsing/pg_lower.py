"""Lowering libpg_query's JSON statement nodes into IR events.

Each handled node kind has a function returning its events. Kinds that need no events (queries,
session commands, comments, grants of roles ...) are listed in `UNDERSTOOD`; anything else is
reported as DBA002, never silently passed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from dbarch_lint import ir
from dbarch_lint.ir import QName, Span
from dbarch_lint.source import extent_end

Node = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Where:
    """Where the statement being lowered sits: node locations are relative to `base`."""

    base: int
    data: bytes

    def has_on_delete(self, span: Span) -> bool:
        """Whether the clause at `span` spells out an ON DELETE action."""
        end = extent_end(self.data, span.start, "clause")
        return _ON_DELETE.search(self.data, span.start, end) is not None


_ON_DELETE = re.compile(rb"(?i)\bON\s+DELETE\b")
# A lowering returns the statement's events, or None when this form is not modelled (DBA002).
Lowering = Callable[[Node, Span, Where], list[ir.Event] | None]

_FK_ACTIONS = {
    "a": "no action",
    "r": "restrict",
    "c": "cascade",
    "n": "set null",
    "d": "set default",
}
_CONSTRAINT_KINDS: dict[str, ir.ConstraintKind] = {
    "CONSTR_PRIMARY": "primary-key",
    "CONSTR_UNIQUE": "unique",
    "CONSTR_CHECK": "check",
    "CONSTR_FOREIGN": "foreign-key",
    "CONSTR_EXCLUSION": "exclude",
    "CONSTR_NOTNULL": "not-null",
    "CONSTR_NULL": "null",
    "CONSTR_DEFAULT": "default",
    "CONSTR_IDENTITY": "identity",
    "CONSTR_GENERATED": "generated",
}


def lower_statement(
    kind: str, node: Node, span: Span, where: Where
) -> tuple[tuple[ir.Event, ...], str | None]:
    """Events for one statement, or a DBA002 message when the kind is not modelled."""
    lowering = LOWERINGS.get(kind)
    events = lowering(node, span, where) if lowering is not None else None
    if events is not None:
        return tuple(events), None
    if lowering is None and kind in UNDERSTOOD:
        return (ir.Utility(span, kind, node),), None
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind.removesuffix("Stmt"))
    return (), f"{words} statement is not modelled by the rules; it was not checked"


# --- small helpers -------------------------------------------------------------------------


def strings(items: list[Node] | None) -> tuple[str, ...]:
    """The `sval`s of a list of String nodes."""
    return tuple(item["String"]["sval"] for item in items or () if "String" in item)


def qname(names: tuple[str, ...]) -> QName:
    """A QName from a dotted list (a catalog prefix is dropped)."""
    if len(names) >= 2:
        return QName(names[-2], names[-1])
    return QName(None, names[-1] if names else "")


def range_var(node: Node) -> QName:
    """A QName from a RangeVar."""
    return QName(node.get("schemaname"), node.get("relname", ""))


def loc(node: Node, base: int, default: Span, extent: ir.Extent = "word") -> Span:
    """The span starting at a node's location, or `default` when it has none."""
    location = node.get("location", -1)
    if location is None or location < 0:
        return default
    return Span.at(base + location, extent)


def column_refs(node: Any) -> Iterator[str]:
    """Every column name referenced (by its last field) inside an expression."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "ColumnRef":
                fields = strings(value.get("fields"))
                if fields:
                    yield fields[-1]
            else:
                yield from column_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from column_refs(item)


def not_null_tests(expr: Node | None) -> tuple[str, ...] | None:
    """Columns required non-null by an AND of `col IS NOT NULL` tests (None if not only that)."""
    if not expr:
        return None
    found: list[str] = []
    has_other = False

    def walk(node: Node) -> None:
        nonlocal has_other
        if "BoolExpr" in node and node["BoolExpr"].get("boolop") == "AND_EXPR":
            for arg in node["BoolExpr"].get("args", []):
                walk(arg)
        elif "NullTest" in node and node["NullTest"].get("nulltesttype") == "IS_NOT_NULL":
            fields = strings(node["NullTest"].get("arg", {}).get("ColumnRef", {}).get("fields"))
            if fields:
                found.append(fields[-1])
            else:
                has_other = True
        else:
            has_other = True

    walk(expr)
    return None if has_other else tuple(found)


def _strip_locations(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_strip_locations(v) for v in node]
    return node


def normalized(node: Any) -> str:
    """A location-free canonical text of an expression, for comparing two expressions."""
    return orjson.dumps(_strip_locations(node), option=orjson.OPT_SORT_KEYS).decode()


# --- types, columns, constraints -----------------------------------------------------------


def type_ref(node: Node, base: int, default: Span) -> ir.TypeRef:
    """A TypeRef from a TypeName node."""
    mods: list[int | str] = []
    for mod in node.get("typmods", []) or []:
        const = mod.get("A_Const")
        if const is None:
            mods.append("?")
        elif "ival" in const:
            mods.append(int(const["ival"].get("ival", 0)))
        elif "sval" in const:
            mods.append(str(const["sval"].get("sval", "")))
        else:
            mods.append(str(next(iter(const.values()))))
    return ir.TypeRef(
        names=strings(node.get("names")),
        mods=tuple(mods),
        array=bool(node.get("arrayBounds")),
        span=loc(node, base, default, "type"),
        pct_type=bool(node.get("pct_type")),
    )


def constraint(node: Node, where: Where, default: Span, column: str | None) -> ir.Constraint:
    """A Constraint from a Constraint node (`column` set for a column constraint)."""
    kind = _CONSTRAINT_KINDS.get(node.get("contype", ""), "check")
    span = loc(node, where.base, default, "clause")
    columns: tuple[str, ...]
    if column is not None:
        columns = (column,)
    elif kind == "foreign-key":
        columns = strings(node.get("fk_attrs"))
    elif kind == "exclude":
        columns = tuple(
            c
            for pair in node.get("exclusions", [])
            for c in column_refs(pair.get("List", {}).get("items", [])[:1])
        ) + tuple(
            elem["IndexElem"]["name"]
            for pair in node.get("exclusions", [])
            for elem in pair.get("List", {}).get("items", [])[:1]
            if "IndexElem" in elem and elem["IndexElem"].get("name")
        )
    else:
        columns = strings(node.get("keys"))
    expr = node.get("raw_expr")
    on_delete = None
    if kind == "foreign-key":
        action = _FK_ACTIONS.get(node.get("fk_del_action", "a"), "no action")
        if action != "no action" or where.has_on_delete(span):
            on_delete = action
    check_cols = tuple(dict.fromkeys(column_refs(expr))) if expr else ()
    not_null: tuple[str, ...] = ()
    if kind == "check" and expr:
        not_null = tuple(c for c in _and_not_null(expr))
    generated_kind = node.get("generated_kind", "s")
    return ir.Constraint(
        kind=kind,
        name=node.get("conname"),
        columns=columns,
        span=span,
        column_level=column is not None,
        ref_table=range_var(node["pktable"]) if "pktable" in node else None,
        ref_columns=strings(node.get("pk_attrs")),
        on_delete=on_delete,
        on_update=_FK_ACTIONS.get(node.get("fk_upd_action", "a"))
        if kind == "foreign-key"
        else None,
        not_valid=bool(node.get("skip_validation")),
        using_index=node.get("indexname"),
        identity=("always" if node.get("generated_when") == "a" else "by-default")
        if kind == "identity"
        else None,
        generated=("virtual" if generated_kind == "v" else "stored")
        if kind == "generated"
        else None,
        check_columns=check_cols,
        not_null_columns=not_null,
        include=strings(node.get("including")),
        expression=expr,
    )


def _and_not_null(expr: Node) -> Iterator[str]:
    """Columns that an expression proves non-null through AND-ed `col IS NOT NULL` terms."""
    if "BoolExpr" in expr and expr["BoolExpr"].get("boolop") == "AND_EXPR":
        for arg in expr["BoolExpr"].get("args", []):
            yield from _and_not_null(arg)
    elif "NullTest" in expr and expr["NullTest"].get("nulltesttype") == "IS_NOT_NULL":
        fields = strings(expr["NullTest"].get("arg", {}).get("ColumnRef", {}).get("fields"))
        if fields:
            yield fields[-1]


def column_def(node: Node, where: Where, default: Span) -> ir.ColumnDef:
    """A ColumnDef from a ColumnDef node."""
    span = loc(node, where.base, default, "clause")
    name = node.get("colname", "")
    type_node = node.get("typeName")
    constraints = tuple(
        constraint(c["Constraint"], where, span, name)
        for c in node.get("constraints", []) or []
        if "Constraint" in c
    )
    if node.get("raw_default") is not None and not any(c.kind == "default" for c in constraints):
        constraints += (
            ir.Constraint("default", None, (name,), span, True, expression=node["raw_default"]),
        )
    return ir.ColumnDef(
        name=name,
        type=type_ref(type_node, where.base, span) if type_node else None,
        constraints=constraints,
        span=span,
    )


# --- statements ----------------------------------------------------------------------------


def object_kind(objtype: str) -> str:
    """`OBJECT_MATVIEW` -> `materialized view`, `OBJECT_TABLE` -> `table`, ..."""
    name = objtype.removeprefix("OBJECT_").lower()
    return _OBJECT_KIND_NAMES.get(name, name.replace("_", " "))


_OBJECT_KIND_NAMES = {
    "matview": "materialized view",
    "tabconstraint": "constraint",
    "domconstraint": "domain constraint",
    "fdw": "foreign data wrapper",
    "foreign_server": "server",
}


def object_name(node: Any) -> QName:
    """The name of a dropped/renamed object, whatever node shape holds it."""
    if isinstance(node, dict):
        if "List" in node:
            return qname(strings(node["List"].get("items")))
        if "String" in node:
            return QName(None, node["String"]["sval"])
        if "TypeName" in node:
            return qname(strings(node["TypeName"].get("names")))
        if "ObjectWithArgs" in node:
            return qname(strings(node["ObjectWithArgs"].get("objname")))
        if "RangeVar" in node:
            return range_var(node["RangeVar"])
        if "names" in node:
            return qname(strings(node["names"]))
    return QName(None, "")


def create_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """CREATE TABLE / PARTITION OF."""
    columns: list[ir.ColumnDef] = []
    constraints: list[ir.Constraint] = []
    likes: list[QName] = []
    for element in node.get("tableElts", []) or []:
        if "ColumnDef" in element:
            columns.append(column_def(element["ColumnDef"], where, span))
        elif "Constraint" in element:
            constraints.append(constraint(element["Constraint"], where, span, None))
        elif "TableLikeClause" in element:
            likes.append(range_var(element["TableLikeClause"]["relation"]))
    relation = node["relation"]
    partition_of = None
    if node.get("partbound") and node.get("inhRelations"):
        partition_of = range_var(node["inhRelations"][0]["RangeVar"])
        inherits: tuple[QName, ...] = ()
    else:
        inherits = tuple(
            range_var(r["RangeVar"]) for r in node.get("inhRelations", []) or [] if "RangeVar" in r
        )
    return [
        ir.CreateTable(
            span=loc(relation, where.base, span),
            table=range_var(relation),
            columns=tuple(columns),
            constraints=tuple(constraints),
            partition_of=partition_of,
            partitioned=bool(node.get("partspec")),
            inherits=inherits,
            like=tuple(likes),
            temporary=relation.get("relpersistence") == "t",
            unlogged=relation.get("relpersistence") == "u",
            if_not_exists=bool(node.get("if_not_exists")),
            of_type="ofTypename" in node,
        )
    ]


def create_foreign_table(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """CREATE FOREIGN TABLE."""
    events = create_stmt(node["base"], span, where)
    table = events[0]
    assert isinstance(table, ir.CreateTable)
    return [
        ir.CreateTable(
            span=table.span,
            table=table.table,
            columns=table.columns,
            constraints=table.constraints,
            partition_of=table.partition_of,
            inherits=table.inherits,
            if_not_exists=table.if_not_exists,
            foreign=True,
        )
    ]


def alter_table(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """ALTER TABLE (and ALTER INDEX/VIEW/SEQUENCE/... sharing the node) sub-commands."""
    table = range_var(node["relation"])
    objtype = object_kind(node.get("objtype", "OBJECT_TABLE"))
    events: list[ir.Event] = []
    for item in node.get("cmds", []):
        cmd = item["AlterTableCmd"]
        subtype = cmd.get("subtype", "").removeprefix("AT_")
        column = cmd.get("name")
        definition = cmd.get("def") or {}
        cascade = cmd.get("behavior") == "DROP_CASCADE"
        here = span
        if "ColumnDef" in definition:
            here = loc(definition["ColumnDef"], where.base, span, "clause")
        elif "Constraint" in definition:
            here = loc(definition["Constraint"], where.base, span, "clause")
        if objtype not in ("table", "foreign table"):
            events.append(ir.AlterTableAction(span, table, subtype, objtype, column, cmd))
        elif subtype == "AddColumn":
            col = column_def(definition["ColumnDef"], where, span)
            events.append(ir.AddColumn(col.span, table, col, bool(cmd.get("missing_ok"))))
        elif subtype == "DropColumn":
            events.append(
                ir.DropColumn(span, table, column or "", cascade, bool(cmd.get("missing_ok")))
            )
        elif subtype == "AlterColumnType":
            col_node = definition.get("ColumnDef", {})
            type_node = col_node.get("typeName", {})
            events.append(
                ir.AlterColumnType(
                    span,
                    table,
                    column or "",
                    type_ref(type_node, where.base, span),
                    "raw_default" in col_node,
                )
            )
        elif subtype == "SetNotNull":
            events.append(ir.SetNotNull(span, table, column or ""))
        elif subtype == "DropNotNull":
            events.append(ir.DropNotNull(span, table, column or ""))
        elif subtype == "ColumnDefault":
            if definition:
                events.append(ir.SetDefault(span, table, column or "", definition))
            else:
                events.append(ir.DropDefault(span, table, column or ""))
        elif subtype == "AddConstraint" and "Constraint" in definition:
            con = constraint(definition["Constraint"], where, span, None)
            events.append(ir.AddConstraint(here, table, con))
        elif subtype == "DropConstraint":
            events.append(
                ir.DropConstraint(span, table, column or "", cascade, bool(cmd.get("missing_ok")))
            )
        elif subtype == "ValidateConstraint":
            events.append(ir.ValidateConstraint(span, table, column or ""))
        else:
            partition = definition.get("PartitionCmd", {}).get("name")
            events.append(
                ir.AlterTableAction(
                    span,
                    table,
                    subtype,
                    objtype,
                    column,
                    cmd,
                    range_var(partition) if partition else None,
                )
            )
    return events


def index_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """CREATE INDEX."""
    elems = []
    for param in node.get("indexParams", []) or []:
        elem = param.get("IndexElem", {})
        options = _index_elem_options(elem)
        if elem.get("name"):
            elems.append(ir.IndexElem(elem["name"], options=options))
        else:
            elems.append(
                ir.IndexElem(None, tuple(dict.fromkeys(column_refs(elem.get("expr")))), options)
            )
    where_clause = node.get("whereClause")
    predicate_not_null = not_null_tests(where_clause)
    relation = node["relation"]
    return [
        ir.CreateIndex(
            span=span,
            name=node.get("idxname"),
            table=range_var(relation),
            elems=tuple(elems),
            unique=bool(node.get("unique")),
            concurrent=bool(node.get("concurrent")),
            method=node.get("accessMethod", "btree"),
            predicate=normalized(where_clause) if where_clause else None,
            predicate_not_null=frozenset(predicate_not_null)
            if predicate_not_null is not None
            else None,
            include=tuple(
                p["IndexElem"].get("name", "")
                for p in node.get("indexIncludingParams", []) or []
                if "IndexElem" in p
            ),
            if_not_exists=bool(node.get("if_not_exists")),
            only=not relation.get("inh", False),
            nulls_not_distinct=bool(node.get("nulls_not_distinct")),
            predicate_columns=tuple(dict.fromkeys(column_refs(where_clause))),
        )
    ]


_DEFAULT_KEY_OPTIONS = {"ordering": "SORTBY_DEFAULT", "nulls_ordering": "SORTBY_NULLS_DEFAULT"}


def _index_elem_options(elem: Node) -> str | None:
    """Opclass, collation and ordering of an index key, as comparable text (None if default)."""
    options = {
        key: elem[key]
        for key in ("opclass", "opclassopts", "collation", "ordering", "nulls_ordering")
        if elem.get(key) and elem[key] != _DEFAULT_KEY_OPTIONS.get(key)
    }
    return normalized(options) if options else None


def drop_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """DROP <anything>."""
    kind = object_kind(node.get("removeType", ""))
    names = tuple(object_name(o) for o in node.get("objects", []) or [])
    return [
        ir.DropObjects(
            span,
            kind,
            names,
            cascade=node.get("behavior") == "DROP_CASCADE",
            concurrent=bool(node.get("concurrent")),
            if_exists=bool(node.get("missing_ok")),
        )
    ]


def rename_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """ALTER ... RENAME."""
    kind = object_kind(node.get("renameType", ""))
    new = node.get("newname", "")
    relation = range_var(node["relation"]) if node.get("relation") else None
    if (
        kind == "column"
        and relation is not None
        and object_kind(node.get("relationType", ""))
        in (
            "table",
            "foreign table",
        )
    ):
        return [ir.RenameColumn(span, relation, node.get("subname", ""), new)]
    if kind in ("table", "foreign table") and relation is not None:
        return [ir.RenameTable(span, relation, new)]
    if relation is not None and kind in ("constraint", "trigger", "policy", "rule", "column"):
        return [
            ir.RenameObject(
                span, kind, QName(relation.schema, node.get("subname", "")), new, relation
            )
        ]
    if relation is not None:
        return [ir.RenameObject(span, kind, relation, new)]
    name = (
        object_name(node.get("object"))
        if node.get("object")
        else QName(None, node.get("subname", ""))
    )
    return [ir.RenameObject(span, kind, name, new)]


def truncate_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """TRUNCATE."""
    tables = tuple(range_var(r["RangeVar"]) for r in node.get("relations", []) if "RangeVar" in r)
    return [ir.Truncate(span, tables, node.get("behavior") == "DROP_CASCADE")]


def create_enum(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """CREATE TYPE ... AS ENUM."""
    return [ir.CreateEnum(span, qname(strings(node.get("typeName"))), strings(node.get("vals")))]


def alter_enum(node: Node, span: Span, where: Where) -> list[ir.Event]:
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


def create_function(node: Node, span: Span, where: Where) -> list[ir.Event]:
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


def alter_function(node: Node, span: Span, where: Where) -> list[ir.Event]:
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


def role_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """CREATE/ALTER ROLE|USER|GROUP with a PASSWORD option."""
    role = node.get("role")
    name = role if isinstance(role, str) else (role or {}).get("rolename", "")
    events: list[ir.Event] = []
    for option in node.get("options", []) or []:
        elem = option.get("DefElem", {})
        if elem.get("defname") == "password":
            arg = elem.get("arg")
            password = arg.get("String", {}).get("sval") if arg else None
            location = elem.get("arg_location", -1)
            here = Span.at(where.base + location, "word") if location and location >= 0 else span
            events.append(ir.RolePassword(here, name, password))
    return events or [ir.Utility(span, "RoleStmt", node)]


def grant_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
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


def set_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """SET / SET LOCAL / RESET."""
    kind = node.get("kind", "")
    name = node.get("name", "")
    if kind == "VAR_SET_MULTI":  # SET TRANSACTION ... / SET SESSION CHARACTERISTICS
        return [ir.Utility(span, "VariableSetStmt", node)]
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


def transaction_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """BEGIN / COMMIT / ROLLBACK / SAVEPOINT ..."""
    return [ir.Transaction(span, _TRANSACTION_KINDS.get(node.get("kind", ""), "other"))]


def data_change(kind: str) -> Lowering:
    """INSERT / UPDATE / DELETE / MERGE."""

    def lower(node: Node, span: Span, where: Where) -> list[ir.Event]:
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


def copy_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """COPY (FROM changes data; TO only reads)."""
    relation = node.get("relation")
    kind = "copy" if node.get("is_from") else "select"
    return [ir.DataChange(span, kind, range_var(relation) if relation else None)]


def select_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """SELECT (SELECT INTO creates a table)."""
    into = node.get("intoClause")
    if into:
        temporary = into["rel"].get("relpersistence") == "t"
        return [
            ir.CreateTableAs(span, range_var(into["rel"]), materialized=False, temporary=temporary)
        ]
    return [ir.DataChange(span, "select", None)]


def create_table_as(node: Node, span: Span, where: Where) -> list[ir.Event]:
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


def view_stmt(node: Node, span: Span, where: Where) -> list[ir.Event]:
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

    def lower(node: Node, span: Span, where: Where) -> list[ir.Event]:
        table = table_of(node) if table_of else None
        return [ir.CreateObject(span, kind, name_of(node), table, bool(node.get("if_not_exists")))]

    return lower


def create_schema(node: Node, span: Span, where: Where) -> list[ir.Event]:
    """CREATE SCHEMA, with the statements it contains."""
    events: list[ir.Event] = [
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


def alter_object_schema(node: Node, span: Span, where: Where) -> list[ir.Event] | None:
    """ALTER ... SET SCHEMA: the replay cannot follow a relation into another schema."""
    if object_kind(node.get("objectType", "")) in (
        "table",
        "foreign table",
        "view",
        "materialized view",
        "sequence",
    ):
        return None
    return [ir.Utility(span, "AlterObjectSchemaStmt", node)]


LOWERINGS: dict[str, Lowering] = {
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
    "CreateDomainStmt": created("domain", _name("domainname")),
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

# Statements the rules need no facts from: queries and session commands, comments, roles and
# privileges, maintenance commands (the locking rules look at their raw node), and DDL on
# objects that hold no table data.
UNDERSTOOD = frozenset(
    [
        "ExplainStmt",
        "VariableShowStmt",
        "PrepareStmt",
        "ExecuteStmt",
        "DeallocateStmt",
        "DeclareCursorStmt",
        "FetchStmt",
        "ClosePortalStmt",
        "ListenStmt",
        "NotifyStmt",
        "UnlistenStmt",
        "CheckPointStmt",
        "DiscardStmt",
        "LoadStmt",
        "CallStmt",
        "ConstraintsSetStmt",
        "CommentStmt",
        "SecLabelStmt",
        "GrantRoleStmt",
        "AlterDefaultPrivilegesStmt",
        "DoStmt",
        "DropRoleStmt",
        "AlterRoleSetStmt",
        "DropOwnedStmt",
        "ReassignOwnedStmt",
        "LockStmt",
        "VacuumStmt",
        "ClusterStmt",
        "ReindexStmt",
        "RefreshMatViewStmt",
        "AlterSeqStmt",
        "AlterDomainStmt",
        "AlterExtensionStmt",
        "AlterExtensionContentsStmt",
        "AlterPolicyStmt",
        "AlterOwnerStmt",
        "DefineStmt",
        "AlterTypeStmt",
        "AlterOperatorStmt",
        "AlterCollationStmt",
        "AlterTSDictionaryStmt",
        "AlterTSConfigurationStmt",
        "CreateOpClassStmt",
        "CreateOpFamilyStmt",
        "AlterOpFamilyStmt",
        "CreateConversionStmt",
        "CreateAmStmt",
        "CreateTransformStmt",
        "CreatePLangStmt",
        "CreateFdwStmt",
        "AlterFdwStmt",
        "CreateForeignServerStmt",
        "AlterForeignServerStmt",
        "CreateUserMappingStmt",
        "AlterUserMappingStmt",
        "DropUserMappingStmt",
        "ImportForeignSchemaStmt",
        "AlterPublicationStmt",
        "CreateSubscriptionStmt",
        "AlterSubscriptionStmt",
        "DropSubscriptionStmt",
        "AlterEventTrigStmt",
        "AlterStatsStmt",
        "CreatedbStmt",
        "DropdbStmt",
        "AlterDatabaseStmt",
        "AlterDatabaseSetStmt",
        "AlterDatabaseRefreshCollStmt",
        "AlterSystemStmt",
        "CreateTableSpaceStmt",
        "DropTableSpaceStmt",
        "AlterTableSpaceOptionsStmt",
        "AlterTableMoveAllStmt",
        "ReturnStmt",
        "PLAssignStmt",
        "AlterObjectDependsStmt",
    ]
)
