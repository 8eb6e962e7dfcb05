"""DBA901 mysql-table-copying-alter."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.catalog import Table
from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule

_UTF8MB4_BYTES = 4  # MySQL 8.0's default character set: up to 4 bytes a character
_ONE_LENGTH_BYTE = 255  # a VARCHAR of up to 255 bytes stores its length in one byte
_MEMBER_TYPES = ("enum", "set")
_ONE_BYTE_ENUM = 255  # an ENUM of up to 255 members takes 1 byte, up to 65,535 two
# A SET of up to 8, 16, 24, 32, 64 members takes 1, 2, 3, 4, 8 bytes.
_SET_BYTES = ((8, 1), (16, 2), (24, 3), (32, 4), (64, 8))
_MEMBERS_SHOWN = 10
_OFF = frozenset({"0", "off", "false"})
_COPY_HINT = (
    "use an online schema change tool (gh-ost, pt-online-schema-change) or expand and "
    "contract; if a blocking copy is acceptable, say so with `ALGORITHM=COPY`"
)


class MysqlTableCopyingAlter(StatementRule):
    """An ALTER TABLE that MySQL 8.0 can only do by copying the table, with no ALGORITHM/LOCK.

    ## What it does
    Flags an `ALTER TABLE` of an existing table that names no `ALGORITHM` or `LOCK` clause and
    whose operation MySQL 8.0 performs only with `ALGORITHM=COPY` (MySQL 8.0 Reference Manual,
    "Online DDL Operations", the operations whose *In Place* column says No):
    - changing a column's data type (`MODIFY`/`CHANGE` with another type): flagged unless the
      replay shows the column already has that type, or the change only extends a `VARCHAR`
      within the same number of length bytes (counting 4 bytes a character, utf8mb4), which
      MySQL does in place, or only appends members at the end of an `ENUM` or `SET` list
      within the same storage size (an ENUM of up to 255 members takes 1 byte, up to 65,535
      two; a SET of up to 8, 16, 24, 32, 64 members 1, 2, 3, 4, 8 bytes), which MySQL does
      instantly: inserting a member elsewhere, reordering or removing members, or crossing a
      storage size copies. A new ENUM or SET list for a column whose old type the replay does
      not know is reported as not proven to only append members, and any other redefinition of
      such a column as not proven to keep its type (the replay may not know the old type
      because the table was made before the history starts, or because alternatives of a
      conditional disagree on it). (The same statement may also change the column's
      nullability or default: in place, not a copy.)
    - dropping the primary key without adding another in the same statement;
    - converting the table's character set (`CONVERT TO CHARACTER SET`);
    - adding a `STORED` generated column (`ADD COLUMN ... AS (...) STORED`); a `VIRTUAL` one
      (the default when neither is written) is added instantly or in place;
    - adding a foreign key (`ADD [CONSTRAINT ...] FOREIGN KEY`) while `foreign_key_checks` is
      on: MySQL supports `ALGORITHM=INPLACE` for it only when `foreign_key_checks` is disabled.
      Silent after a `SET [SESSION] foreign_key_checks = 0` (or `SET @@foreign_key_checks = 0`,
      `OFF`) earlier in the file that is not set back before the statement; `SET GLOBAL` does
      not change the session running the migration.

    ## Why is this bad?
    With `ALGORITHM=COPY`, MySQL builds a new copy of the table row by row and blocks every
    write (INSERT, UPDATE, DELETE) to it until the copy is done: minutes to hours on a large
    table, an outage for whatever writes to it. Without an `ALGORITHM`/`LOCK` clause, MySQL picks
    the copy silently.

    ## Example
    ```sql
    ALTER TABLE orders MODIFY COLUMN total BIGINT NOT NULL;
    ```

    ## Use instead
    ```sql
    -- expand and contract: a new column is instant; backfill it in batches, switch, drop
    ALTER TABLE orders ADD COLUMN total_cents BIGINT, ALGORITHM=INSTANT;
    ```
    For a foreign key on a table whose rows are known to match:
    ```sql
    SET foreign_key_checks = 0;  -- in place, but the existing rows are not checked
    ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
      FOREIGN KEY (customer_id) REFERENCES customers (id);
    SET foreign_key_checks = 1;
    ```
    Or run the change with an online schema change tool (gh-ost, pt-online-schema-change). If a
    blocking copy is acceptable (a small table, a maintenance window), say so with
    `ALGORITHM=COPY`.

    ## Known limits
    Only MySQL files are checked (`--dialect mysql` or `per-file-dialect`). The character set is
    not replayed: a `VARCHAR` extension is judged as utf8mb4, and an ENUM or SET whose list only
    grows at its end as keeping its character set and collation.

    ## References
    - MySQL 8.0 Reference Manual, "Online DDL Operations" (column, generated column, foreign
      key, primary key and table operations): "Adding a STORED column": In Place No; "Adding a
      foreign key constraint": "The INPLACE algorithm is supported when foreign_key_checks is
      disabled. Otherwise, only the COPY algorithm is supported."; "Modifying the definition of
      an ENUM or SET column by adding new members to the end of the list of valid member values
      may be performed instantly or in place, as long as the storage size of the data type does
      not change."
      https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
    - MySQL 8.0 Reference Manual, "Data Type Storage Requirements" (ENUM: 1 or 2 bytes,
      depending on the number of members; SET: 1, 2, 3, 4, or 8 bytes):
      https://dev.mysql.com/doc/refman/8.0/en/storage-requirements.html
    - MySQL 8.0 Reference Manual, "foreign_key_checks" (setting it back to 1 does not check the
      rows written meanwhile):
      https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_foreign_key_checks
    """

    code = "DBA901"
    name = "mysql-table-copying-alter"
    family = "mysql"
    dialects = frozenset({"mysql"})
    severity = Severity.ERROR
    targets = (ir.OnlineDdl,)

    def check(self, event: ir.OnlineDdl, ctx: RuleContext) -> Iterator[Report]:
        if event.algorithm is not None or event.lock is not None:
            return
        if ctx.is_new_table(event.table):
            return
        kinds = {kind for kind, _, _ in event.operations}
        what, hint = None, _COPY_HINT
        unproven = None
        stored = [column for kind, column, _ in event.operations if kind == "add-stored-column"]
        if "convert-charset" in kinds:
            what = "converts its character set"
        elif "drop-primary-key" in kinds and "add-primary-key" not in kinds:
            what = "drops its primary key"
        elif stored:
            what = f"adds the STORED generated column {stored[0]}"
            hint = (
                "add it VIRTUAL (instant; index it if it must be searched), or use an online "
                "schema change tool (gh-ost, pt-online-schema-change); if a blocking copy is "
                "acceptable, say so with `ALGORITHM=COPY`"
            )
        elif "add-foreign-key" in kinds and not _foreign_key_checks_off(ctx):
            what = "adds a foreign key while foreign_key_checks is on"
            hint = (
                "`SET foreign_key_checks = 0` before it lets MySQL add it in place "
                "(ALGORITHM=INPLACE, writes allowed), but then the existing rows are not checked "
                "against the referenced table: find orphans first, and set it back to 1 after"
            )
        else:
            table = ctx.table(event.table)
            for kind, column, new in event.operations:
                if kind != "change-column" or not column or not new:
                    continue
                old = _old_type(table, column)
                if old is None and new.name in _MEMBER_TYPES:
                    what = (
                        f"redefines column {column} as {_shown(new)}, which could not be proven to "
                        f"only append members to its {new.name.upper()} list (the replay does not "
                        "know its type)"
                    )
                    break
                if old is None:
                    unproven = (
                        f"This ALTER TABLE redefines column {column} as {_shown(new)}, which could "
                        "not be proven to keep its type (the replay does not know its old type): "
                        "if it changes it, MySQL 8.0 does that only by copying "
                        f"{ctx.shown(event.table)} (ALGORITHM=COPY), blocking writes (INSERT, "
                        "UPDATE, DELETE) for the whole copy"
                    )
                    break
                if _changes_type(old, new):
                    what = f"changes the type of column {column} to {_shown(new)}"
                    if old is not None and old.names == new.names and new.name in _MEMBER_TYPES:
                        what = (
                            f"changes the {new.name.upper()} list of column {column} to "
                            f"{_shown(new)}, not only appending members at its end within the same "
                            "storage size"
                        )
                    break
        if unproven is not None:
            yield ctx.report(event.span, unproven, hint=hint)
            return
        if what is None:
            return
        yield ctx.report(
            event.span,
            f"This ALTER TABLE {what}: MySQL 8.0 does that only by copying "
            f"{ctx.shown(event.table)} (ALGORITHM=COPY), blocking writes (INSERT, UPDATE, DELETE) "
            "for the whole copy",
            hint=hint,
        )


def _foreign_key_checks_off(ctx: RuleContext) -> bool:
    """Whether an earlier statement of this file turned the session's `foreign_key_checks` off
    (and none turned it back on)."""
    off = False
    for statement in ctx.statements[: ctx.statement.index]:
        for event in statement.events:
            if isinstance(event, ir.SetParameter) and event.name == "foreign_key_checks":
                value = "".join(event.value or ()).strip().strip("'\"").lower()
                off = value in _OFF
    return off


def _old_type(table: Table | None, column: str) -> ir.TypeRef | None:
    """The column's type before the statement, if the replay knows it."""
    old = table.columns.get(column) if table is not None else None
    return old.type if old is not None else None


