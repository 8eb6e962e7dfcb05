"""The replayed schema at one point of the replay: what it holds and how to look things up.

`SchemaState` holds the live tables and indexes by resolved name, the relation namespace, types
and domains, where other objects were created, and the search_path that resolves unqualified
names. Its lookups answer what rules ask ("which table does this name mean", "what would
PostgreSQL call this constraint", "how must a statement write this name").

Its writes (`add_*`, `writable_*`) are the few every replay handler (`replay.py`,
`replay_tables.py`, `replay_keys.py`) goes through to add or change an object. Here they change
the objects in place; a fork (`fork.py`) overrides them to change copies of its own instead.
`Schema` (`schema.py`) is the state that replays statements and forks.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence

from dbarch_lint.catalog import names_seen, naming
from dbarch_lint.catalog.records import Column, ConstraintInfo, Index, Origin, Table
from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, quote_ident
from dbarch_lint.model.mysql_names import quote_mysql_ident

# A MySQL statement's identifiers, folded, with their spelling there (`Statement.spellings`).
Spellings = Mapping[str, str]


class SchemaState:
    """What the replay knows at one point, with its lookups and the writes the replay uses."""

    def __init__(self) -> None:
        self.search_path: tuple[str, ...] = ("public",)
        self.default_access_method: str | None = (
            None  # SET default_table_access_method (None: heap)
        )
        self.tables: dict[QName, Table] = {}  # live, by resolved name
        # How many files of the history held a statement nobody could read (DBA001): what
        # they created is unknown, so "never created" is not known either.
        self.unread = 0
        self.relations: dict[QName, str] = {}  # live relation names -> kind (index, view, ...)
        self.indexes: dict[QName, Index] = {}  # live, by resolved name
        self.types: dict[QName, str] = {}
        self.domain_checks: dict[QName, int] = {}  # domain -> its CHECK and NOT NULL constraints
        # Views, functions, types, sequences, triggers ...: where each was created, by kind and
        # unqualified name (what the compatibility rules ask: "created in this migration?").
        self.objects: dict[tuple[str, str], Origin] = {}
        # Enum types by unqualified name: the labels the replay saw added, with where.
        self.enum_values: dict[str, dict[str, Origin]] = {}
        # Functions and procedures by unqualified name: SECURITY DEFINER, and the search_path
        # they set (None: none), as their last CREATE or ALTER left them.
        self.function_security: dict[str, tuple[bool, tuple[str, ...] | None]] = {}
        # Referenced table -> the tables that may hold a foreign key to it (an ordered set, and a
        # superset: renames and drops leave names behind, so the replay checks each).
        self.referrers: dict[QName, dict[QName, None]] = {}
        # The names seen so far (`seen`), and the events applied since `seen` was last asked,
        # whose names are not among them yet: few statements ask, so most are never remembered.
        self._seen: set[str] = set()
        self.unremembered: list[ir.Event] = []
        # The history starts from an empty database (`if-not-exists = "new"`): a `CREATE TABLE
        # IF NOT EXISTS` of a name never seen made the table, with nothing else in it.
        self.empty_start = False
        # Whether the replay met a table it had not seen made (a placeholder): the history does
        # not start from an empty database, nor from a snapshot that holds all it uses.
        self.met_unknown = False
        # MySQL's tables and indexes by resolved name (dropped ones too): the name as the
        # history first wrote it (the CREATE's spelling; a RENAME's new one after it). The
        # keys, like every name of the catalog, are folded: MySQL compares column and index
        # names without case everywhere, and table names too on macOS and Windows
        # (`lower_case_table_names`, MySQL 8.0 Reference Manual, 11.2.3 "Identifier Case
        # Sensitivity"), but on Linux a table is found only as spelt, so messages show that.
        # Columns and constraints keep theirs in their records (`spelt`). Holding a spelling
        # is what marks a name as MySQL's: it is shown with MySQL's quoting.
        self.spelt: dict[QName, QName] = {}

    # --- lookups -------------------------------------------------------------------------

    @property
    def seen(self) -> set[str]:
        """The unqualified names of every object the replay has had, made or named (dropped
        ones too): a `DROP ... IF EXISTS` of a name not among them drops what the history never
        had."""
        if self.unremembered:
            self._remember()
        return self._seen

    def _remember(self) -> None:
        """Put the names of the events applied since `seen` was last asked into it."""
        names_seen.remember(self._seen, self.unremembered)
        self.unremembered.clear()  # (in place: `replay.apply` holds its `append`)

    def take_seen(self, fork: SchemaState) -> None:
        """Count the names a fork of this state has seen as seen here too (`branches.settle`),
        without remembering the events of either yet."""
        self._seen.update(fork._seen)  # (a fork's own names: the rest are this state's)
        self.unremembered.extend(fork.unremembered)

    def __getstate__(self) -> dict[str, object]:
        """What pickling keeps (the prefix snapshot): the names seen, not the events that give
        them."""
        if self.unremembered:
            self._remember()
        return self.__dict__

    def resolve(self, name: QName) -> QName:
        """The schema-qualified name a CREATE of `name` makes."""
        if name.schema is not None:
            return name
        for schema in self.search_path:  # (a plain loop: asked of nearly every name)
            if schema != "$user" and schema != "pg_temp":
                return QName(schema, name.name)
        return QName("public", name.name)

    def visible(self, known: Container[QName], name: QName) -> QName | None:
        """The name in `known` that `name` refers to (following search_path), if any."""
        if name.schema is not None:
            return name if name in known else None
        for schema in self.search_path:
            qualified = QName(schema, name.name)
            if qualified in known:
                return qualified
        return None

    def table(self, name: QName) -> Table | None:
        """The live table `name` refers to (following search_path), if the replay knows it."""
        # (`visible` and a lookup in one: asked of nearly every statement's tables)
        if name.schema is not None:
            return self.tables.get(name)
        tables = self.tables
        for schema in self.search_path:
            table = tables.get(QName(schema, name.name))
            if table is not None:
                return table
        # (else where a CREATE of the name would put it, as `resolve` says: the loop above
        # tried that, but for a search_path of only $user and pg_temp, which creates in public)
        for schema in self.search_path:
            if schema != "$user" and schema != "pg_temp":
                return None
        return tables.get(QName("public", name.name))

    def object_origin(self, kind: str, name: QName) -> Origin | None:
        """Where a live view, function, type, sequence, trigger ... of that name was created."""
        return self.objects.get((kind, name.name))

    def index(self, name: QName) -> Index | None:
        """The live index `name` refers to."""
        found = self.visible(self.indexes, name)
        return self.indexes[found] if found is not None else None

    def domain_constrained(self, type_ref: ir.TypeRef) -> bool | None:
        """Whether a type is a domain whose values are checked (None: the replay does not know
        the type; False: a known type that is no such domain)."""
        names = type_ref.names
        if not names:
            return None
        name = self.visible(self.types, QName(names[-2] if len(names) > 1 else None, names[-1]))
        return self.domain_checks.get(name, 0) > 0 if name is not None else None

    def shown(self, name: QName, written: Spellings | None = None) -> str:
        """A relation's name (table, index, view, sequence, ...; also a type's) as a statement
        must write it under the current search_path: quoted where needed, schema-qualified only
        when the unqualified name would find another relation or be created elsewhere. The
        same whether it was written `public.board`, `"public"."board"` or `board`.

        A MySQL name is shown as the history first wrote it, with MySQL's quoting (backquotes
        where needed; see `spelt`); `written`: the spellings of the statement that names it,
        a MySQL statement's, for a name the replay never saw made."""
        # (every message asks: the MySQL spellings looked up only where the replay has some)
        short = name.name
        if written is None and not self.spelt:  # (no spelling to look up: most messages)
            if name.schema is None:  # (shown as it is, whatever it finds)
                return quote_ident(short)
            found = self._found(short)
            if found == name or (found is None and self.resolve(QName(None, short)) == name):
                return quote_ident(short)
            return f"{quote_ident(name.schema)}.{quote_ident(short)}"
        found = None  # (what the bare name finds: for a qualified name, a MySQL spelling's key)
        if name.schema is not None or self.spelt:
            found = self._found(short)
        spelt = None
        if self.spelt:
            key = found or self.resolve(QName(None, short)) if name.schema is None else name
            spelt = self.spelt.get(key)
        if spelt is None and written is not None:
            spelt = QName(
                name.schema and written.get(name.schema, name.schema),
                written.get(name.name, name.name),
            )
        quote = quote_ident if spelt is None else quote_mysql_ident
        shown = spelt or name
        if name.schema is None or found == name:
            return quote(shown.name)
        if found is None and self.resolve(QName(None, short)) == name:
            return quote(shown.name)
        return f"{quote(shown.schema or name.schema)}.{quote(shown.name)}"

    def _found(self, short: str) -> QName | None:
        """The relation a bare name finds: a table along the search_path, else any other."""
        path = self.search_path
        tables = self.tables
        for schema in path:
            qualified = QName(schema, short)
            if qualified in tables:
                return qualified
        relations = self.relations
        for schema in path:
            qualified = QName(schema, short)
            if qualified in relations:
                return qualified
        return None

    def shown_column(self, table: QName, column: str, written: Spellings | None = None) -> str:
        """A column's name as a statement must write it (a MySQL one as the history first
        wrote it, with MySQL's quoting; `written` as for `shown`)."""
        known = self.table(table)
        found = known.columns.get(column) if known is not None else None
        return self._shown_part(table, column, found.spelt if found else None, written)

    def shown_constraint(self, table: QName, name: str, written: Spellings | None = None) -> str:
        """A constraint's name as a statement must write it (as `shown_column`)."""
        known = self.table(table)
        found = known.constraint(name) if known is not None else None
        return self._shown_part(table, name, found.spelt if found else None, written)

    def shown_index(self, table: QName, name: str, written: Spellings | None = None) -> str:
        """An index's name, unqualified, as a statement must write it (as `shown_column`)."""
        known = self.table(table)
        schema = known.name.schema if known is not None else self.resolve(table).schema
        spelt = self.spelt.get(QName(schema, name))
        return self._shown_part(table, name, spelt.name if spelt else None, written)

    def _shown_part(
        self, table: QName, name: str, spelt: str | None, written: Spellings | None
    ) -> str:
        if spelt is None and written is not None:
            spelt = written.get(name, name)
        if spelt is not None:
            return quote_mysql_ident(spelt)
        if not self.spelt:  # (no MySQL name in the replay: most histories)
            return quote_ident(name)
        known = self.table(table)
        if self.spelt.get(known.name if known is not None else self.resolve(table)):
            return quote_mysql_ident(name)  # (a MySQL table's, whose spelling is not known)
        return quote_ident(name)

    # --- the names PostgreSQL invents ----------------------------------------------------

    def constraint_name(
        self, table: QName, constraint: ir.Constraint, freed: Container[str] = ()
    ) -> str:
        """The name a constraint added to `table` now gets: its own, or PostgreSQL's invention
        (`freed`: names of constraints the same statement drops first). Without a name, `USING
        INDEX` names the constraint after the index."""
        if constraint.name or constraint.using_index:
            return constraint.name or constraint.using_index or ""
        known = self.table(table) or Table(self.resolve(table), None, complete=False)
        return self.invented_constraint_name(
            known, constraint.kind, naming.named_columns(constraint), freed
        )

    def invented_constraint_name(
        self, table: Table, kind: ir.ConstraintKind, columns: list[str], freed: Container[str] = ()
    ) -> str:
        """The name PostgreSQL gives an unnamed constraint of `table` over `columns`
        (`freed`: as for `constraint_name`)."""
        # (`live_constraints` in the same comprehension: no list of them made first)
        constraints = {
            c.name for c in table.constraints if c.dropped is None and c.name not in freed
        }
        relations = _Without(self.relation_names(table.name.schema), freed)
        return naming.invented_constraint_name(
            table.name.name, kind, columns, constraints, relations
        )

    def invented_constraint_names(
        self, table: QName, constraints: Sequence[ir.Constraint], freed: Container[str] = ()
    ) -> list[str]:
        """The names one statement's constraints on `table` get, in their order: their own, or
        PostgreSQL's invention, which avoids the names given before it in the statement too.
        PostgreSQL names the CHECK constraints first, then the primary key, the other
        index-backed ones and the foreign keys (`transformCreateStmt`, ALTER TABLE's passes),
        each group in the order written."""
        known = self.table(table) or Table(self.resolve(table), None, complete=False)
        given = {c.name or c.using_index or "" for c in constraints} - {""}
        taken = {
            c.name for c in known.constraints if c.dropped is None and c.name not in freed
        } | given
        relations = _Without(self.relation_names(known.name.schema), freed)
        names: dict[int, str] = {}
        phase = _NAMING_PHASES
        unnamed = [
            i
            for i, c in enumerate(constraints)
            if not (c.name or c.using_index) and c.kind in phase  # (not NOT NULL, DEFAULT)
        ]
        for i in sorted(unnamed, key=lambda i: phase.get(constraints[i].kind, 4)):
            constraint = constraints[i]
            name = naming.invented_constraint_name(
                known.name.name,
                constraint.kind,
                _named_after(constraint),
                taken,
                naming.either(relations, taken),
            )
            taken.add(name)
            names[i] = name
        return [names.get(i) or c.name or c.using_index or "" for i, c in enumerate(constraints)]

    def invented_index_name(self, table: QName, keys: Sequence[str]) -> str:
        """The name PostgreSQL gives an unnamed index on `table` (a resolved name):
        `<table>_<keys>_idx`, numbered on a clash (`keys`: `IndexElem.name_part`s, then the
        INCLUDE columns)."""
        parts = naming.index_column_names(keys) or ["expr"]
        return naming.choose_name(
            table.name, "_".join(parts), "idx", self.relation_names(table.schema)
        )

    def relation_names(self, schema: str | None) -> Container[str]:
        """The names taken in a schema's relation namespace (tables, indexes, views, ...)."""
        return _RelationNames(self.relations, schema)

    # --- the replay's writes -------------------------------------------------------------
    # A new object goes in through `add_*`; an object changes only once `writable_*` has given
    # the version this state may change (here the object itself; in a fork, its own copy).

    def add_table(self, table: Table) -> None:
        """Make `table` live under its name."""
        self.tables[table.name] = table
        self.relations[table.name] = "table"
        self._seen.add(table.name.name)

    def add_column(self, table: Table, column: Column) -> None:
        """Add `column` to `table` (a writable table)."""
        table.columns[column.name] = column

    def add_constraint(self, table: Table, info: ConstraintInfo) -> None:
        """Add `info` to `table` (a writable table)."""
        table.constraints.append(info)
        if info.ref_table is not None:
            self.add_referrer(info.ref_table, table.name)

    def add_referrer(self, referenced: QName, table: QName) -> None:
        """Note that `table` may hold a foreign key to `referenced`."""
        self.referrers.setdefault(referenced, {})[table] = None

    def enum_labels(self, name: str) -> dict[str, Origin]:
        """The labels of enum type `name` (unqualified), to change."""
        return self.enum_values.setdefault(name, {})

    def add_index(self, table: Table, index: Index) -> None:
        """Add `index` to `table` (a writable table) and make it live under its name."""
        table.indexes.append(index)
        key = QName(table.name.schema, index.name)
        self.indexes[key] = index
        self.relations[key] = "index"
        self._seen.add(index.name)

    def writable_table(self, table: Table) -> Table:
        """The version of live `table` this state may change."""
        return table

    def writable_column(self, table: Table, name: str) -> Column | None:
        """Column `name` of `table` (a writable table), ready to change."""
        return table.columns.get(name)

    def writable_constraint(
        self, table: Table | None, info: ConstraintInfo, near: QName | None = None
    ) -> ConstraintInfo:
        """Constraint `info` of `table` (a writable table; None: whichever table holds it, table
        `near` the likeliest), ready to change."""
        return info

    def writable_index(self, table: Table | None, index: Index) -> Index:
        """Index `index` of `table` (a writable table; None: whichever table holds it), ready to
        change."""
        return index


class _RelationNames:
    """`name in names`: whether a relation of that name lives in one schema (no copying)."""

    def __init__(self, relations: dict[QName, str], schema: str | None) -> None:
        self.relations, self.schema = relations, schema

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and QName(self.schema, name) in self.relations


def _named_after(constraint: ir.Constraint) -> list[str]:
    """The columns PostgreSQL names an unnamed constraint after: a CHECK's, those its expression
    uses (`AddRelationNewConstraints`), even written on another column."""
    if constraint.kind == "check" and (constraint.check_columns or constraint.has_expression):
        return list(dict.fromkeys(constraint.check_columns))
    return naming.named_columns(constraint)


# The order PostgreSQL names a statement's unnamed constraints in (`invented_constraint_names`).
_NAMING_PHASES = {"check": 0, "primary-key": 1, "unique": 2, "exclude": 2, "foreign-key": 3}


class _Without:
    """A namespace without some of its names (those a statement frees before it adds)."""

    def __init__(self, names: Container[str], freed: Container[str]) -> None:
        self.names, self.freed = names, freed

    def __contains__(self, name: object) -> bool:
        return name in self.names and name not in self.freed
