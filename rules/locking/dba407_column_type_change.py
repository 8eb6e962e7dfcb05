"""DBA407 column-type-change."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from dbarch_lint.catalog import Table
from dbarch_lint.model import ir
from dbarch_lint.model.ir import TypeRef, quote_ident
from dbarch_lint.rule import CLOSING, Report, RuleContext, Severity, StatementRule, per_event
from dbarch_lint.rules.locking._sql import foreign_table


class ColumnTypeChangeOptions(msgspec.Struct, frozen=True, kw_only=True):
    """DBA407's options: `assume_utc`, the migrations run with the session TimeZone at UTC."""

    assume_utc: bool = False


class ColumnTypeChange(StatementRule[ColumnTypeChangeOptions]):
    """A column of an existing table changes type in a way that rewrites or scans the table.

    ## What it does
    Flags `ALTER TABLE ... ALTER COLUMN ... TYPE` on a table that was not created earlier in the
    same migration, unless the replay knows the old type and the change is binary coercible:
    `varchar(n)` to `varchar(m >= n)` or unlimited `varchar`, `varchar` to `text`, `text` to
    unlimited `varchar`, `numeric(p,s)` to `numeric(q >= p,s)` or unlimited `numeric`, `varbit(n)`
    to a larger `varbit`, `cidr` to `inet`, and raising or removing (not lowering) the
    fractional-seconds precision of `timestamp`, `timestamptz`, `time`, `timetz` or `interval`
    (`timestamp(3)` to `timestamp(6)` or `timestamp`). `citext` to `text` or unlimited `varchar` and
    `text` or `varchar` to `citext` do not rewrite the table either, but every index on the column
    is rebuilt under the lock (its operator class changes): that is said instead. A `USING` that is
    the column itself or only its cast to the new type (`USING code::text`, as Django writes on
    every type change) is the same as none; any other `USING` rewrites. `timestamp` to `timestamptz`
    and back is flagged: it rewrites unless the session's TimeZone is UTC (option `assume-utc` says
    it is, and so does a `SET TimeZone = 'UTC'` earlier in the file: then only the indexes on the
    column are rebuilt, and that is said instead). When the old type is unknown the finding says it
    could not be proven safe. A change that does not rewrite the table still re-checks every
    validated CHECK constraint that uses the column (created inline, table-level, or added or
    validated later, and not dropped), reading every row: that is reported as a scan ("re-checks
    constraint X with a full scan"), also for a type set to the type it has. A `NOT VALID` CHECK
    is re-added `NOT VALID` and checks nothing; a constraint the same `ALTER TABLE` drops is not
    re-checked, one using two changed columns is re-checked once, and a foreign table has no
    rows here to check.

    Not flagged when the replay knows the table's whole definition and it has no such column:
    the statement then fails (DBA801 says so) or, with `IF EXISTS`, does nothing, and two
    findings on one statement must not contradict each other.

    ## Why is this bad?
    A type change that is not binary coercible rewrites every row and rebuilds every index of
    the table under an ACCESS EXCLUSIVE lock: no reads and no writes for the whole rewrite. Even
    a safe change takes that lock briefly (see DBA413), and holds it for a full scan when a CHECK
    constraint uses the column: PostgreSQL drops and re-adds the constraint and checks every row
    against it. Drop the constraint, change the type and add it back `NOT VALID` in one
    `ALTER TABLE` (no scan), then `VALIDATE CONSTRAINT` in a separate transaction (a scan under
    SHARE UPDATE EXCLUSIVE, which lets reads and writes go on).

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN customer_id TYPE bigint;
    ```

    ## Use instead
    ```sql
    -- expand/contract: a new column, written by the application (or a trigger) and backfilled
    ALTER TABLE orders ADD COLUMN customer_id_new bigint;
    ```

    ## Options
    - `assume-utc` (boolean, default false): the migrations run with the session TimeZone at
      UTC, so `timestamp` <-> `timestamptz` (to no precision) rewrites nothing (the indexes on
      the column are still rebuilt, and that is reported).

    ## References
    - PostgreSQL documentation, `ALTER TABLE ... ALTER COLUMN ... TYPE` (notes on rewrites)
    """

    code = "DBA407"
    name = "column-type-change"
    family = "locking"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.AlterColumnType,)

    def check(self, event: ir.AlterColumnType, ctx: RuleContext) -> Iterator[Report]:
        if ctx.is_new_table(event.table) or ctx.column_absent(event.table, event.column):
            return  # (no such column: the statement fails, DBA801 says so)
        table = ctx.table(event.table)
        column = table.columns.get(event.column) if table is not None else None
        old = column.type if column is not None else None
        if old is not None and not event.using and binary_coercible(old, event.type):
            yield from _no_rewrite(event, old, [], _checks(table, event, ctx), ctx)
            return
        relabel = old is not None and (
            citext_relabel(old, event.type)
            or (utc_relabel(old, event.type) and (self.options.assume_utc or _utc_set(ctx)))
        )
        if old is not None and not event.using and relabel:
            # No rewrite, but the column's indexes change operator class: they are rebuilt.
            indexes = [
                i.name
                for i in (table.live_indexes() if table is not None else [])
                if event.column in i.columns or event.column in i.mentions
            ]
            yield from _no_rewrite(event, old, indexes, _checks(table, event, ctx), ctx)
            return
        name = quote_ident(event.column)
        if old is None:
            what = (
                f"Changing the type of {name} of {ctx.shown(event.table)} to {event.type} may "
                "rewrite the table and rebuild its indexes under an ACCESS EXCLUSIVE lock, "
                "blocking reads and writes for the whole rewrite: its old type is not known from "
                "the migrations, so the change could not be proven safe"
            )
        else:
            what = (
                f"Changing the type of {name} of {ctx.shown(event.table)} from {old} to "
                f"{event.type} rewrites the table and rebuilds its indexes under an ACCESS "
                "EXCLUSIVE lock, blocking reads and writes for the whole rewrite"
            )
            if {old.builtin, event.type.builtin} == {"timestamp", "timestamptz"}:
                what += (
                    " (it skips the rewrite only when the session TimeZone is UTC: say so with "
                    "SET TimeZone = 'UTC' before it, or option `assume-utc`)"
                )
        yield ctx.report(
            event.span,
            what,
            hint=(
                f"expand/contract: add a column of type {event.type}, write both, backfill in "
                f"batches, switch readers, then drop {name}"
            ),
        )


