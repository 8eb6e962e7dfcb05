"""The intermediate representation: statements and the DDL events rules look at.

Parsers lower their trees into these frozen records; rules and the schema timeline never see a
parser tree (a fact a rule needs is lowered into a field here). Offsets are UTF-8 byte offsets into
the file's text. This module imports nothing of ours.
"""

# (No `from __future__ import annotations` here: msgspec would evaluate every field's annotation
# string, one `compile` each, when it makes the decoder of cached parses (`ParsedFile`), which
# took two thirds of that decoder's 3 ms on every run that reads a parse from the cache.)

import re
from collections.abc import Callable
from functools import cache
from typing import Literal

import msgspec
from msgspec.structs import force_setattr as _force_setattr

Extent = Literal["exact", "word", "type", "clause"]


class Record(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """Base of every IR record: immutable and compact.

    msgspec structs rather than dataclasses: they are several times cheaper to define (start-up),
    to build (lowering) and to serialise (the parse cache and the worker processes of `-j`).
    IR records form trees, never cycles, so the garbage collector need not track them.
    """


class Span(Record, frozen=True):
    """Where something is in its file.

    `end` is exclusive. When a parser only knows where a node starts, `extent` says how the
    reporter finds its end: one (possibly qualified or quoted) name, a type expression, or a
    clause that runs to the next top-level comma or closing parenthesis.
    """

    start: int
    end: int
    extent: Extent = "exact"

    @classmethod
    def at(cls, start: int, extent: Extent) -> "Span":
        """A span known only by its start."""
        return cls(start, start, extent)


class QName(Record, frozen=True, cache_hash=True):
    """A possibly schema-qualified object name (already case-folded by the parser).

    Its hash is kept (`cache_hash`): the catalog looks tables and relations up by QName."""

    schema: str | None
    name: str

    def __str__(self) -> str:
        return (
            f"{quote_ident(self.schema)}.{quote_ident(self.name)}"
            if self.schema
            else quote_ident(self.name)
        )


_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")  # (as PostgreSQL: `$` is quoted)


class _Quoted(dict[str, str]):
    """`quote_ident`'s answers, each worked out the first time its name is asked."""

    def __missing__(self, name: str) -> str:
        if len(self) >= _SHOWN_MAX:  # (a long-lived server sees ever new names)
            self.clear()
        plain = _PLAIN_IDENTIFIER.fullmatch(name) and name not in _keywords()
        shown = self[name] = name if plain else '"' + name.replace('"', '""') + '"'
        return shown


_SHOWN = _Quoted()
_SHOWN_MAX = 100_000

# Render an identifier the way a user would have to write it: quoted unless it is plain and not
# a keyword PostgreSQL reserves in some position (as PostgreSQL's own `quote_ident` decides:
# `user`, `order` and `json` are quoted, `name` is not), so that SQL a hint or a fix writes with
# it runs. Speed: names are shown over and over (every message names its table and columns): a
# regex call costs several thousand instructions, and a lookup of the answers as the function
# itself no bytecode at all (a function's own lookup would cost a dozen per name).
quote_ident: Callable[[str], str] = _SHOWN.__getitem__


@cache
def _keywords() -> frozenset[str]:
    """PostgreSQL's keywords that cannot stand as a bare name everywhere (all but the
    unreserved ones), from the parser's own list."""
    from pglast import keywords

    return frozenset(
        keywords.RESERVED_KEYWORDS | keywords.COL_NAME_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS
    )


class TypeRef(Record, frozen=True):
    """A type as written: `names` as parsed (e.g. `("pg_catalog", "varchar")`), type modifiers."""

    names: tuple[str, ...]
    mods: tuple[int | str, ...]
    array: bool
    span: Span
    pct_type: bool = False
    # The catalog type name when this names a built-in (unqualified or `pg_catalog.`): set from
    # `names` when the record is made (whatever is passed), as rules and the replay ask it of
    # the same type several times.
    builtin: str | None = None

    def __post_init__(self) -> None:
        names = self.names
        if not self.pct_type and (
            len(names) == 1 or (len(names) == 2 and names[0] == "pg_catalog")
        ):
            _force_setattr(self, "builtin", names[-1])
        elif self.builtin is not None:
            _force_setattr(self, "builtin", None)

    @property
    def name(self) -> str:
        """The last part of the name (`varchar` for `pg_catalog.varchar`)."""
        return self.names[-1]

    def __str__(self) -> str:
        base = DISPLAY_TYPE_NAMES.get(self.builtin or "", ".".join(self.names))
        if self.mods:
            base += "(" + ",".join(str(m) for m in self.mods) + ")"
        return base + ("[]" if self.array else "")


# The pseudo-types that declare an integer column fed by its own sequence.
SERIAL_BASE_TYPES = {
    "serial": "integer",
    "serial4": "integer",
    "bigserial": "bigint",
    "serial8": "bigint",
    "smallserial": "smallint",
    "serial2": "smallint",
}

DISPLAY_TYPE_NAMES = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "bpchar": "character",
    "numeric": "numeric",
    "varbit": "varbit",
    "varchar": "varchar",
    "timestamp": "timestamp",
    "timestamptz": "timestamptz",
    "timetz": "timetz",
}

