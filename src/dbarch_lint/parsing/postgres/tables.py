"""Lowering table DDL: CREATE TABLE, ALTER TABLE, CREATE INDEX, DROP, RENAME, TRUNCATE."""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
from dbarch_lint.model.regex import lazy
from dbarch_lint.model.source import extent_end
from dbarch_lint.parsing.postgres.nodes import (
    Node,
    Where,
    column_def,
    column_refs,
    constraint,
    expression_name,
    loc,
    normalized,
    not_null_tests,
    object_kind,
    object_name,
    qname,
    range_var,
    strings,
    type_ref,
)


def create_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
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
            default_partition=bool((node.get("partbound") or {}).get("is_default")),
            access_method=node.get("accessMethod"),
        )
    ]


def create_foreign_table(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE FOREIGN TABLE."""
    events = create_stmt(node["base"], span, where)
    table = events[0]
    assert isinstance(table, ir.CreateTable)
    return [msgspec.structs.replace(table, foreign=True)]


def alter_table(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """ALTER TABLE (and ALTER INDEX/VIEW/SEQUENCE/... sharing the node) sub-commands."""
    table = range_var(node["relation"])
    objtype = object_kind(node.get("objtype", "OBJECT_TABLE"))
    on_table = objtype in ("table", "foreign table")
    events: list[ir.AnyEvent] = []
    commands = node.get("cmds", [])
    # (each sub-command's own place: libpg_query gives them none)
    starts = _command_starts(node["relation"], len(commands), where) if len(commands) > 1 else []
    for number, item in enumerate(commands):
        cmd = item["AlterTableCmd"]
        if starts:
            span = Span(starts[number], starts[number], "clause")
        subtype = cmd.get("subtype", "").removeprefix("AT_")
        column = cmd.get("name")
        if not on_table:
            events.append(ir.AlterTableAction(span, table, subtype, objtype, column))
            continue
        definition = cmd.get("def") or {}
        if subtype == "AddColumn":
            col = column_def(definition["ColumnDef"], where, span)
            events.append(ir.AddColumn(col.span, table, col, bool(cmd.get("missing_ok"))))
        elif subtype == "AddConstraint" and "Constraint" in definition:
            # (the event at its constraint's span: the node's location, as `loc` gives it)
            con = constraint(definition["Constraint"], where, span, None)
            events.append(ir.AddConstraint(con.span, table, con))
        elif subtype == "DropColumn":
            cascade = cmd.get("behavior") == "DROP_CASCADE"
            events.append(
                ir.DropColumn(span, table, column or "", cascade, bool(cmd.get("missing_ok")))
            )
        elif subtype == "AlterColumnType":
            col_node = definition.get("ColumnDef", {})
            new_type = type_ref(col_node.get("typeName", {}), where.base, span)
            using = col_node.get("raw_default")
            events.append(
                ir.AlterColumnType(
                    span,
                    table,
                    column or "",
                    new_type,
                    using is not None and not _plain_cast(using, column or "", new_type, where),
                )
            )
        elif subtype == "SetNotNull":
            events.append(ir.SetNotNull(span, table, column or ""))
        elif subtype == "DropNotNull":
            events.append(ir.DropNotNull(span, table, column or ""))
        elif subtype == "ColumnDefault":
            if definition:
                events.append(ir.SetDefault(span, table, column or ""))
            else:
                events.append(ir.DropDefault(span, table, column or ""))
        elif subtype == "DropConstraint":
            cascade = cmd.get("behavior") == "DROP_CASCADE"
            events.append(
                ir.DropConstraint(span, table, column or "", cascade, bool(cmd.get("missing_ok")))
            )
        elif subtype == "ValidateConstraint":
            events.append(ir.ValidateConstraint(span, table, column or ""))
        else:
            partition_cmd = definition.get("PartitionCmd", {})
            partition = partition_cmd.get("name")
            events.append(
                ir.AlterTableAction(
                    span,
                    table,
                    subtype,
                    objtype,
                    column,
                    range_var(partition) if partition else None,
                    identity_kind(subtype, definition),
                    bool(partition_cmd.get("concurrent")),
                    bool((partition_cmd.get("bound") or {}).get("is_default")),
                )
            )
    return events


_SPACE = lazy(rb"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)
# Text with no bracket, comma, semicolon, quote, dollar, dash or slash (nothing `extent_end`
# reads a clause token by token for) up to a comma, then `_SPACE`.
_PLAIN_TO_COMMA = lazy(rb"[^()\[\],;'\"$\-/]*,(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)


def _command_starts(relation: Node, count: int, where: Where) -> list[int]:
    """Where each of an ALTER TABLE's `count` comma-separated sub-commands begins in the file
    (none when the text does not show them all)."""
    data, end = where.data, where.end
    location = relation.get("location", -1)
    if location is None or location < 0:
        return []
    position = extent_end(data, where.base + location, "word")
    position = _SPACE.match(data, position).end()  # type: ignore[union-attr]
    if data[position : position + 1] == b"*":  # (`ALTER TABLE name *`: its children too)
        position = _SPACE.match(data, position + 1).end()  # type: ignore[union-attr]
    starts = []
    last = count - 1
    for number in range(count):
        if position >= end:
            return []
        starts.append(position)
        if number == last:
            break  # (where the last one ends says nothing)
        # Speed: most sub-commands are plain text up to their comma (`DROP COLUMN a,`): one
        # match finds where the next one starts, as reading the clause below would.
        plain = _PLAIN_TO_COMMA.match(data, position)
        if plain is not None:
            position = plain.end()
            continue
        after = extent_end(data, position, "clause")
        position = _SPACE.match(data, after).end()  # type: ignore[union-attr]
        if data[position : position + 1] != b",":
            break
        position = _SPACE.match(data, position + 1).end()  # type: ignore[union-attr]
    return starts if len(starts) == count else []


def index_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE INDEX."""
    elems = []
    for param in node.get("indexParams") or ():
        elem = param.get("IndexElem", {})
        options = _index_elem_options(elem)
        name = elem.get("name")
        if name:
            elems.append(ir.IndexElem(name, (), options))  # (positional: cheaper)
        else:
            expr = elem.get("expr")
            columns = tuple(dict.fromkeys(column_refs(expr)))
            elems.append(ir.IndexElem(None, columns, options, expression_name(expr)))
    where_clause = node.get("whereClause")
    predicate_not_null = not_null_tests(where_clause) if where_clause else None
    including = node.get("indexIncludingParams")
    relation = node["relation"]
    # Positional, in field order: keyword arguments cost a microsecond more per record.
    return [
        ir.CreateIndex(
            span,
            node.get("idxname"),
            range_var(relation),
            tuple(elems),
            bool(node.get("unique")),  # unique
            bool(node.get("concurrent")),  # concurrent
            node.get("accessMethod", "btree"),  # method
            normalized(where_clause) if where_clause else None,  # predicate
            frozenset(predicate_not_null) if predicate_not_null is not None else None,
            tuple([p["IndexElem"].get("name", "") for p in including if "IndexElem" in p])
            if including
            else (),  # include
            bool(node.get("if_not_exists")),  # if_not_exists
            not relation.get("inh", False),  # only
            bool(node.get("nulls_not_distinct")),  # nulls_not_distinct
            tuple(dict.fromkeys(column_refs(where_clause)))
            if where_clause
            else (),  # predicate_columns
        )
    ]


_KEY_OPTIONS = frozenset(("opclass", "opclassopts", "collation", "ordering", "nulls_ordering"))
_DEFAULT_KEY_OPTIONS = {"ordering": "SORTBY_DEFAULT", "nulls_ordering": "SORTBY_NULLS_DEFAULT"}
# The fields of an index key that give it no option (`_KEY_OPTIONS` less opclass and collation).
_PLAIN_KEY_FIELDS = frozenset(("name", "expr", "indexcolname", "ordering", "nulls_ordering"))


def _index_elem_options(elem: Node) -> str | None:
    """Opclass, collation and ordering of an index key, as comparable text (None if default)."""
    # Speed: most keys have nothing but a name or an expression and the default orderings,
    # which one set test and two lookups tell (the comprehension below costs a frame per key);
    # the text sorts its keys, so they are taken in the key's order.
    if elem.keys() <= _PLAIN_KEY_FIELDS and (
        elem.get("ordering", "SORTBY_DEFAULT") == "SORTBY_DEFAULT"
        and elem.get("nulls_ordering", "SORTBY_NULLS_DEFAULT") == "SORTBY_NULLS_DEFAULT"
    ):
        return None
    options = {
        key: value
        for key, value in elem.items()
        if key in _KEY_OPTIONS and value and value != _DEFAULT_KEY_OPTIONS.get(key)
    }
    return normalized(options) if options else None


def drop_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """DROP <anything>."""
    kind = object_kind(node.get("removeType", ""))
    objects: list[Node] = node.get("objects") or []
    names = tuple([object_name(o) for o in objects])
    table = None
    if kind in ("trigger", "rule", "policy") and len(objects) == 1 and "List" in objects[0]:
        parts = strings(objects[0]["List"].get("items"))
        table = qname(parts[:-1]) if len(parts) > 1 else None
    return [
        ir.DropObjects(  # (positional, in field order: keyword arguments cost more)
            span,
            kind,
            names,
            node.get("behavior") == "DROP_CASCADE",  # cascade
            bool(node.get("concurrent")),  # concurrent
            bool(node.get("missing_ok")),  # if_exists
            table,
        )
    ]


def rename_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
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


def truncate_stmt(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """TRUNCATE."""
    tables = tuple(range_var(r["RangeVar"]) for r in node.get("relations", []) if "RangeVar" in r)
    return [ir.Truncate(span, tables, node.get("behavior") == "DROP_CASCADE")]


_GENERATED_BY_DEFAULT = ord("d")  # SET GENERATED BY DEFAULT stores the letter as an integer


def identity_kind(subtype: str, definition: Node) -> Literal["always", "by-default"] | None:
    """The identity kind an ADD/SET identity sub-command of ALTER COLUMN sets, if any."""
    if subtype == "AddIdentity":
        when = definition.get("Constraint", {}).get("generated_when")
        return "by-default" if when == "d" else "always"
    if subtype == "SetIdentity":
        for item in definition.get("List", {}).get("items", []):
            elem = item.get("DefElem", {})
            if elem.get("defname") == "generated":
                value = elem.get("arg", {}).get("Integer", {}).get("ival")
                return "by-default" if value == _GENERATED_BY_DEFAULT else "always"
    return None


def _plain_cast(using: Node, column: str, new_type: ir.TypeRef, where: Where) -> bool:
    """Whether a USING expression is the column itself or only its cast to the new type
    (`USING col::text`, `CAST(col AS text)`, as Django writes on every type change): the same
    as no USING."""
    cast = using.get("TypeCast")
    if cast is not None:
        cast_type = type_ref(cast.get("typeName", {}), where.base, new_type.span)
        same_type = (cast_type.builtin or cast_type.names, cast_type.mods, cast_type.array) == (
            new_type.builtin or new_type.names,
            new_type.mods,
            new_type.array,
        )
        return same_type and _plain_cast(cast.get("arg", {}), column, new_type, where)
    ref = using.get("ColumnRef")
    if ref is None:
        return False
    fields = ref.get("fields") or []
    last = fields[-1].get("String", {}).get("sval") if fields else None
    return last == column
