"""The SQL Sequelize 6 sends on PostgreSQL for each `queryInterface` call.

Ported from Sequelize's own generator (`lib/dialects/postgres/query-generator.js`,
`lib/dialects/abstract/query-generator.js` and `query-interface.js` of sequelize 6) and checked
against it by running it (tests/test_sequelize_real.py): the same statements, the same names for
unnamed indexes (`<table>_<col>_<col>`, snake case) and constraints (`<table>_<col>_uk`, `_ck`,
`_pk`, `<table>_<col>_<referenced>_fk`), the same types (`STRING` is `VARCHAR(255)`, `DATE` is
`TIMESTAMP WITH TIME ZONE`, `ENUM` a type `enum_<table>_<col>` created in a `DO` block).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from tree_sitter import Node

from dbarch_lint.parsing.sequelize.sql import Sql, literal, quote
from dbarch_lint.parsing.sequelize.values import DataType, Helper, Obj, Unknown, Value


class Unstatic(Exception):
    """What a call needs cannot be known statically: `node` is where, `why` says why."""

    def __init__(self, node: Node, why: str) -> None:
        super().__init__(why)
        self.node = node
        self.why = why


class Table:
    """A table as a call names it: `'users'` or `{ tableName: 'users', schema: 's' }`."""

    def __init__(self, name: str, schema: str | None, node: Node) -> None:
        self.name = name
        self.schema = schema
        self.node = node

    def quoted(self, default_schema: bool = False) -> str:
        schema = self.schema or ("public" if default_schema else None)
        return f"{quote(schema)}.{quote(self.name)}" if schema else quote(self.name)


class Call:
    """One call's arguments: their nodes and static values."""

    def __init__(self, method: str, node: Node, args: Sequence[Node], values: Sequence[Value]):
        self.method = method
        self.node = node
        self.args = list(args)
        self.values = list(values)

    def arg(self, index: int) -> Value:
        return self.values[index] if index < len(self.values) else None

    def node_of(self, index: int) -> Node:
        return self.args[index] if index < len(self.args) else self.node

    def string(self, index: int, what: str) -> str:
        value = self.arg(index)
        if isinstance(value, str):
            return value
        raise Unstatic(self.node_of(index), _why(value, what, "a string"))

    def table(self, index: int) -> Table:
        value = self.arg(index)
        node = self.node_of(index)
        if isinstance(value, str):
            return Table(value, None, node)
        if isinstance(value, Obj):
            name, schema = value.get("tableName"), value.get("schema")
            if isinstance(name, str) and (schema is None or isinstance(schema, str)):
                return Table(name, schema, node)
        raise Unstatic(node, _why(value, "the table name", "a string"))

    def options(self, index: int) -> Obj | None:
        value = self.arg(index)
        if value is None:
            return None
        if isinstance(value, Obj):
            return value
        raise Unstatic(self.node_of(index), _why(value, "the options", "an object"))


def _why(value: Value, what: str, wanted: str) -> str:
    if isinstance(value, Unknown):
        return f"{what} cannot be known statically ({value.why})"
    return f"{what} is not {wanted}"


# --- types --------------------------------------------------------------------------------

_PLAIN = {
    "TEXT": "TEXT",
    "CITEXT": "CITEXT",
    "TINYINT": "TINYINT",
    "SMALLINT": "SMALLINT",
    "MEDIUMINT": "MEDIUMINT",
    "INTEGER": "INTEGER",
    "BIGINT": "BIGINT",
    "REAL": "REAL",
    "DOUBLE": "DOUBLE PRECISION",
    "BOOLEAN": "BOOLEAN",
    "TIME": "TIME",
    "DATE": "TIMESTAMP WITH TIME ZONE",
    "DATEONLY": "DATE",
    "HSTORE": "HSTORE",
    "JSON": "JSON",
    "JSONB": "JSONB",
    "BLOB": "BYTEA",
    "UUID": "UUID",
    "INET": "INET",
    "CIDR": "CIDR",
    "MACADDR": "MACADDR",
    "TSVECTOR": "TSVECTOR",
    "VIRTUAL": "VIRTUAL",
}
_RANGES = {
    "INTEGER": "int4range",
    "BIGINT": "int8range",
    "DECIMAL": "numrange",
    "DATE": "tstzrange",
    "DATEONLY": "daterange",
}


