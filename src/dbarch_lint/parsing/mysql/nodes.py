"""Lowering the parts of sqlglot's MySQL trees that statements share: names and positions,
columns and their types, constraints, keys and indexes (see `mysql_lower` for the statements).

Identifiers fold to lower case (MySQL compares column and index names without case, and
table names too where `lower_case_table_names` is 1 or 2: MySQL 8.0 Reference Manual, 11.2.3
"Identifier Case Sensitivity"); each statement keeps their spellings (`Statement.spellings`),
which messages show, since on Linux a table is found only as spelt.

Types take PostgreSQL's internal names where the type is the same (`INT` is
`int4`, `DOUBLE` is `float8`), else MySQL's name in lower case (`int unsigned`, `datetime`). A
primary key is named `PRIMARY`, as MySQL names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from sqlglot import exp

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
from dbarch_lint.model.source import SourceFile

_TYPE_NAMES = {
    "SMALLINT": "int2",
    "INT": "int4",
    "BIGINT": "int8",
    "FLOAT": "float4",
    "DOUBLE": "float8",
    "DECIMAL": "numeric",
    "VARCHAR": "varchar",
    "CHAR": "bpchar",
    "TEXT": "text",
    "BOOLEAN": "bool",
    "UUID": "uuid",
}
_AUTO = ("auto_increment",)  # (an AUTO_INCREMENT column's default: the next value)


class Nodes:
    """What lowering one statement (at `span`) needs for its parts. `offset`: where the text the
    parser read starts in the file (sqlglot's positions are in that text)."""

    def __init__(self, source: SourceFile, span: Span, offset: int) -> None:
        self.source, self.span, self.offset = source, span, offset
        # The inline REFERENCES of the column definitions lowered so far: MySQL ignores them.
        self.inline_references: list[tuple[str, Span, exp.Reference]] = []

    # --- names and positions ------------------------------------------------------------

    def at(self, node: exp.Expression | None, extent: ir.Extent = "word") -> Span:
        """The span of a node's first identifier (the statement's start when it has none)."""
        ident = node if isinstance(node, exp.Identifier) else None
        if ident is None and node is not None:
            ident = node.find(exp.Identifier)
        meta = ident.meta if ident is not None else {}
        if "start" in meta and "end" in meta:
            start = self.source.char_to_byte(self.offset + meta["start"])
            # (a quoted identifier's meta covers the name, not its backquotes)
            return Span(start, self.source.char_to_byte(self.offset + meta["end"] + 1))
        return Span.at(self.span.start, extent)

    @staticmethod
    def qname(table: exp.Expression) -> QName:
        """A table's name; a database qualifier is the schema."""
        if isinstance(table, exp.Schema):
            table = table.this
        database = table.args.get("db") if isinstance(table, exp.Table) else None
        schema = database.name.lower() if isinstance(database, exp.Expression) else None
        return QName(schema or None, table.name.lower())

    @staticmethod
    def names(nodes: list[exp.Expression] | None) -> tuple[str, ...]:
        """Column names of a key list (a prefix key `b(10)` is column b)."""
        found = []
        for node in nodes or ():
            if isinstance(node, exp.Ordered):
                node = node.this
            if isinstance(node, exp.ColumnPrefix):
                node = node.this
            found.append(node.name.lower() if node.name else node.sql("mysql").lower())
        return tuple(found)

    def type_ref(self, data_type: exp.DataType | None, at: Span) -> ir.TypeRef | None:
        if data_type is None:
            return None
        kind = data_type.this.name if isinstance(data_type.this, exp.DataType.Type) else ""
        name = _TYPE_NAMES.get(kind) or data_type.sql("mysql").split("(")[0].lower()
        mods: list[int | str] = []
        for param in data_type.expressions:
            value = param.this if isinstance(param, exp.DataTypeParam) else param
            text = value.sql("mysql") if isinstance(value, exp.Expression) else str(value)
            mods.append(int(text) if text.isdigit() else text)
        return ir.TypeRef((name,), tuple(mods), False, Span.at(at.start, "type"))

    # --- columns, constraints, indexes ------------------------------------------------------

    def column(self, node: exp.ColumnDef) -> ir.ColumnDef:
        name = node.name.lower()
        at = self.at(node.this)
        constraints: list[ir.Constraint] = []
        for item in node.args.get("constraints") or ():
            kind = item.args.get("kind") if isinstance(item, exp.ColumnConstraint) else item
            constraint = self.column_constraint(kind, name, at)
            if constraint is not None:
                constraints.append(constraint)
        data_type = node.args.get("kind")
        type_ref = self.type_ref(data_type if isinstance(data_type, exp.DataType) else None, at)
        return ir.ColumnDef(name, type_ref, tuple(constraints), at)

    def column_constraint(
        self, kind: exp.Expression | None, column: str, at: Span
    ) -> ir.Constraint | None:
        one = (column,)
        if isinstance(kind, exp.NotNullColumnConstraint):
            null: ir.ConstraintKind = "null" if kind.args.get("allow_null") else "not-null"
            return ir.Constraint(null, None, one, at, column_level=True)
        if isinstance(kind, exp.PrimaryKeyColumnConstraint):
            return ir.Constraint("primary-key", "PRIMARY", one, at, column_level=True)
        if isinstance(kind, exp.UniqueColumnConstraint):
            return ir.Constraint("unique", None, one, at, column_level=True)
        if isinstance(kind, exp.DefaultColumnConstraint):
            null_default = isinstance(kind.this, exp.Null)
            calls = tuple(f.sql_name().lower() for f in kind.find_all(exp.Func))
            return ir.Constraint(
                "default", None, one, at, column_level=True, null_default=null_default, calls=calls
            )
        if isinstance(kind, exp.AutoIncrementColumnConstraint):
            # A value for every row that omits it, as a default gives (not an identity: the type
            # rules would then judge every AUTO_INCREMENT column a key).
            return ir.Constraint("default", None, one, at, column_level=True, calls=_AUTO)
        if isinstance(kind, exp.ComputedColumnConstraint):
            generated: Literal["stored", "virtual"] = (
                "stored" if kind.args.get("persisted") else "virtual"
            )
            return ir.Constraint("generated", None, one, at, column_level=True, generated=generated)
        if isinstance(kind, exp.Reference):
            self.inline_references.append((column, self.at(kind), kind))
            return None  # (MySQL parses and ignores it: no foreign key)
        if isinstance(kind, exp.CheckColumnConstraint):
            return ir.Constraint("check", None, one, at, column_level=True, check_columns=one)
        return None

    def ignored_references(self, table: QName) -> list[ir.InlineReference]:
        """The inline REFERENCES of the column definitions lowered so far, all of `table`."""
        found = []
        for column, at, reference in self.inline_references:
            target = reference.this
            columns = self.names(target.expressions) if isinstance(target, exp.Schema) else ()
            found.append(ir.InlineReference(at, table, column, self.qname(target), columns))
        self.inline_references.clear()
        return found

    def table_constraints(self, item: exp.Expression) -> Iterator[ir.Constraint]:
        """The constraints of one table-level definition (`CONSTRAINT name ...` included)."""
        name: str | None = None
        items = [item]
        if isinstance(item, exp.Constraint):
            name = item.name or None
            items = list(item.expressions)
        for node in items:
            at = self.at(node) if name is None else self.at(item)
            if isinstance(node, exp.PrimaryKey):
                yield ir.Constraint("primary-key", "PRIMARY", self.names(node.expressions), at)
            elif isinstance(node, exp.ForeignKey):
                reference = node.args.get("reference")
                columns = self.names(node.expressions)
                if isinstance(reference, exp.Reference):
                    yield self.foreign_key(name, columns, reference, at)
            elif isinstance(node, exp.UniqueColumnConstraint):
                schema = node.this
                key = schema.this if isinstance(schema, exp.Schema) else None
                columns = self.names(schema.expressions if isinstance(schema, exp.Schema) else [])
                own = name or (key.name.lower() if isinstance(key, exp.Identifier) else None)
                yield ir.Constraint("unique", own, columns, at)
            elif isinstance(node, exp.CheckColumnConstraint):
                columns = tuple(sorted({c.name.lower() for c in node.find_all(exp.Column)}))
                yield ir.Constraint("check", name, columns, at, check_columns=columns)

    def foreign_key(
        self,
        name: str | None,
        columns: tuple[str, ...],
        reference: exp.Reference,
        at: Span,
        column_level: bool = False,
    ) -> ir.Constraint:
        target = reference.this
        ref_columns = self.names(target.expressions) if isinstance(target, exp.Schema) else ()
        actions: dict[str, str | None] = {"DELETE": None, "UPDATE": None}
        for option in reference.args.get("options") or ():
            words = str(option).upper().split(None, 2)
            if len(words) == 3 and words[0] == "ON" and words[1] in actions:
                actions[words[1]] = words[2].lower()
        return ir.Constraint(
            "foreign-key",
            name,
            columns,
            at,
            column_level=column_level,
            ref_table=self.qname(target),
            ref_columns=ref_columns,
            on_delete=actions["DELETE"],
            on_update=actions["UPDATE"],
        )

    def index_event(
        self,
        name: exp.Expression | None,
        table: QName,
        keys: list[exp.Expression] | None,
        unique: bool,
        definition: exp.Expression | None = None,
    ) -> ir.CreateIndex:
        kind = str(definition.args.get("kind") or "") if definition is not None else ""
        method = kind.lower() if kind.upper() in ("FULLTEXT", "SPATIAL") else "btree"
        unique = unique or kind.upper() == "UNIQUE"
        elems = tuple(ir.IndexElem(column, options=_prefix(key)) for column, key in zip(
            self.names(keys), keys or (), strict=True
        ))  # fmt: skip
        index_name = name.name.lower() if isinstance(name, exp.Expression) and name.name else None
        at = self.at(name) if isinstance(name, exp.Expression) else self.span
        return ir.CreateIndex(at, index_name, table, elems, unique=unique, method=method)


def _prefix(key: exp.Expression) -> str | None:
    """`prefix 10` for a key on a column's first characters, `b(10)` (None for a whole column):
    such a key is not the same as one on the whole column."""
    if isinstance(key, exp.Ordered):
        key = key.this
    if isinstance(key, exp.ColumnPrefix) and key.expression is not None:
        return f"prefix {key.expression.sql('mysql')}"
    if isinstance(key, exp.Anonymous) and key.expressions:  # (in CREATE INDEX)
        return f"prefix {key.expressions[0].sql('mysql')}"
    return None
