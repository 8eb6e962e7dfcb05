"""DBA510 object-rename."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule, per_event

# Renames of tables and columns are DBA503 and DBA502.
_KINDS = (
    "constraint",
    "table constraint",
    "index",
    "view",
    "materialized view",
    "function",
    "procedure",
    "type",
    "domain",
    "schema",
    "sequence",
)


class ObjectRename(StatementRule):
    """A constraint, index, view, function, type, schema, sequence or enum value is renamed.

    ## What it does
    Flags `ALTER ... RENAME TO` of constraints, indexes, views, materialized views, functions,
    procedures, types, domains, schemas and sequences, and `ALTER TYPE ... RENAME VALUE`
    (renames of tables and columns are DBA503 and DBA502). Silent for what the same migration
    created earlier (nobody uses its name yet): an object, a constraint (also of an existing
    table), an enum label (with its type or by `ADD VALUE`; but the labels of a type created
    in place of one the migration renamed away or dropped, the usual way to rebuild an enum,
    are the ones running code uses: flagged). A rename keeps an object's age: one
    created in the migration and renamed is still new, an old one renamed is still old; but
    renaming it again from a name the same migration gave it is silent (running code never used
    that name: the first rename is the one reported). Silent too for a swap: an object renamed
    away so that a later statement of the migration can rename another object of its kind to
    its name (Prisma rebuilds an enum so: `ALTER TYPE "Status" RENAME TO "Status_old"`, then
    `ALTER TYPE "Status_new" RENAME TO "Status"`); the name running code uses stays.

    ## Why is this bad?
    Running code names these objects: it calls the function, reads the view, uses the enum
    label, handles a constraint's name in its error messages, hints an index. After the rename,
    until new code is deployed everywhere, those uses fail.

    ## Example
    ```sql
    ALTER VIEW customer_totals RENAME TO customer_revenue;
    ```

    ## Use instead
    ```sql
    -- expand/contract: create the new name next to the old one, switch the code, then drop
    CREATE VIEW customer_revenue AS SELECT * FROM customer_totals;
    ```

    ## References
    - Martin Fowler, "ParallelChange" (expand/contract)
    """

    code = "DBA510"
    name = "object-rename"
    family = "compatibility"
    severity = Severity.WARNING
    targets = (ir.RenameObject, ir.AlterEnum)

    def check(self, event: ir.RenameObject | ir.AlterEnum, ctx: RuleContext) -> Iterator[Report]:
        if type(event) is ir.AlterEnum:  # (an ALTER TYPE ... RENAME VALUE)
            if event.old_value is None or ctx.is_new_enum_value(event.name, event.old_value):
                return  # ADD VALUE, or a label added earlier in this migration
            if ctx.is_renamed_here("enum value", event.old_value, event.name):
                return
            yield ctx.report(
                event.span,
                f"Renaming value {event.old_value!r} of type {ctx.shown(event.name)} to "
                f"{event.new_value!r} breaks the running code that still uses the old label",
                hint="add the new value, switch the code and the data, then stop using the old",
            )
            return
        event = cast("ir.RenameObject", event)  # (type(event) is, above: a miss is costly)
        if event.kind not in _KINDS:
            return
        if event.table is not None and ctx.is_new_table(event.table):
            return
        if ctx.is_new_object(event.kind, event.name, event.table):
            return
        if ctx.is_renamed_here(event.kind, event.name.name, event.table):
            return  # (the rename that gave the name was the break)
        if _name_given_back(ctx, event):
            return  # a swap: the old name stays, on the object that replaces it
        kind = "constraint" if event.kind == "table constraint" else event.kind
        yield ctx.report(
            event.span,
            f"Renaming {kind} {ctx.shown(event.name)} to {ctx.shown(QName(None, event.new))} "
            "breaks the "
            "running code that still uses the old name",
            hint="expand/contract: create the new name beside the old one, switch the code, "
            "then drop the old one",
        )


def _name_given_back(ctx: RuleContext, event: ir.RenameObject) -> bool:
    """Whether a later statement of the migration renames another object of the kind to the
    name this one gives up (Prisma changes an enum so: the new type is renamed to the old
    type's name once the old one is out of the way)."""
    key = (event.kind, event.name.name, event.table, event.name.schema or "public")
    return _last_rename_to(ctx.statements).get(key, -1) > ctx.statement.index


@per_event  # (once per file: asked at each rename, not a scan of the later statements each time)
def _last_rename_to(
    statements: tuple[ir.Statement, ...],
) -> dict[tuple[str, str, QName | None, str], int]:
    """The last statement of a file that renames an object to a name, by the object's kind,
    new name, table and schema."""
    found: dict[tuple[str, str, QName | None, str], int] = {}
    for position, statement in enumerate(statements):
        for e in statement.events:
            if type(e) is ir.RenameObject:
                found[(e.kind, e.new, e.table, e.name.schema or "public")] = position
    return found