def type_sql(value: Value, node: Node, enum_name: str | None = None) -> str:
    """A data type as Sequelize writes it on PostgreSQL (`enum_name`: what an ENUM becomes)."""
    if not isinstance(value, DataType):
        raise Unstatic(node, _why(value, "the type", "a Sequelize data type"))
    name, args = value.name, value.args
    if name in ("STRING", "CHAR"):
        if "BINARY" in value.flags:
            return "BYTEA"
        length = args[0] if args and isinstance(args[0], int) else 255
        return f"{'VARCHAR' if name == 'STRING' else 'CHAR'}({length})"
    if name in ("DECIMAL", "NUMERIC"):
        numbers = [str(a) for a in args if isinstance(a, int) and not isinstance(a, bool)]
        return "DECIMAL" + (f"({','.join(numbers)})" if numbers else "")
    if name == "FLOAT":
        if len(args) == 1 and isinstance(args[0], int):
            return f"FLOAT({args[0]})"
        return "FLOAT"
    if name == "ENUM":
        if enum_name is None:
            raise Unstatic(node, "an ENUM is only known as a column's type")
        return enum_name
    if name == "ARRAY":
        if not args:
            raise Unstatic(node, "ARRAY needs the type of its elements")
        return type_sql(args[0], node, enum_name) + "[]"
    if name == "RANGE":
        sub = args[0] if args else DataType("INTEGER")
        return _RANGES.get(sub.name if isinstance(sub, DataType) else "", "int4range")
    if name in ("GEOMETRY", "GEOGRAPHY"):
        parts = [a for a in args if isinstance(a, (str, int))]
        return name + (f"({','.join(str(p) for p in parts)})" if parts else "")
    if name in _PLAIN:
        return _PLAIN[name]
    raise Unstatic(node, f"Sequelize's {name} type is not known to this tool")


def enum_values(value: Value, attribute: Obj | None) -> tuple[str, ...] | None:
    """The values of an ENUM type (or an ARRAY of one), or None when it is not one."""
    inner = value.args[0] if isinstance(value, DataType) and value.name == "ARRAY" else value
    if not (isinstance(inner, DataType) and inner.name == "ENUM"):
        return None
    values: Value = inner.args
    if len(inner.args) == 1 and isinstance(inner.args[0], tuple):
        values = inner.args[0]
    elif len(inner.args) == 1 and isinstance(inner.args[0], Obj):
        values = inner.args[0].get("values")
    if attribute is not None and attribute.get("values") is not None:
        values = attribute.get("values")
    if isinstance(values, tuple) and values and all(isinstance(v, str) for v in values):
        return tuple(str(v) for v in values)
    return ()


# --- attributes ---------------------------------------------------------------------------


class Attribute:
    """One attribute (column) definition, as Sequelize's `attributeToSQL` sees it."""

    def __init__(self, key: str, value: Value, node: Node) -> None:
        self.node = node
        if isinstance(value, DataType):
            self.obj: Obj | None = None
            self.type: Value = value
            self.type_node = node
        elif isinstance(value, Obj):
            self.obj = value
            self.type = value.get("type")
            self.type_node = value.nodes.get("type", node)
        else:
            raise Unstatic(node, _why(value, f"the definition of `{key}`", "an object"))
        field = self.get("field")
        self.column = field if isinstance(field, str) else key
        self.key = key

    def get(self, key: str) -> Value:
        return self.obj.get(key) if self.obj is not None else None

    def has(self, key: str) -> bool:
        return self.obj is not None and key in self.obj.items

    def node_of(self, key: str) -> Node:
        return self.obj.nodes.get(key, self.node) if self.obj is not None else self.node