ConstraintKind = Literal[
    "primary-key",
    "unique",
    "check",
    "foreign-key",
    "exclude",
    "not-null",
    "null",
    "default",
    "identity",
    "generated",
]


class Constraint(Record, frozen=True):
    """A column or table constraint (also NOT NULL, DEFAULT, identity and generated clauses).

    `columns` are the constrained columns (for a column constraint, that column).
    `on_delete` is the written action (`cascade`, `set null`, ...), or None when not written.
    `check_columns` are the columns a CHECK/EXCLUDE/generated expression mentions;
    `not_null_columns` those a CHECK proves non-null (`col IS NOT NULL`, alone or AND-ed).
    """

    kind: ConstraintKind
    name: str | None
    columns: tuple[str, ...]
    span: Span
    column_level: bool = False
    ref_table: QName | None = None
    ref_columns: tuple[str, ...] = ()
    on_delete: str | None = None
    on_update: str | None = None
    not_valid: bool = False
    using_index: str | None = None
    identity: Literal["always", "by-default"] | None = None
    generated: Literal["stored", "virtual"] | None = None
    check_columns: tuple[str, ...] = ()
    not_null_columns: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    has_expression: bool = False
    null_default: bool = False  # a DEFAULT that is the NULL constant (`DEFAULT NULL`)
    # The functions a DEFAULT calls (last name part, lower case); MySQL's AUTO_INCREMENT is a
    # DEFAULT calling `auto_increment`.
    calls: tuple[str, ...] = ()
    # A CHECK that is nothing but `col IS NOT NULL` tests (alone or AND-ed): it enforces no
    # more than NOT NULL on `not_null_columns` does.
    not_null_only: bool = False


class ColumnDef(Record, frozen=True):
    """A column definition in CREATE TABLE or ADD COLUMN."""

    name: str
    type: TypeRef | None
    constraints: tuple[Constraint, ...]
    span: Span

    def get(self, kind: ConstraintKind) -> Constraint | None:
        """The first constraint of this kind on the column."""
        for constraint in self.constraints:  # (a plain loop, no generator: rules ask per column)
            if constraint.kind == kind:
                return constraint
        return None


class IndexElem(Record, frozen=True):
    """One index key: a column, or an expression (`column` is then None).

    `options` is a normalised text of the key's operator class, collation and ordering (None when
    it has none of these), for comparing two keys. `expression_name` is what PostgreSQL calls an
    expression key in the index names it invents (a function's name, say; None: `expr`).
    """

    column: str | None
    expression_columns: tuple[str, ...] = ()
    options: str | None = None
    expression_name: str | None = None

    @property
    def name_part(self) -> str:
        """The key as it appears in an invented index name."""
        return self.column or self.expression_name or "expr"