def rechecked(table: Table | None, column: str) -> list[str]:
    """The validated CHECK constraints that use `column`: PostgreSQL re-adds each after a type
    change and checks every row against it (a NOT VALID one is re-added NOT VALID, unchecked)."""
    if table is None:
        return []
    return [
        info.name
        for info in table.live_constraints()
        if info.kind == "check"
        and info.validated
        and (column in info.columns or column in info.constraint.check_columns)
    ]


def _checks(table: Table | None, event: ir.AlterColumnType, ctx: RuleContext) -> list[str]:
    """`rechecked` for the column (none on a foreign table: nothing to scan), less those the
    same ALTER TABLE drops (PostgreSQL drops
    before it changes types) and those an earlier type change of it re-checks already (each
    constraint is re-added once per statement)."""
    if foreign_table(ctx, event.table):
        return []
    done: set[str] = set()
    earlier = True
    for other in ctx.statement.events:
        earlier = earlier and other is not event
        if type(other) is ir.DropConstraint and other.table == event.table:
            done.add(other.name)
        elif earlier and type(other) is ir.AlterColumnType and other.table == event.table:
            done.update(rechecked(table, other.column))
    return [c for c in rechecked(table, event.column) if c not in done]


def _no_rewrite(
    event: ir.AlterColumnType,
    old: TypeRef,
    indexes: list[str],
    checks: list[str],
    ctx: RuleContext,
) -> Iterator[Report]:
    """A type change that does not rewrite the table, but rebuilds `indexes` and re-checks
    `checks` under its ACCESS EXCLUSIVE lock (nothing to report when there are none)."""
    if not indexes and not checks:
        return
    table, name = ctx.shown(event.table), quote_ident(event.column)
    work: list[str] = []
    hints: list[str] = []
    lasts: list[str] = []
    if indexes:
        work.append(
            ("rebuilds its index " if len(indexes) == 1 else "rebuilds its indexes ")
            + ", ".join(quote_ident(i) for i in indexes)
            + " on the column"
        )
        hints.append(
            "on a large table: build the index the new type needs with CREATE INDEX "
            "CONCURRENTLY on a new column (expand/contract), or accept the lock in a quiet window"
        )
        lasts.append("build")
    if checks:
        shown = ", ".join(quote_ident(c) for c in checks)
        work.append(
            ("re-checks constraint " if len(checks) == 1 else "re-checks constraints ")
            + f"{shown} with a full scan"
        )
        hints.append(
            f"in one ALTER TABLE drop {shown}, change the type and add "
            + ("it" if len(checks) == 1 else "them")
            + " back with NOT VALID (no scan), then in a separate transaction `ALTER TABLE "
            + f"{table} VALIDATE CONSTRAINT ...;` (it scans under SHARE UPDATE EXCLUSIVE, "
            "letting reads and writes go on)"
        )
        lasts.append("scan")
    yield ctx.report(
        event.span,
        f"Changing the type of {name} of {table} from {old} to {event.type} does not rewrite "
        f"the table, but {' and '.join(work)} under an ACCESS EXCLUSIVE lock, blocking reads "
        f"and writes for the whole {' and '.join(lasts)}",
        hint="; ".join(hints),
    )


