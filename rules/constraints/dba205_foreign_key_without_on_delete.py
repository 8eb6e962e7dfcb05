"""DBA205 foreign-key-without-on-delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.constraints._events import CONSTRAINT_EVENTS, declared_constraints


class ForeignKeyWithoutOnDelete(StatementRule):
    """A foreign key with no `ON DELETE` clause.

    ## What it does
    Flags each foreign key (`REFERENCES` on a column, `FOREIGN KEY` on the table, in CREATE
    TABLE, ADD COLUMN or ADD CONSTRAINT) that does not spell out what happens to the referencing
    rows when the referenced row is deleted. An explicit `ON DELETE NO ACTION` is a decision and
    is not flagged.

    ## Why is this bad?
    Without a clause PostgreSQL uses `NO ACTION`: deleting a parent row that still has children
    fails. Sometimes that is right, but most often nobody chose it: the author did not think about
    deletes, and the first customer who asks to delete their account meets a foreign key error,
    or someone adds `CASCADE` in a hurry. Writing the action (`RESTRICT`, `CASCADE`, `SET NULL`,
    `SET DEFAULT`, or `NO ACTION`) records the decision next to the key, where reviewers see it.

    ## Example
    ```sql
    CREATE TABLE orders (
        id bigint PRIMARY KEY,
        customer_id bigint NOT NULL REFERENCES customers (id)
    );
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (
        id bigint PRIMARY KEY,
        customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE RESTRICT
    );
    ```

    ## Known limits
    `pg_dump` omits `ON DELETE NO ACTION` (it is the default), so keys in a structure dump that
    were declared with an explicit `NO ACTION` are flagged too.

    ## References
    - PostgreSQL documentation, "Foreign Keys" (5.5.5): the referential actions
    """

    code = "DBA205"
    name = "foreign-key-without-on-delete"
    family = "constraints"
    severity = Severity.WARNING
    targets = CONSTRAINT_EVENTS

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events declare no foreign key without ON DELETE)
        for _table, constraint in declared_constraints(event):
            if constraint.kind == "foreign-key" and constraint.on_delete is None:
                return self._reports(event, ctx)
        return NOTHING

    def _reports(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        for table, constraint in declared_constraints(event):
            if constraint.kind != "foreign-key" or constraint.on_delete is not None:
                continue
            columns = ", ".join(ctx.shown_column(table, c) for c in constraint.columns)
            parent = f" to {ctx.shown(constraint.ref_table)}" if constraint.ref_table else ""
            name = f" {ctx.shown_constraint(table, constraint.name)}" if constraint.name else ""
            yield ctx.report(
                constraint.span,
                f"Foreign key{name} on {ctx.shown(table)} ({columns}){parent} has no ON DELETE "
                "action: deleting a referenced row fails (implicit NO ACTION), whether or not that "
                "was intended",
                hint="write the action you mean: `ON DELETE RESTRICT`, `ON DELETE CASCADE`, "
                "`ON DELETE SET NULL`, or `ON DELETE NO ACTION` to keep the default",
            )