# ---------------------------------------------------------------------------------------------
# Events. Every event has a `span` (the most specific place to point at for the whole event).


class Event(Record, frozen=True, tag=True, tag_field="event"):
    """Base of all IR events."""

    span: Span


class CreateTable(Event, frozen=True):
    """CREATE TABLE (also CREATE FOREIGN TABLE and PARTITION OF)."""

    table: QName
    columns: tuple[ColumnDef, ...]
    constraints: tuple[Constraint, ...]  # table-level constraints
    partition_of: QName | None = None
    partitioned: bool = False
    inherits: tuple[QName, ...] = ()
    like: tuple[QName, ...] = ()
    temporary: bool = False
    unlogged: bool = False
    if_not_exists: bool = False
    foreign: bool = False
    of_type: bool = False
    default_partition: bool = False  # PARTITION OF ... DEFAULT
    access_method: str | None = None  # USING method (None: default_table_access_method)


class CreateTableAs(Event, frozen=True):
    """CREATE TABLE AS / SELECT INTO / CREATE MATERIALIZED VIEW.

    `reads`: the relations its query reads (none for `WITH NO DATA`, which runs no query).
    """

    table: QName
    materialized: bool
    columns: tuple[str, ...] = ()
    if_not_exists: bool = False
    temporary: bool = False
    reads: tuple[QName, ...] = ()


class CreateView(Event, frozen=True):
    """CREATE [OR REPLACE] VIEW. `reads`: the relations its query names (None: not known)."""

    view: QName
    replace: bool
    reads: tuple[QName, ...] | None = None


class AddColumn(Event, frozen=True):
    """ALTER TABLE ... ADD COLUMN."""

    table: QName
    column: ColumnDef
    if_not_exists: bool = False


class DropColumn(Event, frozen=True):
    """ALTER TABLE ... DROP COLUMN."""

    table: QName
    column: str
    cascade: bool = False
    if_exists: bool = False


class AlterColumnType(Event, frozen=True):
    """ALTER TABLE ... ALTER COLUMN ... TYPE."""

    table: QName
    column: str
    type: TypeRef
    # A USING other than the column itself or its cast to the new type (`USING col::text` is the
    # same as no USING).
    using: bool = False


class SetNotNull(Event, frozen=True):
    """ALTER COLUMN ... SET NOT NULL."""

    table: QName
    column: str


class DropNotNull(Event, frozen=True):
    """ALTER COLUMN ... DROP NOT NULL."""

    table: QName
    column: str


class SetDefault(Event, frozen=True):
    """ALTER COLUMN ... SET DEFAULT."""

    table: QName
    column: str


class DropDefault(Event, frozen=True):
    """ALTER COLUMN ... DROP DEFAULT."""

    table: QName
    column: str


class AddConstraint(Event, frozen=True):
    """ALTER TABLE ... ADD [CONSTRAINT name] ... (also ADD PRIMARY KEY USING INDEX)."""

    table: QName
    constraint: Constraint


class DropConstraint(Event, frozen=True):
    """ALTER TABLE ... DROP CONSTRAINT."""

    table: QName
    name: str
    cascade: bool = False
    if_exists: bool = False


class ValidateConstraint(Event, frozen=True):
    """ALTER TABLE ... VALIDATE CONSTRAINT."""

    table: QName
    name: str


class AlterTableAction(Event, frozen=True):
    """Any other ALTER TABLE/INDEX/VIEW/SEQUENCE sub-command, by its PostgreSQL name.

    `action` is the `AlterTableType` name without the `AT_` prefix (e.g. `SetTableSpace`,
    `AttachPartition`, `DetachPartition`, `SetLogged`); `objtype` the object kind (`table`,
    `index`, `view`, ...); `column` the column it names, if any (for `SetAccessMethod` the
    method, None for DEFAULT); `partition` the table an ATTACH/DETACH PARTITION names;
    `identity` the kind an ADD/SET identity sub-command sets.
    """

    table: QName
    action: str
    objtype: str = "table"
    column: str | None = None
    partition: QName | None = None
    identity: Literal["always", "by-default"] | None = None
    concurrent: bool = False  # DETACH PARTITION ... CONCURRENTLY
    default_partition: bool = False  # ATTACH PARTITION ... DEFAULT