def enum_name(table: Table, column: str, with_schema: bool = True) -> str:
    name = quote(f"enum_{table.name}_{column}")
    schema = table.schema or "public"
    return f"{quote(schema)}.{name}" if with_schema else name


def enum_block(sql: Sql, table: Table, attribute: Attribute) -> bool:
    """Sequelize's `DO` block creating an attribute's ENUM type (False: not an ENUM)."""
    values = enum_values(attribute.type, attribute.obj)
    if values is None:
        return False
    if not values:
        raise Unstatic(attribute.type_node, "the values of this ENUM cannot be known statically")
    listed = ", ".join(literal(v) for v in values)
    inner = (
        f"BEGIN CREATE TYPE {enum_name(table, attribute.column)} AS ENUM({listed}); "
        "EXCEPTION WHEN duplicate_object THEN null; END"
    )
    start = sql.size
    sql.add(f"DO {literal(inner)};")
    sql.mark(start, attribute.type_node)
    return True


def attribute_sql(
    sql: Sql, table: Table, attribute: Attribute, context: str
) -> tuple[bool, str | None]:
    """Add an attribute's definition (after its name) as `attributeToSQL` and
    `dataTypeMapping` write it; returns whether it is part of the primary key, and the column
    comment (createTable and addColumn add it as a COMMENT statement)."""
    is_enum = enum_values(attribute.type, attribute.obj) is not None
    name = enum_name(table, attribute.column) if is_enum else None
    type_text = type_sql(attribute.type, attribute.type_node, name)
    auto = attribute.get("autoIncrement") is True
    identity = auto and attribute.get("autoIncrementIdentity") is True
    not_null = attribute.has("allowNull") and not attribute.get("allowNull")
    if auto and not identity:  # (dataTypeMapping: SERIAL replaces the type and NOT NULL)
        type_text = {"BIGINT": "BIGSERIAL", "SMALLINT": "SMALLSERIAL"}.get(type_text, "SERIAL")
        not_null = False
    sql.add(type_text, attribute.type_node)
    if not_null:
        sql.add(" NOT NULL", attribute.node_of("allowNull"))
    if identity:
        sql.add(" GENERATED BY DEFAULT AS IDENTITY", attribute.node_of("autoIncrement"))
    if attribute.has("defaultValue"):
        default = default_sql(attribute.get("defaultValue"), attribute, type_text)
        if default is not None:
            sql.add(f" DEFAULT {default}", attribute.node_of("defaultValue"))
    if attribute.get("unique") is True:
        sql.add(" UNIQUE", attribute.node_of("unique"))
    primary = attribute.get("primaryKey") is True
    references = attribute.get("references")
    if references is not None:
        sql.add(" " + references_sql(references, attribute), attribute.node_of("references"))
    comment = attribute.get("comment")
    return primary, comment if isinstance(comment, str) and comment else None


def references_sql(references: Value, attribute: Attribute) -> str:
    node = attribute.node_of("references")
    if not isinstance(references, Obj):
        raise Unstatic(node, _why(references, "`references`", "an object"))
    model = references.get("model")
    if isinstance(model, str):
        target = quote(model)
    elif isinstance(model, Obj) and isinstance(model.get("tableName"), str):
        schema = model.get("schema")
        target = (f"{quote(schema)}." if isinstance(schema, str) else "") + quote(
            str(model.get("tableName"))
        )
    else:
        raise Unstatic(node, _why(model, "the referenced table", "a table name"))
    key = references.get("key") if "key" in references.items else "id"
    if not isinstance(key, str):
        raise Unstatic(node, _why(key, "the referenced column", "a string"))
    text = f"REFERENCES {target} ({quote(key)})"
    for option, clause in (("onDelete", "ON DELETE"), ("onUpdate", "ON UPDATE")):
        action = attribute.get(option)
        if isinstance(action, str) and action:
            text += f" {clause} {action.upper()}"
        elif action is not None:
            raise Unstatic(attribute.node_of(option), _why(action, f"`{option}`", "a string"))
    deferrable = references.get("deferrable")
    if deferrable is not None:
        text += " " + deferrable_sql(deferrable, references.nodes.get("deferrable", node))
    return text


