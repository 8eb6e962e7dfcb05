"""Reading libpg_query's JSON nodes: names, positions, types, columns and constraints.

The statement lowerings (`pg_tables`, `pg_lower`) are built from these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

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


def not_null_terms(expr: Node) -> Iterator[str | None]:
    """For each AND-ed term of an expression: the column of a `col IS NOT NULL` test, else None."""
    if "BoolExpr" in expr and expr["BoolExpr"].get("boolop") == "AND_EXPR":
        for arg in expr["BoolExpr"].get("args", []):
            yield from not_null_terms(arg)
    elif "NullTest" in expr and expr["NullTest"].get("nulltesttype") == "IS_NOT_NULL":
        fields = strings(expr["NullTest"].get("arg", {}).get("ColumnRef", {}).get("fields"))
        yield fields[-1] if fields else None
    else:
        yield None


def not_null_tests(expr: Node | None) -> tuple[str, ...] | None:
    """Columns required non-null by an AND of `col IS NOT NULL` tests (None if not only that)."""
    if not expr:
        return None
    columns: list[str] = []
    for term in not_null_terms(expr):
        if term is None:
            return None
        columns.append(term)
    return tuple(columns)


def _strip_locations(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_strip_locations(v) for v in node]
    return node


def normalized(node: Any) -> str:
    """A location-free canonical text of an expression, for comparing two expressions."""
    return msgspec.json.encode(_strip_locations(node), order="sorted").decode()


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
        not_null = tuple(c for c in not_null_terms(expr) if c is not None)
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
        has_expression=expr is not None,
    )


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
        constraints += (ir.Constraint("default", None, (name,), span, True, has_expression=True),)
    return ir.ColumnDef(
        name=name,
        type=type_ref(type_node, where.base, span) if type_node else None,
        constraints=constraints,
        span=span,
    )


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
