"""The Sequelize parser: a JavaScript or TypeScript migration to IR statements.

tree-sitter parses the file (no Node.js at lint time). The `up` and `down` functions are walked
in order; each `queryInterface` call becomes the SQL Sequelize sends for it (`calls.py`), which
the PostgreSQL parser lowers, every position mapped back to the JavaScript that made it.
`sequelize.query('...')` is SQL as written. A call whose arguments cannot be known statically,
or that runs in a loop, a condition or a helper function, is DBA002 at the call.

Transactions as Sequelize runs them: none, unless the migration opens one
(`queryInterface.sequelize.transaction(...)`); each call's query string is sent on its own (its
statements, if several, run as PostgreSQL's implicit transaction). Inside a transaction, a call
without `{ transaction: t }` in its options runs outside it, on another connection (DBA606).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

import msgspec
from tree_sitter import Language, Node, Parser

from dbarch_lint.model.ir import (
    Comment,
    CreateTable,
    Diagnostic,
    ParsedFile,
    Span,
    Statement,
    Transaction,
)
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.parser import parse_postgres
from dbarch_lint.parsing.sequelize.calls import CALLS, OPTIONS_AT, Call, Unstatic
from dbarch_lint.parsing.sequelize.sql import Sql
from dbarch_lint.parsing.sequelize.values import Obj, Scope, Unknown, Value

EXTENSIONS = (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts")


@cache
def _parser(typescript: bool) -> Parser:
    if typescript:
        import tree_sitter_typescript

        return Parser(Language(tree_sitter_typescript.language_typescript()))
    import tree_sitter_javascript

    return Parser(Language(tree_sitter_javascript.language()))


def parse_sequelize(source: SourceFile) -> ParsedFile:
    """Parse one migration file into statements, diagnostics and suppression comments."""
    return _walk(source).result()


def sql_sent(source: SourceFile) -> list[str]:
    """The query strings the `up` of a migration sends, as this tool lowers them (the tests
    compare them with what Sequelize logs)."""
    walker = _walk(source)
    return walker.sent[: walker.up_sent]


def _walk(source: SourceFile) -> _Walker:
    path = source.path.lower()
    data = source.data
    tree = _parser(path.endswith((".ts", ".cts", ".mts"))).parse(data)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        what = "missing " + bad.type if bad.is_missing else "unexpected text"
        message = f"JavaScript syntax error ({what}): Sequelize could not load this migration"
        walker = _Walker(source, Scope(data, set(), {}))
        walker.diagnostics.append(Diagnostic("DBA001", message, Span.at(bad.start_byte, "word")))
        return walker
    walker = _Walker(source, _scope(root, data))
    walker.comments = _comments(root, data)
    found = _migration_functions(root, data)
    if "up" not in found:
        walker.unknown(root, "no `up` function found: this file is not linted")
    for name in ("up", "down"):
        function = found.get(name)
        if function is None:
            continue
        if name == "down" and "up" in found and function.start_byte < found["up"].start_byte:
            walker.unknown(function, "`down` comes before `up`: it is not linted")
            continue
        if name == "down":
            walker.down_start = function.start_byte
            walker.up_sent = len(walker.sent)
        walker.transaction = None
        walker.function(function)
    return walker


def _first_error(node: Node) -> Node:
    for child in node.children:
        if child.is_error or child.is_missing:
            return child
        if child.has_error:
            return _first_error(child)
    return node


def _text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _scope(root: Node, data: bytes) -> Scope:
    """The file's names for Sequelize's types, and its `const` names bound to literals."""
    namespaces = {"Sequelize", "DataTypes"}
    constants: dict[str, Value] = {}
    scope = Scope(data, namespaces, constants)
    for node in _descendants(root):
        if node.type == "import_statement" and "sequelize" in _text(data, node):
            for spec in _descendants(node):
                if spec.type in ("identifier",):
                    namespaces.add(_text(data, spec))
        elif node.type == "variable_declarator":
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name is None or value is None:
                continue
            value_text = _text(data, value)
            if "require(" in value_text and "sequelize" in value_text:
                namespaces.update(
                    _text(data, n)
                    for n in _descendants(name)
                    if n.type in ("identifier", "shorthand_property_identifier_pattern")
                )
                continue
            declaration = node.parent
            if (
                name.type == "identifier"
                and declaration is not None
                and declaration.type == "lexical_declaration"
                and _text(data, declaration).startswith("const")
            ):
                known = scope.value(value)
                if not isinstance(known, Unknown):
                    constants[_text(data, name)] = known
    for function in _migration_functions(root, data).values():
        parameters = _parameters(function, data)
        if len(parameters) > 1:
            namespaces.add(parameters[1])
    return scope


def _descendants(node: Node) -> list[Node]:
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(current.named_children))
    return found


_FUNCTIONS = ("function_expression", "arrow_function", "function", "function_declaration")


def _migration_functions(root: Node, data: bytes) -> dict[str, Node]:
    """The `up` and `down` functions, however the module exports them."""
    found: dict[str, Node] = {}
    for node in _descendants(root):
        name: str | None = None
        function: Node | None = None
        if node.type == "method_definition":
            key = node.child_by_field_name("name")
            name, function = (_text(data, key) if key else None), node
        elif node.type == "pair":
            key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
            if key is not None and value is not None and value.type in _FUNCTIONS:
                name, function = _text(data, key).strip("'\""), value
        elif node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and right.type in _FUNCTIONS:
                name, function = _text(data, left).rsplit(".", 1)[-1], right
        elif node.type == "function_declaration" and node.parent is not None:
            key = node.child_by_field_name("name")
            if key is not None and node.parent.type in ("export_statement", "program"):
                name, function = _text(data, key), node
        elif node.type == "variable_declarator":
            key, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if key is not None and value is not None and value.type in _FUNCTIONS:
                name, function = _text(data, key), value
        if name in ("up", "down") and function is not None and name not in found:
            found[name] = function
    return found


def _parameters(function: Node, data: bytes) -> list[str]:
    parameters = function.child_by_field_name("parameters")
    if parameters is None:
        single = function.child_by_field_name("parameter")
        return [_text(data, single)] if single is not None else []
    names = []
    for child in parameters.named_children:
        direct = child.type in ("identifier", "object_pattern")
        pattern = child if direct else child.child_by_field_name("pattern")
        if pattern is not None and pattern.type == "object_pattern":
            # umzug 3: `async up({ context: queryInterface })`
            names.append(_context_name(pattern, data))
            continue
        names.append(_text(data, pattern) if pattern is not None else "")
    return names


def _context_name(pattern: Node, data: bytes) -> str:
    for pair in pattern.named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if (
            pair.type == "pair_pattern"
            and key is not None
            and value is not None
            and _text(data, key) == "context"
            and value.type == "identifier"
        ):
            return _text(data, value)
    return ""


def _comments(root: Node, data: bytes) -> tuple[Comment, ...]:
    comments = []
    lowered = data.lower()
    if b"noqa" not in lowered and b"dbarch-l" not in lowered:
        return ()
    for node in _descendants(root):
        if node.type != "comment":
            continue
        text = _text(data, node)
        lower = text.lower()
        if "noqa" not in lower and "dbarch-lint" not in lower:
            continue
        line_start = max(data.rfind(b"\n", 0, node.start_byte), -1) + 1
        own_line = not data[line_start : node.start_byte].strip()
        comments.append(Comment(Span(node.start_byte, node.end_byte), text, own_line))
    return tuple(comments)


_LOOPS = frozenset(("for_statement", "for_in_statement", "while_statement", "do_statement"))
_CONDITIONS = frozenset(("if_statement", "switch_statement", "ternary_expression", "catch_clause"))


@dataclass
class _Walker:
    source: SourceFile
    scope: Scope
    statements: list[Statement] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    qi: str = "queryInterface"
    transaction: str | None = None  # the name of the open transaction, if one is
    down_start: int | None = None
    comments: tuple[Comment, ...] = ()
    sent: list[str] = field(default_factory=list)  # each query string, in order
    up_sent: int | None = None  # how many of them `up` sends (None: all)

    def unknown(self, node: Node, why: str) -> None:
        self.diagnostics.append(
            Diagnostic(
                "DBA002",
                f"Cannot lint this statically: {why}",
                Span(node.start_byte, min(node.end_byte, _line_end(self.source.data, node))),
                "check it by hand, or write it with literal arguments at the top level of the "
                "migration",
            )
        )

    def result(self) -> ParsedFile:
        return ParsedFile(
            tuple(self.statements),
            tuple(self.diagnostics),
            self.comments,
            down_offset=self.down_start,
        )

    def function(self, function: Node) -> None:
        parameters = _parameters(function, self.scope.data)
        body = function.child_by_field_name("body")
        if not parameters or not parameters[0].isidentifier():
            if body is not None and any(n.type == "call_expression" for n in _descendants(body)):
                self.unknown(function, "the migration does not name its queryInterface parameter")
            return
        self.qi = parameters[0]
        if body is not None:
            self.walk(body, "")

    def walk(self, node: Node, context: str) -> None:
        """Lower the calls below `node` in source order; `context` says why they may not run
        as written (inside a loop, a condition or a function of the file's own)."""
        if node.type == "call_expression" and self.call(node, context):
            return
        for child in node.named_children:
            inner = context
            if child.type in _LOOPS:
                inner = inner or "it runs in a loop"
            elif child.type in _CONDITIONS:
                inner = inner or "it runs only under a condition"
            elif child.type in _FUNCTIONS and node.type != "arguments":
                inner = inner or "it is in a function of the migration's own"
            self.walk(child, inner)

    def callee(self, node: Node) -> tuple[str, str] | None:
        """`("qi", method)` for `queryInterface.method(...)`, `("sequelize", method)` for
        `queryInterface.sequelize.method(...)`, `("tx", method)` on the open transaction."""
        function = node.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return None
        target = function.child_by_field_name("object")
        prop = function.child_by_field_name("property")
        if target is None or prop is None:
            return None
        method = _text(self.scope.data, prop)
        owner = _text(self.scope.data, target)
        if owner == self.qi:
            return "qi", method
        if owner == f"{self.qi}.sequelize":
            return "sequelize", method
        if self.transaction is not None and owner == self.transaction:
            return "tx", method
        return None

    def call(self, node: Node, context: str) -> bool:
        """Lower a call if it is one of Sequelize's (True: its arguments are done with)."""
        found = self.callee(node)
        arguments = node.child_by_field_name("arguments")
        if found is None or arguments is None:
            if arguments is not None and any(
                _text(self.scope.data, a) == self.qi for a in arguments.named_children
            ):
                self.unknown(node, "it passes queryInterface to a function of its own")
                return True
            return False
        owner, method = found
        args = [a for a in arguments.named_children if a.type != "comment"]
        if owner == "sequelize" and method == "transaction":
            return self.transaction_call(node, args, context)
        if owner == "tx":
            # (a rollback in a `catch`, or under a condition, is not the migration's way)
            if method in ("commit", "rollback") and not context:
                self.synthetic(node, "commit" if method == "commit" else "rollback")
                self.transaction = None
            return True
        if context:
            self.unknown(node, context)
            return True
        if owner == "sequelize" and method == "query":
            self.query(node, args)
            return True
        lower = CALLS.get(method) if owner == "qi" else None
        if lower is None:
            self.unknown(node, f"`{method}` is not a queryInterface call this tool models")
            return True
        values = [self.scope.value(a) for a in args]
        try:
            queries = lower(Call(method, node, args, values))
        except Unstatic as problem:
            self.unknown(problem.node, problem.why)
            return True
        self.emit(node, queries, self.in_transaction(method, args, values))
        return True

    def in_transaction(self, method: str, args: list[Node], values: list[Value]) -> bool:
        at = OPTIONS_AT.get(method, len(values) - 1)
        if method == "addIndex" and len(values) > 1 and isinstance(values[1], Obj):
            at = 1
        options = values[at] if at < len(values) else None
        if not isinstance(options, Obj) or "transaction" not in options.items:
            return False
        node = options.nodes["transaction"]
        return _text(self.scope.data, node) == self.transaction

    def transaction_call(self, node: Node, args: list[Node], context: str) -> bool:
        callback = next((a for a in args if a.type in _FUNCTIONS), None)
        if callback is None:  # an unmanaged transaction: `const t = await ...transaction()`
            holder = node.parent
            while holder is not None and holder.type not in ("variable_declarator", "program"):
                holder = holder.parent
            name = holder.child_by_field_name("name") if holder is not None else None
            if name is None or context:
                self.unknown(node, context or "the transaction is not kept in a variable")
                return True
            self.synthetic(node, "begin")
            self.transaction = _text(self.scope.data, name)
            return True
        names = _parameters(callback, self.scope.data)
        outer = self.transaction
        self.transaction = names[0] if names else None
        self.synthetic(node, "begin")
        body = callback.child_by_field_name("body")
        if body is not None:
            self.walk(body, context)
        self.synthetic(node, "commit", at_end=True)
        self.transaction = outer
        return True

    def synthetic(
        self, node: Node, kind: str, at_end: bool = False, statement: str = "TransactionStmt"
    ) -> None:
        """A transaction statement Sequelize sends for the migration (BEGIN, COMMIT)."""
        end = node.end_byte
        span = Span(end - 1, end) if at_end else Span(node.start_byte, _call_head_end(node))
        index = len(self.statements)
        self.statements.append(Statement(index, span, statement, (Transaction(span, kind),)))

    def query(self, node: Node, args: list[Node]) -> None:
        if not args:
            self.unknown(node, "sequelize.query has no SQL")
            return
        value = self.scope.value(args[0])
        if not isinstance(value, str):
            self.unknown(args[0], "the SQL is computed")
            return
        sql = Sql().add(value)
        first = args[0]
        raw = _text(self.scope.data, first)
        if raw[1:-1] == value:
            sql.verbatim = first.start_byte + 1
        else:
            sql.marks.append((0, sql.size, first.start_byte, first.end_byte))
        values = [self.scope.value(a) for a in args]
        self.emit(node, [sql], self.in_transaction("query", args, values))

    def emit(self, node: Node, queries: list[Sql], in_transaction: bool) -> None:
        """The statements of `queries` (each a string Sequelize sends), mapped to `node`."""
        whole = Span(node.start_byte, _call_head_end(node))
        # A call not awaited may run after the transaction ends, on a connection of its own.
        awaited = node.parent is None or node.parent.type != "expression_statement"
        outside = self.transaction is not None and not (in_transaction and awaited)
        if outside:  # (DBA606: Sequelize sends it on a connection of its own)
            self.synthetic(node, "commit", statement="SequelizeDetached")
        for sql in queries:
            self.sent.append(sql.text)
            parsed = parse_postgres(SourceFile(self.source.path, sql.text))
            several = sum(not s.within for s in parsed.statements) > 1
            implicit = several and (self.transaction is None or outside)
            if implicit:
                self.synthetic(node, "begin")
            first = len(self.statements)
            for statement in parsed.statements:
                mapped = _remap(statement, sql, whole)
                # (raw SQL: the statement where it is written; generated: the call)
                span = mapped.span if sql.verbatim is not None else whole
                if sql.verbatim is None:
                    mapped = _meant_to_create(mapped)
                self.statements.append(
                    msgspec.structs.replace(mapped, index=first + statement.index, span=span)
                )
            for diagnostic in parsed.diagnostics:
                self.diagnostics.append(_remap(diagnostic, sql, whole))
            if implicit:
                self.synthetic(node, "commit")
        if outside:
            self.synthetic(node, "begin")


def _meant_to_create(statement: Statement) -> Statement:
    """Sequelize writes `CREATE TABLE IF NOT EXISTS` for every `createTable`: the migration
    means to create the table, not to retrofit one that older installs may have (RULES.md's
    reading of a hand-written IF NOT EXISTS), so it is read as a plain CREATE TABLE."""
    if not any(isinstance(e, CreateTable) and e.if_not_exists for e in statement.events):
        return statement
    events = tuple(
        msgspec.structs.replace(e, if_not_exists=False) if isinstance(e, CreateTable) else e
        for e in statement.events
    )
    return msgspec.structs.replace(statement, events=events)


def _line_end(data: bytes, node: Node) -> int:
    end = data.find(b"\n", node.start_byte)
    return len(data) if end == -1 else end


def _call_head_end(node: Node) -> int:
    """The end of a call's first line (a finding on a whole call underlines its first line)."""
    text_end = node.end_byte
    function = node.child_by_field_name("function")
    return function.end_byte if function is not None else text_end


_R = TypeVar("_R")


def _remap(record: _R, sql: Sql, default: Span) -> _R:
    """`record` with every span in it mapped from the SQL text into the migration."""
    if isinstance(record, Span):
        return sql.span(record, default)  # type: ignore[return-value]
    if isinstance(record, msgspec.Struct):
        changes = {}
        for name in record.__struct_fields__:
            value = getattr(record, name)
            if isinstance(value, (msgspec.Struct, tuple)):
                new = _remap(value, sql, default)
                if new is not value:
                    changes[name] = new
        return msgspec.structs.replace(record, **changes) if changes else record
    if isinstance(record, tuple) and record and isinstance(record[0], (msgspec.Struct, tuple)):
        return tuple(_remap(item, sql, default) for item in record)  # type: ignore[return-value]
    return record