_DEFERRABLE = {
    "Deferrable.INITIALLY_DEFERRED": "DEFERRABLE INITIALLY DEFERRED",
    "Deferrable.INITIALLY_IMMEDIATE": "DEFERRABLE INITIALLY IMMEDIATE",
    "Deferrable.NOT": "NOT DEFERRABLE",
}


def deferrable_sql(value: Value, node: Node) -> str:
    if isinstance(value, Helper) and value.name in _DEFERRABLE:
        return _DEFERRABLE[value.name]
    raise Unstatic(node, _why(value, "`deferrable`", "Sequelize.Deferrable.X"))


_NO_DEFAULT = frozenset(("NOW", "UUIDV1", "UUIDV4"))  # computed by Sequelize, not the database


def default_sql(value: Value, attribute: Attribute, type_text: str) -> str | None:
    """A default as Sequelize escapes it (None: no database default)."""
    node = attribute.node_of("defaultValue")
    if isinstance(value, Helper):
        if value.name in _NO_DEFAULT:
            return None
        if value.name == "literal" and value.args and isinstance(value.args[0], str):
            return value.args[0]
        if value.name == "fn" and value.args and isinstance(value.args[0], str):
            return f"{value.args[0]}({', '.join(_escape(a, node) for a in value.args[1:])})"
        raise Unstatic(node, "this default cannot be known statically")
    if isinstance(value, tuple):
        return f"ARRAY[{','.join(_escape(v, node) for v in value)}]::{type_text}"
    if isinstance(value, Obj) and type_text in ("JSON", "JSONB"):
        return literal(json.dumps(_plain(value, node), separators=(",", ":")))
    return _escape(value, node)


def _escape(value: Value, node: Node) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, Helper) and value.name == "literal" and value.args:
        return str(value.args[0])
    if isinstance(value, Helper) and value.name == "col" and value.args:
        return quote(str(value.args[0]))
    raise Unstatic(node, _why(value, "this value", "a literal"))