class RenameColumn(Event, frozen=True):
    """ALTER TABLE ... RENAME COLUMN a TO b."""

    table: QName
    old: str
    new: str


class RenameTable(Event, frozen=True):
    """ALTER TABLE ... RENAME TO."""

    table: QName
    new: str


class RenameObject(Event, frozen=True):
    """RENAME TO of anything else (constraint, index, view, function, type, schema, ...).

    `table` is set for objects that live on a table (constraints, triggers, policies).
    """

    kind: str
    name: QName
    new: str
    table: QName | None = None


class CreateIndex(Event, frozen=True):
    """CREATE [UNIQUE] INDEX.

    `predicate` is a normalised text of the WHERE clause (None without one);
    `predicate_not_null` the columns it requires non-null when it is nothing but a conjunction of
    `col IS NOT NULL` tests (None otherwise); `predicate_columns` the columns the WHERE clause
    mentions.
    """

    name: str | None
    table: QName
    elems: tuple[IndexElem, ...]
    unique: bool = False
    concurrent: bool = False
    method: str = "btree"
    predicate: str | None = None
    predicate_not_null: frozenset[str] | None = None
    include: tuple[str, ...] = ()
    if_not_exists: bool = False
    only: bool = False
    nulls_not_distinct: bool = False
    predicate_columns: tuple[str, ...] = ()


class DropObjects(Event, frozen=True):
    """DROP TABLE/INDEX/VIEW/TYPE/FUNCTION/... (`kind` in lower-case words: `materialized view`)."""

    kind: str
    names: tuple[QName, ...]
    cascade: bool = False
    concurrent: bool = False
    if_exists: bool = False
    table: QName | None = None  # the table a dropped trigger, rule or policy is on


class Truncate(Event, frozen=True):
    """TRUNCATE."""

    tables: tuple[QName, ...]
    cascade: bool = False


class CreateEnum(Event, frozen=True):
    """CREATE TYPE ... AS ENUM."""

    name: QName
    values: tuple[str, ...]


class AlterEnum(Event, frozen=True):
    """ALTER TYPE ... ADD VALUE / RENAME VALUE."""

    name: QName
    new_value: str
    old_value: str | None = None  # set for RENAME VALUE
    if_not_exists: bool = False


class CreateObject(Event, frozen=True):
    """Creation of an object the replay tracks only by name.

    `kind`: `sequence`, `domain`, `type`, `schema`, `extension`, `trigger`, `policy`, `rule`,
    `function`, `procedure`, ... ; `table` is set for objects attached to a table.
    """

    kind: str
    name: QName
    table: QName | None = None
    if_not_exists: bool = False
    replace: bool = False  # CREATE OR REPLACE (triggers, rules)
    checks: int = 0  # a domain's CHECK and NOT NULL constraints


class AlterDomain(Event, frozen=True):
    """ALTER DOMAIN: `action` is `add-check` (ADD CONSTRAINT, SET NOT NULL), `drop-check` (DROP
    CONSTRAINT, DROP NOT NULL) or `other`."""

    name: QName
    action: str


class CreateFunction(Event, frozen=True):
    """CREATE [OR REPLACE] FUNCTION/PROCEDURE.

    `search_path` is the written `SET search_path` value list (None when absent; `("FROM
    CURRENT",)` for FROM CURRENT).
    """

    name: QName
    procedure: bool
    replace: bool
    language: str | None
    security_definer: bool
    search_path: tuple[str, ...] | None
    body: str | None = None


class AlterFunction(Event, frozen=True):
    """ALTER FUNCTION/PROCEDURE ... (security and SET options)."""

    name: QName
    procedure: bool
    security_definer: bool | None
    search_path: tuple[str, ...] | None


class RolePassword(Event, frozen=True):
    """CREATE/ALTER ROLE/USER ... PASSWORD (`password` None for PASSWORD NULL)."""

    role: str
    password: str | None