def _changes_type(before: ir.TypeRef, new: ir.TypeRef) -> bool:
    """Whether changing the column's type from `before` to `new` copies the table."""
    if (before.names, before.mods) == (new.names, new.mods):
        return False
    if before.names == new.names and new.name in _MEMBER_TYPES:
        return not _appends_members(new.name, before.mods, new.mods)
    lengths = _lengths(before, new) if before.names == new.names == ("varchar",) else None
    if lengths is None:
        return True
    old_length, new_length = lengths
    return new_length < old_length or _length_bytes(old_length) != _length_bytes(new_length)


def _appends_members(kind: str, old: tuple[int | str, ...], new: tuple[int | str, ...]) -> bool:
    """Whether an ENUM's or SET's new member list is its old one with members added at the end,
    in the same storage size (MySQL changes only the table's metadata then)."""
    if len(new) <= len(old) or new[: len(old)] != old:
        return False
    return _member_bytes(kind, len(old)) == _member_bytes(kind, len(new))


def _member_bytes(kind: str, members: int) -> int:
    """The bytes a value of an ENUM or SET with this many members takes (MySQL 8.0 Reference
    Manual, "Data Type Storage Requirements")."""
    if kind == "enum":
        return 1 if members <= _ONE_BYTE_ENUM else 2
    return next((size for most, size in _SET_BYTES if members <= most), 8)


def _length_bytes(characters: int) -> int:
    return 1 if characters * _UTF8MB4_BYTES <= _ONE_LENGTH_BYTE else 2


def _lengths(before: ir.TypeRef, after: ir.TypeRef) -> tuple[int, int] | None:
    if len(before.mods) == len(after.mods) == 1:
        old, new = before.mods[0], after.mods[0]
        if isinstance(old, int) and isinstance(new, int):
            return old, new
    return None


def _shown(type_ref: ir.TypeRef) -> str:
    name = ir.DISPLAY_TYPE_NAMES.get(type_ref.names[-1], type_ref.names[-1])
    shown = [str(m) for m in type_ref.mods]
    if len(shown) > _MEMBERS_SHOWN:  # (an ENUM or SET list: its start and its size)
        shown = [*shown[:3], f"... {len(shown)} members"]
    mods = f"({', '.join(shown)})" if shown else ""
    return f"{name}{mods}"
