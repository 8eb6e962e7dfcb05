"""Reading libpg_query's JSON nodes: names, positions, types, columns and constraints.

The statement lowerings (`pg_tables`, `pg_lower`) are built from these.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
from dbarch_lint.model.regex import lazy
from dbarch_lint.model.source import extent_end

Node = dict[str, Any]


class Where(msgspec.Struct, gc=False):
    """Where the statement being lowered sits: node locations are relative to `base`.

    `end` is where libpg_query says the statement ends (before its `;`). (A msgspec struct: one
    is made per statement, and a plain class's `__init__` costs three times as much.)
    """

    base: int
    data: bytes
    end: int

    def has_on_delete(self, span: Span) -> bool:
        """Whether the clause at `span` spells out an ON DELETE action."""
        data, start, statement_end = self.data, span.start, self.end
        # Speed: finding the clause's end tokenizes it in Python, and most foreign keys have no
        # ON DELETE. When the statement is followed by `;` or the end of the file, the clause
        # ends within it, so if the words are not in the rest of the statement they are not in
        # the clause either. (The words cannot end where a token goes on: the search finds the
        # same matches with the statement's end as with the clause's.)
        if (
            start <= statement_end
            and data[statement_end : statement_end + 1] in (b";", b"")
            and _ON_DELETE.search(data, start, statement_end) is None
        ):
            return False
        end = extent_end(data, start, "clause")
        return _ON_DELETE.search(data, start, end) is not None


_ON_DELETE = lazy(rb"(?i)\bON\s+DELETE\b")

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

# The `CONSTR_ATTR_*` members of libpg_query's `ConstrType`: DEFERRABLE, INITIALLY ...,
# ENFORCED (see `column_def`).
_CONSTRAINT_ATTRIBUTES = frozenset(
    (
        "CONSTR_ATTR_DEFERRABLE",
        "CONSTR_ATTR_NOT_DEFERRABLE",
        "CONSTR_ATTR_DEFERRED",
        "CONSTR_ATTR_IMMEDIATE",
        "CONSTR_ATTR_ENFORCED",
        "CONSTR_ATTR_NOT_ENFORCED",
    )
)
# Column constraints with nothing but a name (see `constraint`).
_PLAIN_COLUMN_KINDS = frozenset(("not-null", "null", "primary-key", "unique"))


# --- small helpers -------------------------------------------------------------------------


def strings(items: list[Node] | None) -> tuple[str, ...]:
    """The `sval`s of a list of String nodes."""
    if not items:
        return ()
    # Speed: most lists are one name or two (`pg_catalog.int4`), and a comprehension costs a
    # frame of its own.
    count = len(items)
    if count == 1:
        only = items[0]
        return (only["String"]["sval"],) if "String" in only else ()
    if count == 2:
        first, second = items
        if "String" in first and "String" in second:
            return (first["String"]["sval"], second["String"]["sval"])
    return tuple([item["String"]["sval"] for item in items if "String" in item])


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
    start = base + location
    return Span(start, start, extent)  # as Span.at, without a second call


def column_refs(node: Any) -> list[str]:
    """Every column name referenced (by its last field) inside an expression, in order."""
    found: list[str] = []
    if not isinstance(node, (dict, list)):
        return found
    # Speed: the JSON text shows most expressions asked about (DEFAULTs) name no column, and
    # gives the others' names in the walk's order (depth first: the text's), far faster than a
    # walk in Python. A key is always written `"ColumnRef":` (a string value is never followed
    # by a colon); a reference written otherwise than `_COLUMN_REF` reads is walked instead.
    text = _encode(node)
    count = text.count(b'"ColumnRef":')
    if not count:
        return found
    references = _COLUMN_REF.findall(text)
    if len(references) != count:
        _collect_column_refs(node, found)
        return found
    for fields in references:
        names = _SVAL.findall(fields)
        if names:  # (`*` alone names no column)
            found.append(_decode_str(names[-1]))
    return found


_encode = msgspec.json.encode
_decode_str = msgspec.json.Decoder(str).decode
_JSON_STRING = rb'"(?:[^"\\]|\\.)*"'
# A ColumnRef node's fields as libpg_query writes them (String and A_Star nodes), and the names
# among them.
_COLUMN_REF = lazy(
    rb'"ColumnRef":\{"fields":\[((?:\{"String":\{"sval":'
    + _JSON_STRING
    + rb'\}\}|\{"A_Star":\{\}\}|,)*)\]'
)
_SVAL = lazy(rb'"sval":(' + _JSON_STRING + rb")")


def function_calls(node: Any) -> list[str]:
    """The functions an expression calls, by their last name part, lower-cased, in order."""
    found: list[str] = []
    if b'"FuncCall"' not in _encode(node):  # (as in column_refs: most DEFAULTs call none)
        return found
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call is not None:
                names = strings(call.get("funcname"))
                if names:
                    found.append(names[-1].lower())
            stack.extend(
                v
                for k, v in item.items()
                if k not in _NO_COLUMN_REFS and isinstance(v, (dict, list))
            )
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, (dict, list)))
    return found


def expression_name(node: Node | None) -> str | None:
    """The name PostgreSQL gives an index key expression in the names it invents
    (`FigureIndexColname`): a function's name, a column's, a cast's type ... None: `expr`."""
    return _figure_colname(node)[0]


_NAMED_NODES = {"A_ArrayExpr": "array", "RowExpr": "row", "CoalesceExpr": "coalesce"}
_MIN_MAX = {"IS_GREATEST": "greatest", "IS_LEAST": "least"}


def _figure_colname(node: Node | None) -> tuple[str | None, int]:
    """PostgreSQL's `FigureColnameInternal`: a name for an expression and how strongly it
    names it (2: a column or function name, 1: a cast's type or `case`, 0: none)."""
    if not node:
        return None, 0
    [(kind, body)] = node.items()
    if kind == "ColumnRef":
        names = strings(body.get("fields"))
        return (names[-1], 2) if names else (None, 0)
    if kind == "A_Indirection":
        names = strings(body.get("indirection"))
        return (names[-1], 2) if names else _figure_colname(body.get("arg"))
    if kind == "FuncCall":
        return strings(body.get("funcname"))[-1], 2
    if kind == "A_Expr" and body.get("kind") == "AEXPR_NULLIF":
        return "nullif", 2
    if kind == "TypeCast":
        name, strength = _figure_colname(body.get("arg"))
        type_names = strings((body.get("typeName") or {}).get("names"))
        if strength <= 1 and type_names:
            return type_names[-1], 1
        return name, strength
    if kind == "CollateClause":
        return _figure_colname(body.get("arg"))
    if kind == "CaseExpr":
        name, strength = _figure_colname(body.get("defresult"))
        return (name, strength) if strength > 1 else ("case", 1)
    if kind in _NAMED_NODES:
        return _NAMED_NODES[kind], 2
    if kind == "MinMaxExpr" and body.get("op") in _MIN_MAX:
        return _MIN_MAX[body["op"]], 2
    return None, 0


# Nodes that hold no column reference and call nothing (constants, names): not walked.
_NO_COLUMN_REFS = frozenset(("A_Const", "String", "funcname"))


def _collect_column_refs(node: dict[str, Any] | list[Any], found: list[str]) -> None:
    # Speed: one list for all results and no calls for scalars (a recursive generator cost
    # a frame per leaf and per level), nor for a dict's list (`args`): its members are walked
    # here.
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "ColumnRef":
                fields = strings(value.get("fields"))
                if fields:
                    found.append(fields[-1])
            elif key in _NO_COLUMN_REFS:
                continue
            elif isinstance(value, dict):
                _collect_column_refs(value, found)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, (dict, list)):
                        _collect_column_refs(item, found)
    else:
        for item in node:
            if isinstance(item, (dict, list)):
                _collect_column_refs(item, found)


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
    # (plain loops, and no call for a scalar: a comprehension costs a frame of its own)
    if isinstance(node, dict):
        stripped = {}
        for key, value in node.items():
            if key != "location":
                is_tree = isinstance(value, (dict, list))
                stripped[key] = _strip_locations(value) if is_tree else value
        return stripped
    if isinstance(node, list):
        return [_strip_locations(v) if isinstance(v, (dict, list)) else v for v in node]
    return node