class Grant(Event, frozen=True):
    """GRANT / REVOKE on objects. `privileges` is empty for ALL [PRIVILEGES]."""

    grant: bool
    privileges: tuple[str, ...]
    objtype: str
    objects: tuple[str, ...]
    grantees: tuple[str, ...]  # "public" for PUBLIC


class SetParameter(Event, frozen=True):
    """SET / SET LOCAL / RESET of a run-time parameter (`value` None for RESET/DEFAULT)."""

    name: str
    value: tuple[str, ...] | None
    local: bool = False


class Transaction(Event, frozen=True):
    """BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE, PREPARE ..."""

    kind: str  # begin, start, commit, rollback, savepoint, release, rollback_to, prepare, ...
    chain: bool = False  # COMMIT/ROLLBACK AND CHAIN: a new transaction begins at once


class DataChange(Event, frozen=True):
    """INSERT/UPDATE/DELETE/MERGE/COPY FROM (and SELECT, COPY TO).

    `reads`: for a SELECT, the relations it reads (none: `SELECT 1`, `SELECT set_config(...)`).
    """

    kind: str
    table: QName | None
    from_select: bool = False
    reads: tuple[QName, ...] = ()


class Maintenance(Event, frozen=True):
    """VACUUM, CLUSTER, REINDEX or REFRESH MATERIALIZED VIEW.

    `kind` is `vacuum`, `cluster`, `reindex` or `refresh`; `tables` the relations named (none:
    every table the command may reach); `target` what a REINDEX names (`table`, `index`,
    `schema`, `database`, `system`); `options` the lower-case options given (`full`,
    `concurrently`, ..., `no data` for REFRESH ... WITH NO DATA).
    """

    kind: str
    tables: tuple[QName, ...] = ()
    target: str = ""
    options: tuple[str, ...] = ()


class LockTables(Event, frozen=True):
    """LOCK [TABLE] ... IN <mode> MODE (`mode` as PostgreSQL names it, e.g. `ACCESS EXCLUSIVE`)."""

    tables: tuple[QName, ...]
    mode: str


class Utility(Event, frozen=True):
    """A statement understood by kind only: LOCK, ANALYZE, COMMENT, DO, database/tablespace/
    system commands and other DDL without table facts.

    `kind` is the parser's statement node name (e.g. `VacuumStmt`); `options` the lower-case
    options of an `ALTER DATABASE` (e.g. `tablespace`).
    """

    kind: str
    options: tuple[str, ...] = ()


class OnlineDdl(Event, frozen=True):
    """A MySQL `ALTER TABLE` as the online DDL rules see it, besides the events that replay
    it: its operations and the `ALGORITHM`/`LOCK` clauses it names.

    `operations` are (kind, column, new type): `change-column` (MODIFY/CHANGE: the column's
    name before the statement, and its new type), `drop-primary-key`, `add-primary-key`,
    `convert-charset`, `add-index`, `add-fulltext-index`, `add-spatial-index`, `drop-index`,
    `add-column`, `add-stored-column` (a STORED generated column), `add-foreign-key`,
    `drop-column`, `rename-column`, `rename-index`, `alter-index`, `other`.
    `algorithm` and `lock` are upper case (None: not named).
    """

    table: QName
    operations: tuple[tuple[str, str | None, TypeRef | None], ...]
    algorithm: str | None = None
    lock: str | None = None


class InlineReference(Event, frozen=True):
    """A MySQL column definition's inline `REFERENCES` (CREATE TABLE, ADD/MODIFY/CHANGE COLUMN):
    MySQL 8.0 parses and ignores it, so it declares no foreign key (and the column no
    constraint); this event only says it was written. `span`: the referenced table's name."""

    table: QName
    column: str
    ref_table: QName
    ref_columns: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------

