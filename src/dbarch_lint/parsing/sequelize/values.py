"""What a JavaScript expression of a migration is, when it can be known without running it.

A migration's arguments are mostly literals (`'users'`, `{ type: Sequelize.STRING, allowNull:
false }`), `const` names bound to literals, and Sequelize's data types and helpers
(`Sequelize.STRING(50)`, `DataTypes.ENUM('a', 'b')`, `Sequelize.fn('now')`,
`Sequelize.literal('...')`). Anything else (a call of the project's own helper, a variable
that changes, a template literal with substitutions) is `Unknown`: the caller says so (DBA002)
rather than guess.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from tree_sitter import Node


@dataclass(frozen=True)
class Unknown:
    """An expression whose value cannot be known statically (`node`: where it is)."""

    node: Node
    why: str = "its value is computed"


@dataclass(frozen=True)
class DataType:
    """A Sequelize data type: `Sequelize.STRING`, `DataTypes.DECIMAL(10, 2)`, `ARRAY(INTEGER)`;
    `flags` are the modifiers chained after it (`UNSIGNED`, `BINARY`)."""

    name: str
    args: tuple[Value, ...] = ()
    flags: tuple[str, ...] = ()
    called: bool = False
    node: Node | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Helper:
    """`Sequelize.fn(...)`, `Sequelize.literal(...)`, `Sequelize.col(...)`, `Sequelize.NOW`,
    `Sequelize.UUIDV4`, `Sequelize.Deferrable.X`, `Sequelize.Op.x`: Sequelize's own values."""

    name: str
    args: tuple[Value, ...] = ()


@dataclass(frozen=True)
class Obj:
    """An object literal: its keys (as written) and values; `nodes`: where each value is."""

    items: Mapping[str, Value]
    nodes: Mapping[str, Node]
    node: Node

    def get(self, key: str) -> Value | None:
        return self.items.get(key)


Value = str | int | float | bool | None | Unknown | DataType | Helper | Obj | tuple["Value", ...]
_UNDEFINED = None

# Sequelize's types (DataTypes.X); anything else on Sequelize/DataTypes is a helper or unknown.
TYPE_NAMES = frozenset(
    (
        "STRING",
        "CHAR",
        "TEXT",
        "CITEXT",
        "TINYINT",
        "SMALLINT",
        "MEDIUMINT",
        "INTEGER",
        "BIGINT",
        "FLOAT",
        "REAL",
        "DOUBLE",
        "DECIMAL",
        "NUMERIC",
        "BOOLEAN",
        "TIME",
        "DATE",
        "DATEONLY",
        "HSTORE",
        "JSON",
        "JSONB",
        "BLOB",
        "RANGE",
        "UUID",
        "INET",
        "CIDR",
        "MACADDR",
        "ENUM",
        "ARRAY",
        "GEOMETRY",
        "GEOGRAPHY",
        "TSVECTOR",
        "VIRTUAL",
    )
)
HELPERS = frozenset(("fn", "literal", "col", "cast", "NOW", "UUIDV1", "UUIDV4", "Deferrable"))