def _plain(value: Value, node: Node) -> object:
    if isinstance(value, Obj):
        return {k: _plain(v, node) for k, v in value.items.items()}
    if isinstance(value, tuple):
        return [_plain(v, node) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise Unstatic(node, _why(value, "this value", "a literal"))


def attributes_of(call: Call, index: int) -> list[Attribute]:
    value = call.arg(index)
    if not isinstance(value, Obj):
        raise Unstatic(call.node_of(index), _why(value, "the attributes", "an object"))
    return [Attribute(key, item, value.nodes[key]) for key, item in value.items.items()]


# --- the calls ----------------------------------------------------------------------------


def create_table(call: Call) -> list[Sql]:
    table = call.table(0)
    attributes = attributes_of(call, 1)
    options = call.options(2)
    queries = []
    for attribute in attributes:  # (ensureEnums: one query per ENUM, before the table)
        sql = Sql()
        if enum_block(sql, table, attribute):
            queries.append(sql)
    sql = Sql().add(f"CREATE TABLE IF NOT EXISTS {table.quoted()} (", table.node)
    comments = []
    primary = []
    for number, attribute in enumerate(attributes):
        start = sql.size
        sql.add((", " if number else "") + quote(attribute.column) + " ")
        is_primary, comment = attribute_sql(sql, table, attribute, "createTable")
        sql.mark(start, attribute.node.parent or attribute.node)
        if is_primary:
            primary.append(attribute)
        if comment is not None:
            comments.append((attribute, comment))
    if options is not None and isinstance(options.get("uniqueKeys"), Obj):
        for key, unique in options.get("uniqueKeys").items.items():  # type: ignore[union-attr]
            fields = unique.get("fields") if isinstance(unique, Obj) else None
            node = options.nodes.get("uniqueKeys", call.node)
            if not (isinstance(fields, tuple) and all(isinstance(f, str) for f in fields)):
                raise Unstatic(node, f"the fields of unique key {key!r} cannot be known")
            sql.add(f", UNIQUE ({', '.join(quote(str(f)) for f in fields)})", node)
    if primary:
        start = sql.size
        sql.add(f", PRIMARY KEY ({','.join(quote(a.column) for a in primary)})")
        sql.mark(start, primary[0].node_of("primaryKey"))
    sql.add(")")
    table_comment = options.get("comment") if options is not None else None
    if isinstance(table_comment, str) and table_comment:
        sql.add(f"; COMMENT ON TABLE {table.quoted()} IS {literal(table_comment)}")
    for attribute, comment in comments:
        sql.add(
            f"; COMMENT ON COLUMN {table.quoted()}.{quote(attribute.column)} IS {literal(comment)}",
            attribute.node_of("comment"),
        )
    sql.add(";")
    queries.append(sql)
    return queries


def add_column(call: Call) -> list[Sql]:
    table = call.table(0)
    key = call.string(1, "the column name")
    if len(call.values) < 3:
        raise Unstatic(call.node, "addColumn needs a table, a column name and a definition")
    attribute = Attribute(key, call.arg(2), call.node_of(2))
    sql = Sql()
    enum_block(sql, table, attribute)
    start = sql.size
    sql.add(f"ALTER TABLE {table.quoted(True)} ADD COLUMN ", table.node)
    sql.add(quote(key), call.node_of(1)).add(" ")
    _, comment = attribute_sql(sql, table, attribute, "addColumn")
    sql.add(";")
    sql.mark(start, call.node)
    if comment is not None:
        sql.add(
            f" COMMENT ON COLUMN {table.quoted()}.{quote(key)} IS {literal(comment)};",
            attribute.node_of("comment"),
        )
    return [sql]


def remove_column(call: Call) -> list[Sql]:
    table = call.table(0)
    column = call.string(1, "the column name")
    sql = Sql().add(f"ALTER TABLE {table.quoted(True)} DROP COLUMN ", table.node)
    return [sql.add(quote(column), call.node_of(1)).add(";")]


def change_column(call: Call) -> list[Sql]:
    table = call.table(0)
    column = call.string(1, "the column name")
    attribute = Attribute(column, call.arg(2), call.node_of(2))
    if attribute.obj is None:  # a bare type: normalizeAttribute makes it `allowNull: true`
        attribute.obj = Obj({"type": attribute.type, "allowNull": True}, {}, call.node_of(2))
    definition = Sql()
    attribute_sql(definition, table, attribute, "changeColumn")
    text = definition.text
    is_enum = enum_values(attribute.type, attribute.obj) is not None
    prefix = f"ALTER TABLE {table.quoted()} ALTER COLUMN "
    sql = Sql()
    name = quote(column)

    def alter(clause: str, node: Node | None, column_level: bool = True) -> None:
        head = prefix if column_level else f"ALTER TABLE {table.quoted()}  "
        sql.add(head).add(clause, node).add(";")

    if "NOT NULL" in text:
        alter(f"{name} SET NOT NULL", attribute.node_of("allowNull"))
        text = text.replace("NOT NULL", "", 1).strip()
    elif "REFERENCES" not in text:
        alter(f"{name} DROP NOT NULL", attribute.node_of("allowNull"))
    if "DEFAULT" in text:
        match = re.search(r"DEFAULT ([^;]+)", text)
        alter(
            f"{name} SET DEFAULT {match.group(1) if match else ''}",
            attribute.node_of("defaultValue"),
        )
        text = re.sub(r"(DEFAULT[^;]+)", "", text, count=1).strip()
    elif "REFERENCES" not in text:
        alter(f"{name} DROP DEFAULT", attribute.node_of("defaultValue"))
    if is_enum:
        enum_block(sql, table, attribute)
        text = re.sub(r"^\S+", enum_name(table, column, False), text, count=1)
        text += f" USING ({name}::{enum_name(table, column)})"
    if re.search(r"UNIQUE;*$", text):
        text = re.sub(r"UNIQUE;*$", "", text)
        alter(f"ADD UNIQUE ({name})", attribute.node_of("unique"), column_level=False)
    if "REFERENCES" in text:
        text = re.sub(r"^.+?(?=REFERENCES)", "", text, count=1)
        alter(f"ADD FOREIGN KEY ({name}) {text}", attribute.node_of("references"), False)
    else:
        alter(f"{name} TYPE {text}", attribute.type_node)
    return [sql]


def rename_column(call: Call) -> list[Sql]:
    table = call.table(0)
    before = call.string(1, "the column's name")
    after = call.string(2, "the column's new name")
    sql = Sql().add(f"ALTER TABLE {table.quoted()} RENAME COLUMN ", table.node)
    sql.add(quote(before), call.node_of(1)).add(" TO ").add(quote(after), call.node_of(2))
    return [sql.add(";")]


def rename_table(call: Call) -> list[Sql]:
    before = call.table(0)
    after = call.table(1)
    sql = Sql().add(f"ALTER TABLE {before.quoted()}", before.node)
    return [sql.add(" RENAME TO ").add(after.quoted(), after.node).add(";")]


def drop_table(call: Call) -> list[Sql]:
    table = call.table(0)
    options = call.options(1)
    cascade = " CASCADE" if options is not None and options.get("cascade") is True else ""
    return [Sql().add(f"DROP TABLE IF EXISTS {table.quoted()}", table.node).add(f"{cascade};")]


def underscore(name: str) -> str:
    """inflection's `underscore`, as Sequelize names indexes with it."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name)
    return name.replace("-", "_").lower()


def _fields(value: Value, node: Node, what: str) -> list[tuple[str, Obj | None]]:
    if not isinstance(value, tuple) or not value:
        raise Unstatic(node, _why(value, what, "a list of column names"))
    found: list[tuple[str, Obj | None]] = []
    for item in value:
        if isinstance(item, str):
            found.append((item, None))
        elif isinstance(item, Obj) and isinstance(item.get("name") or item.get("attribute"), str):
            found.append((str(item.get("name") or item.get("attribute")), item))
        else:
            raise Unstatic(node, _why(item, f"an item of {what}", "a column name"))
    return found


def add_index(call: Call) -> list[Sql]:
    table = call.table(0)
    second = call.arg(1)
    if isinstance(second, tuple):
        options = call.options(2) or Obj({}, {}, call.node)
        fields = _fields(second, call.node_of(1), "the index's fields")
        fields_node = call.node_of(1)
    else:
        options = call.options(1) or Obj({}, {}, call.node)
        fields_node = options.nodes.get("fields", call.node)
        fields = _fields(options.get("fields"), fields_node, "the index's fields")
    name = options.get("name")
    if name is None:
        prefix = re.sub(r"[\"']", "", table.name.replace(".", "_"))
        name = underscore(f"{prefix}_{'_'.join(f for f, _ in fields)}")
    elif not isinstance(name, str):
        raise Unstatic(options.nodes.get("name", call.node), _why(name, "the name", "a string"))
    unique = options.get("unique") is True or options.get("type") == "UNIQUE"
    sql = Sql().add("CREATE ")
    if unique:
        sql.add("UNIQUE ", options.nodes.get("unique"))
    sql.add("INDEX ")
    if options.get("concurrently") is True:
        sql.add("CONCURRENTLY ", options.nodes.get("concurrently"))
    sql.add(quote(name), options.nodes.get("name", call.node)).add(" ON ")
    sql.add(table.quoted(), table.node)
    using = options.get("using")
    if isinstance(using, str):
        sql.add(f" USING {using}", options.nodes.get("using"))
    parts = []
    for field, spec in fields:
        text = quote(field)
        if spec is not None:
            for key, before in (("collate", " COLLATE "), ("operator", " "), ("order", " ")):
                extra = spec.get(key)
                if isinstance(extra, str):
                    text += before + (quote(extra) if key == "collate" else extra)
        operator = options.get("operator")
        if spec is None and isinstance(operator, str):
            text += " " + operator
        parts.append(text)
    sql.add(f" ({', '.join(parts)})", fields_node)
    where = options.get("where")
    if where is not None:
        sql.add(" WHERE " + where_sql(where, options.nodes.get("where", call.node)))
        sql.mark(sql.size - 1, options.nodes.get("where"))
    return [sql]


def where_sql(value: Value, node: Node) -> str:
    """A `where` object as Sequelize writes it, for the simple forms: `{ col: value }`,
    `{ col: null }`, `{ col: { [Op.ne]: null } }` and `Sequelize.literal('...')`."""
    if isinstance(value, Helper) and value.name == "literal" and value.args:
        return str(value.args[0])
    if not isinstance(value, Obj) or not value.items:
        raise Unstatic(node, _why(value, "the `where`", "a simple object"))
    clauses = []
    for key, item in value.items.items():
        if item is None:
            clauses.append(f"{quote(key)} IS NULL")
        elif isinstance(item, (str, int, float, bool)):
            clauses.append(f"{quote(key)} = {_escape(item, node)}")
        else:
            raise Unstatic(node, "this `where` cannot be known statically (operators)")
    return " AND ".join(clauses)


def remove_index(call: Call) -> list[Sql]:
    table = call.table(0)
    second = call.arg(1)
    if isinstance(second, str):
        name = second
    else:
        fields = _fields(second, call.node_of(1), "the index")
        name = underscore(f"{table.name}_{'_'.join(f for f, _ in fields)}")
    options = call.options(2)
    sql = Sql().add("DROP INDEX ")
    if options is not None and options.get("concurrently") is True:
        sql.add("CONCURRENTLY ", options.nodes.get("concurrently"))
    return [sql.add("IF EXISTS ").add(".".join(quote(p) for p in name.split(".")), call.node_of(1))]


def add_constraint(call: Call) -> list[Sql]:
    table = call.table(0)
    options = call.options(1)
    if options is None:
        raise Unstatic(call.node, "addConstraint needs its options")
    kind = options.get("type")
    if not isinstance(kind, str):
        raise Unstatic(options.nodes.get("type", call.node), _why(kind, "the type", "a string"))
    fields_node = options.nodes.get("fields", call.node)
    fields = [f for f, _ in _fields(options.get("fields"), fields_node, "the fields")]
    quoted = [quote(f) for f in fields]
    # (Sequelize joins the quoted names, then quoting the whole removes their quotes)
    prefix = f"{table.name}_{'_'.join(fields)}"
    name = options.get("name")
    if name is not None and not isinstance(name, str):
        raise Unstatic(options.nodes.get("name", call.node), _why(name, "the name", "a string"))
    upper = kind.upper()
    sql = Sql().add(f"ALTER TABLE {table.quoted()} ADD ", table.node)
    start = sql.size
    if upper == "UNIQUE":
        sql.add(f"CONSTRAINT {quote(name or prefix + '_uk')} UNIQUE ({', '.join(quoted)})")
    elif upper == "CHECK":
        where = where_check(options.get("where"), options.nodes.get("where", call.node))
        sql.add(f"CONSTRAINT {quote(name or prefix + '_ck')} CHECK ({where})")
    elif upper == "PRIMARY KEY":
        sql.add(f"CONSTRAINT {quote(name or prefix + '_pk')} PRIMARY KEY ({', '.join(quoted)})")
    elif upper == "FOREIGN KEY":
        references = options.get("references")
        ref_node = options.nodes.get("references", call.node)
        if not isinstance(references, Obj):
            raise Unstatic(ref_node, _why(references, "`references`", "an object"))
        target = references.get("table")
        if isinstance(target, str):
            target_sql, target_name = quote(target), target
        elif isinstance(target, Obj) and isinstance(target.get("tableName"), str):
            schema = target.get("schema")
            target_name = str(target.get("tableName"))
            target_sql = (f"{quote(schema)}." if isinstance(schema, str) else "") + quote(
                target_name
            )
        else:
            raise Unstatic(ref_node, _why(target, "the referenced table", "a table name"))
        columns = (
            references.get("fields") if "fields" in references.items else (references.get("field"),)
        )
        keys = [c for c, _ in _fields(columns, ref_node, "the referenced columns")]
        default_name = f"{prefix}_{target_name}_fk"
        sql.add(
            f"CONSTRAINT {quote(name or default_name)} FOREIGN KEY ({', '.join(quoted)}) "
            f"REFERENCES {target_sql} ({', '.join(quote(k) for k in keys)})"
        )
        for option, clause in (("onUpdate", "ON UPDATE"), ("onDelete", "ON DELETE")):
            action = options.get(option)
            if isinstance(action, str):
                sql.add(f" {clause} {action.upper()}", options.nodes.get(option))
    else:
        raise Unstatic(options.nodes.get("type", call.node), f"constraint type {kind!r} is unknown")
    sql.mark(start, call.node)
    deferrable = options.get("deferrable")
    if deferrable is not None and upper in ("UNIQUE", "PRIMARY KEY", "FOREIGN KEY"):
        sql.add(" " + deferrable_sql(deferrable, options.nodes.get("deferrable", call.node)))
    return [sql.add(";")]


_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "ne": "!=", "eq": "="}


def where_check(value: Value, node: Node) -> str:
    """A CHECK's `where`: simple equalities, or `Sequelize.literal`. (Operators such as
    `[Op.gt]` are computed keys, which cannot be known statically.)"""
    return where_sql(value, node)


def remove_constraint(call: Call) -> list[Sql]:
    table = call.table(0)
    name = call.string(1, "the constraint's name")
    sql = Sql().add(f"ALTER TABLE {table.quoted()} DROP CONSTRAINT ", table.node)
    return [sql.add(quote(name), call.node_of(1))]


def bulk_insert(call: Call) -> list[Sql]:
    table = call.table(0)
    return [Sql().add(f"INSERT INTO {table.quoted()} DEFAULT VALUES;", table.node)]


def bulk_update(call: Call) -> list[Sql]:
    table = call.table(0)
    values = call.arg(1)
    columns = list(values.items) if isinstance(values, Obj) and values.items else None
    if columns is None:
        raise Unstatic(call.node_of(1), _why(values, "the values", "an object"))
    assignments = ", ".join(f"{quote(c)} = NULL" for c in columns)
    return [Sql().add(f"UPDATE {table.quoted()} SET {assignments};", table.node)]


def bulk_delete(call: Call) -> list[Sql]:
    table = call.table(0)
    return [Sql().add(f"DELETE FROM {table.quoted()};", table.node)]


CALLS: dict[str, Callable[[Call], list[Sql]]] = {
    "createTable": create_table,
    "addColumn": add_column,
    "removeColumn": remove_column,
    "changeColumn": change_column,
    "renameColumn": rename_column,
    "renameTable": rename_table,
    "dropTable": drop_table,
    "addIndex": add_index,
    "removeIndex": remove_index,
    "addConstraint": add_constraint,
    "removeConstraint": remove_constraint,
    "bulkInsert": bulk_insert,
    "bulkUpdate": bulk_update,
    "bulkDelete": bulk_delete,
}

# Where each call takes its options (`{ transaction }`); addIndex: after its fields, if given.
OPTIONS_AT = {
    "createTable": 2,
    "addColumn": 3,
    "removeColumn": 2,
    "changeColumn": 3,
    "renameColumn": 3,
    "renameTable": 2,
    "dropTable": 1,
    "addIndex": 2,
    "removeIndex": 2,
    "addConstraint": 1,
    "removeConstraint": 2,
    "bulkInsert": 2,
    "bulkUpdate": 3,
    "bulkDelete": 2,
    "query": 1,
}
