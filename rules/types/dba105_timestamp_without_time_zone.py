"""DBA105 timestamp-without-time-zone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import (
    Applicability,
    FixAvailability,
    Report,
    RuleContext,
    Severity,
    TypedColumn,
    prisma_hint,
)
from dbarch_lint.rules.types._fixes import retype
from dbarch_lint.rules.types._typed import ColumnTypeRule


class TimestampWithoutTimeZone(ColumnTypeRule):
    """A column declared `timestamp` (without time zone), or `time with time zone`.

    ## What it does
    Flags `timestamp`, `timestamp(p)` and `timestamp without time zone` columns, and
    `time with time zone` (`timetz`) columns (and arrays of them), in CREATE TABLE, ADD COLUMN
    and ALTER COLUMN TYPE. `timestamptz` / `timestamp with time zone` is what it asks for.

    `--fix --unsafe-fixes` declares a `timestamp` column `timestamptz` where the table is
    created in the same migration (it holds no rows yet): unsafe, since a value written without
    a zone is then read in the session's time zone, and values print with their offset.

    A column is judged once per migration, by its type at the end of it: one that a later
    statement of the migration changes to another type is judged there (a `varchar` changed
    to `text` later in the same file is fine), and a statement the replay knows changes
    nothing (`ADD COLUMN IF NOT EXISTS` of a column it has, a type set to the type it has,
    `CREATE TABLE IF NOT EXISTS` of a table it has) is not judged again.

    ## Why is this bad?
    A `timestamp` stores a wall-clock reading with no time zone: the same value means different
    instants to clients in different zones, `now()` is silently converted to the session's zone
    on the way in, and daylight-saving changes make values ambiguous or repeat. `timestamptz`
    stores an instant (in UTC) and converts to each session's zone on the way out, at the same
    8 bytes. `time with time zone` cannot handle daylight saving at all (a time of day has no
    date to decide the offset); PostgreSQL itself discourages it.

    ## Example
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamptz NOT NULL);
    ```

    ## References
    - PostgreSQL documentation, "Date/Time Types"
    - PostgreSQL wiki, "Don't Do This: Don't use timestamp (without time zone)" and
      "Don't use timetz"
    """

    code = "DBA105"
    name = "timestamp-without-time-zone"
    family = "types"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    column_types = ("timestamp", "timetz")
    fix_availability = FixAvailability.SOMETIMES  # (on a table this migration creates)
    fix_applicability = Applicability.UNSAFE

    def _reports(
        self, event: Any, ctx: RuleContext, typed: tuple[TypedColumn, ...]
    ) -> Iterator[Report]:
        for table, column, type_, builtin in typed:
            array = "[]" if type_.array else ""
            precision = f"({type_.mods[0]})" if type_.mods else ""
            name = quote_ident(column)
            if builtin == "timestamp":
                yield ctx.report(
                    type_.span,
                    f"Column {ctx.shown(table)}.{name} is timestamp{precision}{array} without time "
                    "zone: its values are wall-clock readings that mean different instants in "
                    "different time zones",
                    hint=f"declare it `{name} timestamptz{precision}{array}`"
                    + prisma_hint(ctx.runner, "timestamp"),
                    fix=retype(
                        event,
                        ctx,
                        type_,
                        f"timestamptz{precision}{array}",
                        f"Declare it timestamptz{precision}{array}",
                    ),
                )
            else:
                yield ctx.report(
                    type_.span,
                    f"Column {ctx.shown(table)}.{name} is time{precision} with time zone{array}: a "
                    "time of day cannot follow daylight-saving rules",
                    hint=f"declare it `{name} timestamptz{array}`, or "
                    f"`{name} time{precision}{array}` for a local time of day",
                )