def normalized(node: Any) -> str:
    """A location-free canonical text of an expression, for comparing two expressions."""
    # Speed: the locations cut out of the sorted JSON text by a regex, not by a copy of the tree
    # made in Python; one that is not a whole number (never seen) is dropped from a copy instead.
    text = msgspec.json.encode(node, order="sorted")
    stripped, cut = _LOCATION.subn(b"", text)
    if cut != text.count(b'"location":'):
        return msgspec.json.encode(_strip_locations(node), order="sorted").decode()
    return stripped.decode()


# A `location` key and its whole-number value in JSON text, with the comma that joins it to
# the object's other keys. (A key is always written `"location":`: see `column_refs`.)
_LOCATION = lazy(rb'(?<=\{)"location":-?\d+(?:,|(?=\}))|,"location":-?\d+(?=[,}])')


# --- types, columns, constraints -----------------------------------------------------------


def type_ref(node: Node, base: int, default: Span) -> ir.TypeRef:
    """A TypeRef from a TypeName node."""
    get = node.get
    typmods = get("typmods")
    mods: tuple[int | str, ...] = ()
    if typmods:
        listed: list[int | str] = []
        for mod in typmods:
            const = mod.get("A_Const")
            if const is None:
                listed.append("?")
            elif "ival" in const:
                listed.append(int(const["ival"].get("ival", 0)))
            elif "sval" in const:
                listed.append(str(const["sval"].get("sval", "")))
            else:
                listed.append(str(next(iter(const.values()))))
        mods = tuple(listed)
    location = get("location", -1)  # (as `loc`, without the call: one type per column)
    if location is None or location < 0:
        span = default
    else:
        span = Span(base + location, base + location, "type")
    return ir.TypeRef(
        strings(get("names")), mods, bool(get("arrayBounds")), span, bool(get("pct_type"))
    )


