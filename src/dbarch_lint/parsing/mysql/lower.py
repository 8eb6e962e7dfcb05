"""Lowering sqlglot's MySQL statements to IR events.

The same events as PostgreSQL's where MySQL means the same (tables, columns, keys, indexes,
renames, drops), so the replay and the dialect-neutral rules work unchanged; plus `OnlineDdl`
for what only MySQL's online DDL rules need. Columns, constraints and indexes are lowered in
`mysql_nodes`.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from dbarch_lint.model import ir
from dbarch_lint.model.ir import AnyEvent, QName, Span
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.mysql.nodes import Nodes

# Statements that change no schema and take no lock the rules model: understood, no events.
_UNDERSTOOD = (
    exp.Select,
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Set,
    exp.Use,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Show,
    exp.Describe,
    exp.Union,
    exp.Analyze,  # (ANALYZE TABLE: reads index statistics, a brief read lock)
)
_UNDERSTOOD_COMMANDS = (
    "SET",
    "SHOW",
    "USE",
    "LOCK",
    "UNLOCK",
    "START",
    "BEGIN",
    "ANALYZE",
    "REPLACE",  # (REPLACE INTO: DML, an INSERT that deletes the row it would duplicate)
)
_ROUTINES = ("PROCEDURE", "FUNCTION", "TRIGGER", "EVENT")
_ONLINE_OPTIONS = {exp.AlgorithmProperty: "algorithm", exp.LockProperty: "lock"}
_ADDED_CONSTRAINTS = {"primary-key": "add-primary-key", "foreign-key": "add-foreign-key"}
# SET scopes that do not change the session's own value (`SET GLOBAL`, `SET PERSIST ...`).
_OTHER_SCOPES = ("GLOBAL", "PERSIST", "PERSIST_ONLY")
# ALTER TABLE options that change no column, key or index (MySQL makes them in place).
_PLAIN_OPTIONS = (
    exp.EngineProperty,
    exp.AutoIncrementProperty,
    exp.SchemaCommentProperty,
    exp.CharacterSetProperty,
    exp.CollateProperty,
)


def lower(
    tree: exp.Expr, source: SourceFile, span: Span, text: str, offset: int = 0
) -> tuple[list[AnyEvent], str | None]:
    """The events of one statement (`text`, at `span`), and the reason it is not understood
    (DBA002), if any. `offset`: where the text the parser read starts in the file (its
    positions are in that text)."""
    lowering = _Lowering(source, span, text, offset)
    if isinstance(tree, exp.Create):
        return lowering.create(tree)
    if isinstance(tree, exp.Alter) and tree.args.get("kind") == "TABLE":
        return lowering.alter_table(tree)
    if isinstance(tree, exp.Drop):
        return lowering.drop(tree)
    if isinstance(tree, exp.TruncateTable):
        tables = tuple(lowering.qname(t) for t in tree.expressions)
        return [ir.Truncate(span, tables)], None
    if isinstance(tree, exp.Command):
        return lowering.command(tree)
    if isinstance(tree, exp.Set):
        return list(_session_settings(tree, span)), None
    if isinstance(tree, _UNDERSTOOD):
        return [], None
    return [], f"{_what(text)} is not modelled for MySQL; it was not checked"


def _what(text: str) -> str:
    """The statement's first two words as written (never sqlglot's rewriting of it, nor its
    class names)."""
    return " ".join(text.split(None, 2)[:2]).upper() or "This statement"


class _Lowering(Nodes):
    """Lowers one statement (`span`: the statement's; `text`: its text)."""

    def __init__(self, source: SourceFile, span: Span, text: str, offset: int) -> None:
        super().__init__(source, span, offset)
        self.text = text

    # --- statements -----------------------------------------------------------------------

    def create(self, tree: exp.Create) -> tuple[list[AnyEvent], str | None]:
        kind = str(tree.args.get("kind") or "").upper()
        if kind == "TABLE":
            return self.create_table(tree), None
        if kind == "INDEX" and isinstance(tree.this, exp.Index):
            index = tree.this
            table = index.args.get("table")
            params = index.args.get("params")
            columns = params.args.get("columns") if params is not None else None
            if table is None:
                return [], "CREATE INDEX without a table is not modelled"
            return [
                self.index_event(
                    index.this, self.qname(table), columns, bool(tree.args.get("unique"))
                )
            ], None
        if kind == "VIEW":
            replace = bool(tree.args.get("replace"))
            return [ir.CreateView(self.at(tree.this), self.qname(tree.this), replace)], None
        if kind in ("DATABASE", "SCHEMA"):
            return [ir.Utility(self.span, "CreateDatabase")], None
        what = f"CREATE {kind}" if kind else _what(self.text)
        return [], f"{what} is not modelled for MySQL; it was not checked"

    def create_table(self, tree: exp.Create) -> list[AnyEvent]:
        target = tree.this
        table = self.qname(target)
        temporary = any(
            isinstance(p, exp.TemporaryProperty) for p in _properties(tree.args.get("properties"))
        )
        if_not_exists = bool(tree.args.get("exists"))
        if tree.args.get("expression") is not None:  # CREATE TABLE ... AS SELECT
            return [
                ir.CreateTableAs(
                    self.at(target), table, False, if_not_exists=if_not_exists, temporary=temporary
                )
            ]
        columns: list[ir.ColumnDef] = []
        constraints: list[ir.Constraint] = []
        indexes: list[ir.CreateIndex] = []
        for item in target.expressions if isinstance(target, exp.Schema) else ():
            if isinstance(item, exp.ColumnDef):
                columns.append(self.column(item))
            elif isinstance(item, exp.IndexColumnConstraint):
                indexes.append(self.index_event(item.this, table, item.expressions, False, item))
            else:
                constraints.extend(self.table_constraints(item))
        like = tuple(self.qname(p.this) for p in _properties(tree.args.get("properties"))
                     if isinstance(p, exp.LikeProperty))  # fmt: skip
        event = ir.CreateTable(
            self.at(target),
            table,
            tuple(columns),
            tuple(constraints),
            like=like,
            temporary=temporary,
            if_not_exists=if_not_exists,
        )
        return [event, *indexes, *self.ignored_references(table)]

    def alter_table(self, tree: exp.Alter) -> tuple[list[AnyEvent], str | None]:
        table = self.qname(tree.this)
        events: list[AnyEvent] = []
        operations: list[tuple[str, str | None, ir.TypeRef | None]] = []
        unknown: list[str] = []
        for action in tree.args.get("actions") or ():
            for event, operation in self.alter_action(table, action):
                if event is not None:
                    events.append(event)
                elif operation[0] == "other":
                    unknown.append(action.sql("mysql"))
                operations.append(operation)
        clauses: dict[str, str] = {}
        for option in tree.args.get("options") or ():
            if type(option) in _ONLINE_OPTIONS and isinstance(option.this, exp.Expression):
                clauses[_ONLINE_OPTIONS[type(option)]] = option.this.name.upper()
            elif not isinstance(option, _PLAIN_OPTIONS):
                unknown.append(option.sql("mysql"))
        online = ir.OnlineDdl(
            self.at(tree.this),
            table,
            tuple(operations),
            clauses.get("algorithm"),
            clauses.get("lock"),
        )
        problem = None
        if unknown:
            problem = (
                f"ALTER TABLE {table} {unknown[0]} is not modelled for MySQL; it was not checked"
            )
        return [online, *events, *self.ignored_references(table)], problem

    def alter_action(
        self, table: QName, action: exp.Expression
    ) -> Iterator[tuple[AnyEvent | None, tuple[str, str | None, ir.TypeRef | None]]]:
        """The events of one ALTER TABLE action, each with its online DDL operation."""
        if isinstance(action, exp.ColumnDef):
            column = self.column(action)
            generated = column.get("generated")
            stored = generated is not None and generated.generated == "stored"
            kind = "add-stored-column" if stored else "add-column"
            yield ir.AddColumn(self.at(action), table, column), (kind, column.name, None)
        elif isinstance(action, exp.ModifyColumn):
            column = self.column(action.this)
            old = action.args.get("rename_from")
            at = self.at(action.this)
            if old is not None and old.name.lower() != column.name:
                yield (
                    ir.RenameColumn(self.at(old), table, old.name.lower(), column.name),
                    ("rename-column", old.name.lower(), None),
                )
            if column.type is not None:
                # (the operation names the column as it was: the replay knows it by that name)
                before = old.name.lower() if old is not None else column.name
                yield (
                    ir.AlterColumnType(at, table, column.name, column.type),
                    ("change-column", before, column.type),
                )
        elif isinstance(action, exp.Drop):
            yield from self.alter_drop(table, action)
        elif isinstance(action, exp.DropPrimaryKey):
            yield ir.DropConstraint(self.span, table, "PRIMARY"), ("drop-primary-key", None, None)
        elif isinstance(action, exp.AddConstraint):
            for item in action.expressions:
                if isinstance(item, exp.IndexColumnConstraint):
                    event = self.index_event(item.this, table, item.expressions, False, item)
                    kind = "add-index" if event.method == "btree" else f"add-{event.method}-index"
                    yield event, (kind, None, None)
                    continue
                for constraint in self.table_constraints(item):
                    kind = _ADDED_CONSTRAINTS.get(constraint.kind, "other")
                    yield ir.AddConstraint(constraint.span, table, constraint), (kind, None, None)
        elif isinstance(action, exp.RenameColumn):
            old, new = action.this.name.lower(), action.args["to"].name.lower()
            yield (
                ir.RenameColumn(self.at(action.this), table, old, new),
                (
                    "rename-column",
                    old,
                    None,
                ),
            )
        elif isinstance(action, exp.RenameIndex):
            old, new = action.this.name.lower(), action.args["to"].name.lower()
            renamed = ir.RenameObject(self.at(action.this), "index", QName(table.schema, old), new)
            yield renamed, ("rename-index", None, None)
        elif isinstance(action, exp.AlterIndex):  # (VISIBLE/INVISIBLE: metadata only)
            yield None, ("alter-index", None, None)
        elif isinstance(action, exp.AlterRename):
            yield (
                ir.RenameTable(self.span, table, self.qname(action.this).name),
                ("other", None, None),
            )
        elif isinstance(action, exp.AlterColumn) and action.args.get("default") is not None:
            column = action.this.name.lower()
            yield ir.SetDefault(self.at(action.this), table, column), ("other", column, None)
        elif isinstance(action, exp.AlterColumn) and action.args.get("drop"):
            column = action.this.name.lower()
            yield ir.DropDefault(self.at(action.this), table, column), ("other", column, None)
        else:
            yield None, ("other", None, None)

    def alter_drop(
        self, table: QName, action: exp.Drop
    ) -> Iterator[tuple[AnyEvent | None, tuple[str, str | None, ir.TypeRef | None]]]:
        kind = str(action.args.get("kind") or "").upper()
        for target in action.args.get("tables") or ():
            name = target.name.lower()
            at = self.at(target)
            if kind == "COLUMN":
                yield ir.DropColumn(at, table, name), ("drop-column", name, None)
            elif kind in ("INDEX", "KEY"):
                yield (
                    ir.DropObjects(at, "index", (QName(table.schema, name),), table=table),
                    ("drop-index", None, None),
                )
            else:  # FOREIGN KEY, CHECK, CONSTRAINT
                yield ir.DropConstraint(at, table, name), ("other", None, None)

    def drop(self, tree: exp.Drop) -> tuple[list[AnyEvent], str | None]:
        kind = str(tree.args.get("kind") or "").upper()
        names = tuple(self.qname(t) for t in tree.args.get("tables") or ())
        exists = bool(tree.args.get("exists"))
        at = self.at(tree)
        if kind == "INDEX":
            cluster = tree.args.get("cluster")
            table = self.qname(cluster.this) if isinstance(cluster, exp.OnProperty) else None
            schema = table.schema if table else None
            indexes = tuple(QName(schema, n.name) for n in names)
            return [ir.DropObjects(at, "index", indexes, if_exists=exists, table=table)], None
        if kind in ("TABLE", "VIEW"):
            event = ir.DropObjects(
                at, kind.lower(), names, bool(tree.args.get("cascade")), if_exists=exists
            )
            return [event], None
        if kind in ("DATABASE", "SCHEMA"):
            return [ir.DropObjects(at, "schema", names, if_exists=exists)], None
        if kind in _ROUTINES:  # (what they run is checked where it runs: at a CALL, an EXECUTE)
            return [], None
        return [], f"DROP {kind} is not modelled for MySQL; it was not checked"

    def command(self, tree: exp.Command) -> tuple[list[AnyEvent], str | None]:
        """Statements sqlglot keeps only as text: the forms MySQL's rules need, by their words."""
        words = self.text.replace(",", " , ").split()
        upper = [w.upper() for w in words]
        verb = upper[0] if upper else ""
        if upper[:2] == ["RENAME", "TABLE"] and len(words) >= 5 and upper[3] == "TO":
            old, new = _qname_text(words[2]), _qname_text(words[4])
            return [ir.RenameTable(self.span, old, new.name)], None
        if (
            upper[:1] == ["CREATE"]
            and len(upper) >= 6
            and upper[1] in ("FULLTEXT", "SPATIAL")
            and (upper[2], upper[4]) == ("INDEX", "ON")
        ):
            table = _qname_text(words[5].split("(")[0])
            name = words[3].strip("`").lower()
            opening = self.text.find("(")
            closing = self.text.find(")", opening)
            listed = self.text[opening + 1 : closing] if 0 <= opening < closing else ""
            keys = tuple(
                ir.IndexElem(c.strip().strip("`").lower()) for c in listed.split(",") if c.strip()
            )
            return [ir.CreateIndex(self.span, name, table, keys, method=upper[1].lower())], None
        if upper[:2] == ["ALTER", "TABLE"] and upper[3:] in (
            ["DISABLE", "KEYS"],
            ["ENABLE", "KEYS"],
        ):
            # (mysqldump writes them around its INSERTs; InnoDB ignores them with a warning)
            return [], None
        if upper[:2] == ["ALTER", "TABLE"] and len(words) >= 3:
            table = _qname_text(words[2])
            text = " ".join(upper[3:])
            converts = "CONVERT TO CHARACTER SET" in text or "CONVERT TO CHARSET" in text
            operation = ("convert-charset" if converts else "other", None, None)
            problem = None if converts else f"ALTER TABLE {table} ... is not modelled for MySQL"
            return [ir.OnlineDdl(self.span, table, (operation,), *_clauses(upper))], problem
        if verb in _UNDERSTOOD_COMMANDS:
            return [], None
        return [], f"{' '.join(upper[:2])} is not modelled for MySQL; it was not checked"


def _session_settings(tree: exp.Set, span: Span) -> Iterator[ir.SetParameter]:
    """The session's system variables a `SET` assigns (`SET x = 1`, `SET SESSION x = 1`,
    `SET @@x = 1`, `SET @@SESSION.x = 1`), each with its value as written (a string's contents):
    not user variables (`@x`), `SET NAMES`, or what `SET GLOBAL`/`PERSIST` assign (they leave
    the session's value as it is). A `GLOBAL`/`SESSION` word holds for the assignments after it
    that name none (MySQL 8.0 Reference Manual, "SET Syntax for Variable Assignment")."""
    modifier = ""
    for item in tree.expressions:
        assignment = item.this if isinstance(item, exp.SetItem) else None
        if not isinstance(assignment, exp.EQ):
            continue
        target, value = assignment.this, assignment.expression
        modifier = str(item.args.get("kind") or modifier).upper()
        scope = modifier
        if isinstance(target, exp.SessionParameter):
            scope = str(target.args.get("kind") or "").upper()
        elif not isinstance(target, exp.Column):
            continue  # (a user variable)
        if scope in _OTHER_SCOPES or not target.name:
            continue
        written = value.name if isinstance(value, exp.Literal) else value.sql("mysql")
        yield ir.SetParameter(span, target.name.lower(), (written,))


def _properties(properties: exp.Expression | None) -> list[exp.Expression]:
    return list(properties.expressions) if isinstance(properties, exp.Properties) else []


def _qname_text(text: str) -> QName:
    """A table name written in a statement sqlglot kept as text (`db`.`t`, t)."""
    parts = [p.strip("`").lower() for p in text.split(".")]
    return QName(parts[0] if len(parts) > 1 else None, parts[-1])


def _clauses(words: list[str]) -> tuple[str | None, str | None]:
    """ALGORITHM= and LOCK= in an ALTER TABLE kept as text."""
    found: dict[str, str | None] = {"ALGORITHM": None, "LOCK": None}
    joined = " ".join(words).replace(" = ", "=").replace(",", " ")
    for word in joined.split():
        key, _, value = word.partition("=")
        if key in found and value:
            found[key] = value
    return found["ALGORITHM"], found["LOCK"]