# Every concrete event: what a serialised `Statement.events` decodes into.
AnyEvent = (
    CreateTable
    | CreateTableAs
    | CreateView
    | AddColumn
    | DropColumn
    | AlterColumnType
    | SetNotNull
    | DropNotNull
    | SetDefault
    | DropDefault
    | AddConstraint
    | DropConstraint
    | ValidateConstraint
    | AlterTableAction
    | RenameColumn
    | RenameTable
    | RenameObject
    | CreateIndex
    | DropObjects
    | Truncate
    | CreateEnum
    | AlterEnum
    | CreateObject
    | AlterDomain
    | CreateFunction
    | AlterFunction
    | RolePassword
    | Grant
    | SetParameter
    | Transaction
    | DataChange
    | Maintenance
    | LockTables
    | Utility
    | OnlineDdl
    | InlineReference
)


class Diagnostic(Record, frozen=True):
    """A problem with the input found while reading or parsing (DBA001, DBA002, DBA004)."""

    code: str
    message: str
    span: Span
    hint: str | None = None


Within = Literal["", "do", "function"]


class Guard(Record, frozen=True):
    """A fact about the catalog that one alternative of a conditional assumes (its condition).

    `kind`: `column` (`name` is the table, `member` the column), `table`, `relation` (any
    relation: `to_regclass`, `pg_class`), `index`, `constraint` (`name` is the table, or has no
    schema and an empty name when the guard does not say; `member` the constraint) or `type`.
    `data_type` narrows a column guard to the column having (`type_equal`) or not having that
    type (information_schema's `data_type` or `udt_name` spelling).
    """

    kind: str
    name: QName
    member: str | None = None
    exists: bool = True
    data_type: str | None = None
    type_equal: bool = True


class Alternative(Record, frozen=True):
    """One alternative of a conditional a statement is in: an `IF`/`ELSIF`/`ELSE` or `CASE`
    branch, or a PL/pgSQL block with an `EXCEPTION` handler (alternative 0: its body, 1: its
    handlers).

    `conditional` identifies the conditional within its file; `index` is this alternative's.
    `assumes` holds, for every alternative of the conditional (so its length is their number,
    an `IF` without `ELSE` counting its empty one), the guards known to hold in it; `exact`,
    for each, whether those guards are all there is to its condition (all true: it is the one
    that runs). `swallows` (alternative 0 of a protected block) names the conditions its
    handlers catch.
    """

    conditional: int
    index: int
    assumes: tuple[tuple[Guard, ...], ...]
    swallows: tuple[str, ...] = ()
    exact: tuple[bool, ...] = ()


class Statement(Record, frozen=True):
    """One statement of a file: its span, parser node kind and lowered events.

    `within` says where it is written: at the top level (""), inside a `DO` block (it runs now,
    with the block), or inside a function or procedure body (it runs whenever the function is
    called: never replayed). `branch` is the conditional alternatives it sits in, outermost
    first (none: it runs whenever its file does). `index` is the statement's position in
    `ParsedFile.statements`; a function-body statement has the index of the statement that
    holds its function.

    `spellings` (MySQL only) pairs each identifier's folded form, which the events carry, with
    the statement's spelling of it: messages show a MySQL name as the history wrote it.
    """

    index: int
    span: Span
    kind: str
    events: tuple[AnyEvent, ...]
    within: Within = ""
    branch: tuple[Alternative, ...] = ()
    spellings: tuple[tuple[str, str], ...] = ()


class Comment(Record, frozen=True):
    """A `--` comment outside strings (suppressions live in these)."""

    span: Span
    text: str
    own_line: bool


class ParsedFile(Record, frozen=True):
    """What a parser returns for one file.

    `statements` are what runs when the migration runs, in order: each top-level statement,
    followed by the statements of its DO block (if it is one). `bodies` are the statements of
    function and procedure bodies, in order. `down_offset`: where a down migration written in
    the same file starts (a Sequelize migration's `down`), when the parser finds one.
    """

    statements: tuple[Statement, ...]
    diagnostics: tuple[Diagnostic, ...]
    comments: tuple[Comment, ...]
    bodies: tuple[Statement, ...] = ()
    down_offset: int | None = None