def constraint(node: Node, where: Where, default: Span, column: str | None) -> ir.Constraint:
    """A Constraint from a Constraint node (`column` set for a column constraint)."""
    get = node.get
    kind = _CONSTRAINT_KINDS.get(get("contype", ""), "check")
    location = get("location", -1)  # (as `loc`, without the call)
    if location is None or location < 0:
        span = default
    else:
        span = Span(where.base + location, where.base + location, "clause")
    if column is not None and kind in _PLAIN_COLUMN_KINDS:
        # (most constraints: the grammar gives these no expression, reference, INCLUDE, USING
        # INDEX or NOT VALID, so only their name is read)
        return ir.Constraint(kind, get("conname"), (column,), span, True)
    columns: tuple[str, ...]
    if column is not None:
        columns = (column,)
    elif kind == "foreign-key":
        columns = strings(get("fk_attrs"))
    elif kind == "exclude":
        columns = _exclusion_columns(get("exclusions", []))
    else:
        columns = strings(get("keys"))
    expr = get("raw_expr")
    on_delete = on_update = None
    if kind == "foreign-key":
        action = _FK_ACTIONS.get(get("fk_del_action", "a"), "no action")
        if action != "no action" or where.has_on_delete(span):
            on_delete = action
        on_update = _FK_ACTIONS.get(get("fk_upd_action", "a"))
    check_columns: tuple[str, ...] = ()
    not_null_columns: tuple[str, ...] = ()
    not_null_only = False  # (a CHECK of only `col IS NOT NULL` tests: `not_null_tests`)
    if expr:
        check_columns = tuple(dict.fromkeys(column_refs(expr)))
        if kind == "check":
            terms = list(not_null_terms(expr))  # (walked once for both)
            not_null_columns = tuple([c for c in terms if c is not None])
            not_null_only = None not in terms
    identity: Literal["always", "by-default"] | None = None
    generated: Literal["stored", "virtual"] | None = None
    if kind == "identity":
        identity = "always" if get("generated_when") == "a" else "by-default"
    elif kind == "generated":
        generated = "virtual" if get("generated_kind", "s") == "v" else "stored"
    ref_columns = get("pk_attrs")
    include = get("including")
    is_default = kind == "default"
    # Positional, in field order: with this many fields, keyword arguments cost more than the
    # rest of the function. (Calls made only where they can find something: most constraints
    # are NOT NULL, DEFAULT or a key.)
    return ir.Constraint(
        kind,
        get("conname"),  # name
        columns,
        span,
        column is not None,  # column_level
        range_var(node["pktable"]) if "pktable" in node else None,  # ref_table
        strings(ref_columns) if ref_columns else (),  # ref_columns
        on_delete,
        on_update,
        bool(get("skip_validation")),  # not_valid
        get("indexname"),  # using_index
        identity,
        generated,
        check_columns,
        not_null_columns,
        strings(include) if include else (),  # include
        expr is not None,  # has_expression
        is_default and _is_null(expr),  # null_default
        tuple(function_calls(expr)) if is_default and expr else (),  # calls
        not_null_only,
    )


