"""DBA703 overly-broad-grant."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule

_TABLES = ("table", "all tables in schema")


class OverlyBroadGrant(StatementRule):
    """A grant to `PUBLIC`, or of `ALL` privileges on tables.

    ## What it does
    Flags `GRANT ... TO PUBLIC` (any privilege on any object) and `GRANT ALL [PRIVILEGES]` on
    tables (or all tables in a schema) to any role.

    ## Why is this bad?
    `PUBLIC` is every role, present and future, including ones created for other applications.
    `ALL` on a table includes TRUNCATE, REFERENCES and TRIGGER: an application role needs
    SELECT, INSERT, UPDATE and DELETE at most. Least privilege limits what a leaked credential
    or an injected query can do.

    ## Example
    ```sql
    GRANT ALL ON orders TO app_user;
    ```

    ## Use instead
    ```sql
    GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO app_user;
    ```

    ## References
    - PostgreSQL documentation, "Privileges", `GRANT`
    """

    code = "DBA703"
    name = "overly-broad-grant"
    family = "security"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    targets = (ir.Grant,)

    def check(self, event: ir.Grant, ctx: RuleContext) -> Iterator[Report]:
        if not event.grant:
            return
        what = ", ".join(event.objects) or event.objtype
        if "public" in event.grantees:
            yield ctx.report(
                event.span,
                f"Granting {_privileges(event)} on {event.objtype} {what} to PUBLIC gives it to "
                "every role, present and future",
                hint="grant it to the roles that need it",
            )
        elif not event.privileges and event.objtype in _TABLES:
            yield ctx.report(
                event.span,
                f"Granting ALL on {event.objtype} {what} includes TRUNCATE, REFERENCES and TRIGGER",
                hint="grant only what the role needs, e.g. SELECT, INSERT, UPDATE, DELETE",
            )


def _privileges(event: ir.Grant) -> str:
    return ", ".join(p.upper() for p in event.privileges) or "ALL"