def binary_coercible(old: TypeRef, new: TypeRef) -> bool:
    """Whether PostgreSQL changes `old` to `new` without rewriting the table."""
    before, after = old.builtin, new.builtin
    if before is None or after is None or old.array != new.array:
        return False
    if (before, old.mods) == (after, new.mods):
        return True
    if before == after and before in ("varchar", "varbit"):
        return not new.mods or (bool(old.mods) and _int(new.mods[0]) >= _int(old.mods[0]))
    if before == after == "numeric":
        if not new.mods:
            return True
        if not old.mods:
            return False
        (precision, scale), (new_precision, new_scale) = _numeric(old), _numeric(new)
        return new_scale == scale and new_precision >= precision
    if before == after and before in ("timestamp", "timestamptz", "time", "timetz"):
        return _precision_kept(old.mods[:1], new.mods[:1])
    if before == after == "interval":
        if not new.mods:
            return True
        old_range, new_range = (old.mods or (_FULL_RANGE,))[0], new.mods[0]
        if _int(new_range) not in (_int(old_range), _FULL_RANGE):
            return False  # (a narrower range may still skip the rewrite: not proven here)
        return _precision_kept(old.mods[1:2], new.mods[1:2])
    return (before, after) in (("varchar", "text"), ("cidr", "inet")) or (
        (before, after) == ("text", "varchar") and not new.mods
    )


_FULL_RANGE = 0x7FFF  # an interval's range modifier when it names no fields
_MAX_PRECISION = 6  # of timestamp, time and interval seconds


def citext_relabel(old: TypeRef, new: TypeRef) -> bool:
    """Whether the change is between `citext` and `text` or `varchar` (unlimited when it is the
    new type): binary compatible, the table is not rewritten, but its indexes on the column are
    rebuilt (their operator class changes)."""
    if old.array != new.array or old.pct_type or new.pct_type:
        return False
    before, after = old.names[-1], new.names[-1]
    if before == "citext":
        return new.builtin == "text" or (new.builtin == "varchar" and not new.mods)
    return after == "citext" and old.builtin in ("text", "varchar")


def utc_relabel(old: TypeRef, new: TypeRef) -> bool:
    """Whether the change is `timestamp` <-> `timestamptz` to no precision (or 6): no rewrite
    when the session TimeZone is UTC (the indexes on the column are rebuilt). Any other new
    precision rewrites, even a raised one (the conversion's result has no precision to keep)."""
    return (
        {old.builtin, new.builtin} == {"timestamp", "timestamptz"}
        and old.array == new.array
        and _precision_kept((), new.mods[:1])
    )


_UTC_NAMES = frozenset({"utc", "etc/utc", "uct", "etc/uct", "gmt", "etc/gmt", "universal", "zulu"})


def _utc_set(ctx: RuleContext) -> bool:
    """Whether an earlier statement of this file set the session TimeZone to UTC (a `SET LOCAL`
    only until its transaction ends)."""
    settings = _utc_settings(ctx.statements)
    utc, local = settings[min(ctx.statement.index, len(settings) - 1)]
    return utc and (not local or ctx.in_transaction)


@per_event  # (once per file: asked at each retyping to timestamptz, not a scan each time)
def _utc_settings(statements: tuple[ir.Statement, ...]) -> tuple[tuple[bool, bool], ...]:
    """Before each statement of a file (and after the last): whether TimeZone is set to UTC,
    and whether by a `SET LOCAL`."""
    utc = local = False
    found = [(utc, local)]
    for statement in statements:
        for event in statement.events:
            if type(event) is ir.SetParameter and event.name in ("timezone", "all"):
                value = "".join(event.value or ()).strip().strip("'\"").lower()
                utc, local = event.name == "timezone" and value in _UTC_NAMES, event.local
            elif type(event) is ir.Transaction and event.kind in CLOSING and local:
                utc = False
        found.append((utc, local))
    return tuple(found)


def _precision_kept(old: tuple[int | str, ...], new: tuple[int | str, ...]) -> bool:
    """Whether a fractional-seconds precision is raised or removed (not lowered): no rewrite."""
    if not new or _int(new[0]) >= _MAX_PRECISION:
        return True
    return bool(old) and _int(old[0]) >= 0 and _int(new[0]) >= _int(old[0])


def _numeric(type_: TypeRef) -> tuple[int, int]:
    precision = _int(type_.mods[0])
    return precision, _int(type_.mods[1]) if len(type_.mods) > 1 else 0


def _int(mod: int | str) -> int:
    return mod if isinstance(mod, int) else int(mod) if str(mod).isdigit() else -1