def _is_null(expr: Node | None) -> bool:
    """Whether an expression is the NULL constant (possibly cast: `NULL::integer`)."""
    while isinstance(expr, dict) and "TypeCast" in expr:
        expr = expr["TypeCast"].get("arg")
    return isinstance(expr, dict) and bool(expr.get("A_Const", {}).get("isnull"))


def _exclusion_columns(exclusions: list[Node]) -> tuple[str, ...]:
    """The columns of EXCLUDE elements: those their expressions mention, then the named ones."""
    firsts = [pair.get("List", {}).get("items", [])[:1] for pair in exclusions]
    mentioned = [c for first in firsts for c in column_refs(first)]
    named = [
        elem["IndexElem"]["name"]
        for first in firsts
        for elem in first
        if "IndexElem" in elem and elem["IndexElem"].get("name")
    ]
    return tuple(mentioned + named)


def column_def(node: Node, where: Where, default: Span) -> ir.ColumnDef:
    """A ColumnDef from a ColumnDef node."""
    get = node.get
    location = get("location", -1)  # (as `loc`, without the call)
    if location is None or location < 0:
        span = default
    else:
        span = Span(where.base + location, where.base + location, "clause")
    name = get("colname", "")
    type_node = get("typeName")
    constraints: tuple[ir.Constraint, ...] = ()
    listed = get("constraints")
    if listed:
        # In a column definition, `DEFERRABLE`, `INITIALLY DEFERRED` and the like are separate
        # nodes (`CONSTR_ATTR_DEFERRABLE`, ...) that modify the previous constraint: no
        # constraint of their own (in a table constraint they are flags of its node).
        made = []
        for item in listed:  # (a plain loop: a comprehension costs a frame per column)
            node = item.get("Constraint")
            if node is not None and node.get("contype") not in _CONSTRAINT_ATTRIBUTES:
                made.append(constraint(node, where, span, name))
        constraints = tuple(made)
    if get("raw_default") is not None and not any(c.kind == "default" for c in constraints):
        constraints += (ir.Constraint("default", None, (name,), span, True, has_expression=True),)
    return ir.ColumnDef(
        name,
        type_ref(type_node, where.base, span) if type_node else None,
        constraints,
        span,
    )


def object_kind(objtype: str) -> str:
    """`OBJECT_MATVIEW` -> `materialized view`, `OBJECT_TABLE` -> `table`, ..."""
    kind = _OBJECT_KINDS.get(objtype)
    if kind is None:
        name = objtype.removeprefix("OBJECT_").lower()
        kind = _OBJECT_KINDS[objtype] = _OBJECT_KIND_NAMES.get(name, name.replace("_", " "))
    return kind


_OBJECT_KINDS: dict[str, str] = {}  # memo of object_kind: a few dozen names recur
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