class Scope:
    """Evaluates expressions of one file: `namespaces` are the names that hold Sequelize's
    types (`Sequelize`, `DataTypes`, and what the file imports them as), `constants` the
    file's `const` names bound to values known statically."""

    def __init__(self, data: bytes, namespaces: set[str], constants: dict[str, Value]) -> None:
        self.data = data
        self.namespaces = namespaces
        self.constants = constants

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def value(self, node: Node | None) -> Value:
        if node is None:
            return _UNDEFINED
        kind = node.type
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self.value(node.named_children[0])
        if kind in ("as_expression", "satisfies_expression", "non_null_expression"):
            return self.value(node.named_children[0])
        if kind == "string":
            return self.string(node)
        if kind == "template_string":
            if any(c.type == "template_substitution" for c in node.named_children):
                return Unknown(node, "it is a template literal with substitutions")
            return self.string(node)
        if kind == "number":
            return _number(self.text(node))
        if kind == "true":
            return True
        if kind == "false":
            return False
        if kind in ("null", "undefined"):
            return None
        if kind == "unary_expression" and self.text(node).startswith("-"):
            inner = self.value(node.named_children[0])
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner
            return Unknown(node)
        if kind == "identifier":
            name = self.text(node)
            if name == "undefined":
                return None
            if name in self.constants:
                return self.constants[name]
            if name in TYPE_NAMES and name in self.namespaces:  # const { STRING } = DataTypes
                return DataType(name, node=node)
            return Unknown(node, f"`{name}` is a variable")
        if kind == "array":
            return tuple(self.value(c) for c in node.named_children if c.type != "comment")
        if kind == "object":
            return self.object(node)
        if kind == "member_expression":
            return self.member(node)
        if kind == "call_expression":
            return self.call(node)
        if kind == "new_expression":
            return Unknown(node, "it is an object built at run time")
        return Unknown(node)

    def string(self, node: Node) -> str | Unknown:
        raw = self.text(node)
        if node.type == "template_string":
            body = raw[1:-1]
            if "\\" not in body:
                return body
            raw = '"' + body.replace('"', '\\"') + '"'
        elif raw.startswith("'"):
            raw = '"' + raw[1:-1].replace('\\"', '"').replace('"', '\\"').replace("\\'", "'") + '"'
        try:
            value = json.loads(raw)
        except ValueError:
            return Unknown(node, "it has escapes this tool does not read")
        return value if isinstance(value, str) else Unknown(node)

    def object(self, node: Node) -> Obj | Unknown:
        items: dict[str, Value] = {}
        nodes: dict[str, Node] = {}
        for child in node.named_children:
            if child.type == "comment":
                continue
            if child.type == "shorthand_property_identifier":
                key = self.text(child)
                items[key] = self.constants.get(key, Unknown(child, f"`{key}` is a variable"))
                nodes[key] = child
                continue
            if child.type != "pair":
                return Unknown(child, "it spreads or computes part of an object")
            key_node = child.child_by_field_name("key")
            value_node = child.child_by_field_name("value")
            if key_node is None or value_node is None:
                return Unknown(child)
            if key_node.type in ("property_identifier", "number"):
                key = self.text(key_node)
            elif key_node.type == "string":
                found = self.string(key_node)
                if isinstance(found, Unknown):
                    return found
                key = found
            else:
                return Unknown(key_node, "it computes a key")
            items[key] = self.value(value_node)
            nodes[key] = value_node
        return Obj(items, nodes, node)

    def member(self, node: Node) -> Value:
        target = node.child_by_field_name("object")
        prop = node.child_by_field_name("property")
        if target is None or prop is None:
            return Unknown(node)
        name = self.text(prop)
        if _is_namespace(target, self) or (  # (`Sequelize.DataTypes.STRING`)
            target.type == "member_expression"
            and self.text(target).rpartition(".")[2] == "DataTypes"
            and _is_namespace(target.child_by_field_name("object"), self)
        ):
            if name in TYPE_NAMES:
                return DataType(name, node=node)
            if name in HELPERS:
                return Helper(name)
            return Unknown(node, f"`{self.text(node)}` is not a Sequelize type this tool knows")
        base = self.value(target)
        if isinstance(base, DataType) and name.isupper():  # INTEGER.UNSIGNED, STRING.BINARY
            return DataType(base.name, base.args, (*base.flags, name), base.called, node)
        if isinstance(base, Helper) and base.name == "Deferrable":
            return Helper("Deferrable." + name)
        if isinstance(base, Obj) and name in base.items:
            return base.items[name]
        return Unknown(node)

    def call(self, node: Node) -> Value:
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or arguments is None:
            return Unknown(node)
        args = tuple(self.value(a) for a in arguments.named_children if a.type != "comment")
        callee = self.value(function)
        if isinstance(callee, DataType) and not callee.called:
            return DataType(callee.name, args, callee.flags, True, node)
        if isinstance(callee, Helper) and callee.name in ("fn", "literal", "col", "cast"):
            return Helper(callee.name, args)
        if isinstance(callee, Helper) and callee.name.startswith("Deferrable."):
            return Helper(callee.name, args)
        return Unknown(node, f"`{self.text(function)}(...)` is computed when the migration runs")


def _is_namespace(node: Node | None, scope: Scope) -> bool:
    return node is not None and node.type == "identifier" and scope.text(node) in scope.namespaces


def _number(text: str) -> int | float:
    cleaned = text.replace("_", "")
    try:
        return int(cleaned, 0)
    except ValueError:
        try:
            return float(cleaned)
        except ValueError:
            return float("nan")


def first_unknown(value: Value) -> Unknown | None:
    """The first part of `value` that cannot be known, if any."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, tuple):
        return next((u for v in value if (u := first_unknown(v)) is not None), None)
    if isinstance(value, Obj):
        return next((u for v in value.items.values() if (u := first_unknown(v)) is not None), None)
    if isinstance(value, (DataType, Helper)):
        return next((u for v in value.args if (u := first_unknown(v)) is not None), None)
    return None
