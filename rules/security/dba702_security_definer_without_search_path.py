"""DBA702 security-definer-without-search-path."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule


class SecurityDefinerWithoutSearchPath(StatementRule):
    """A SECURITY DEFINER function without a safe, pinned `search_path`.

    ## What it does
    Flags `CREATE FUNCTION/PROCEDURE ... SECURITY DEFINER` and `ALTER FUNCTION/PROCEDURE ...
    SECURITY DEFINER` whose own `SET search_path` is missing, `FROM CURRENT`, lists `public` or
    `"$user"`, or does not end with `pg_temp` (which is searched first when it is not listed).
    Safe: `SET search_path = ''`, or `= pg_catalog, pg_temp` (trusted schemas before `pg_temp`).
    An `ALTER FUNCTION ... SECURITY DEFINER` keeps the search_path the function already has (from
    an earlier migration, or set anywhere in this file); an `ALTER FUNCTION ... SET
    search_path` (or `RESET`) on a function the replay knows as SECURITY DEFINER is checked too.

    ## Why is this bad?
    The function runs with its owner's privileges but resolves unqualified names through the
    caller's search path: a user who can create objects in a schema on that path (`public`, a
    temporary schema) plants a function or operator with a matching name, and it runs with the
    owner's rights. A classic privilege escalation.

    ## Example
    ```sql
    CREATE FUNCTION close_account(id bigint) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    AS $$ UPDATE accounts SET closed = true WHERE accounts.id = close_account.id $$;
    ```

    ## Use instead
    ```sql
    CREATE FUNCTION close_account(id bigint) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ UPDATE public.accounts SET closed = true WHERE accounts.id = close_account.id $$;
    ```

    ## References
    - PostgreSQL documentation, `CREATE FUNCTION`, "Writing SECURITY DEFINER Functions Safely"
    """

    code = "DBA702"
    name = "security-definer-without-search-path"
    family = "security"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.CreateFunction, ir.AlterFunction)

    def check(
        self, event: ir.CreateFunction | ir.AlterFunction, ctx: RuleContext
    ) -> Iterator[Report]:
        if type(event) is ir.CreateFunction:
            if not event.security_definer:
                return
            search_path = event.search_path
        else:
            # What the function has so far: from earlier migrations and this file's earlier
            # statements.
            known = ctx.schema.function_security.get(event.name.name)
            definer = event.security_definer
            if definer is None and event.search_path is not None:  # SET search_path alone
                # (an ALTER ... SECURITY DEFINER in this file reports with this setting)
                definer = known is not None and known[0] and not _made_definer(ctx, event.name)
            if not definer:
                return
            search_path = event.search_path
            if search_path is None:
                search_path = _set_in_this_file(ctx, event.name)
            if search_path is None and known is not None:
                search_path = known[1]
        problem = _unsafe(search_path)
        if problem is None:
            return
        kind = "Procedure" if event.procedure else "Function"
        yield ctx.report(
            event.span,
            f"{kind} {ctx.shown(event.name)} is SECURITY DEFINER {problem}: objects planted in a "
            "writable schema on the caller's search path run with its owner's privileges",
            hint="add `SET search_path = pg_catalog, pg_temp` and qualify the names it uses",
        )


def _set_in_this_file(ctx: RuleContext, name: ir.QName) -> tuple[str, ...] | None:
    """The search_path the file's last CREATE or ALTER of that function sets, if any (a
    `SECURITY DEFINER` switched on by ALTER keeps the setting the function has)."""
    found = None
    for statement in ctx.statements:
        for other in statement.events:
            if (
                isinstance(other, ir.CreateFunction | ir.AlterFunction)
                and other.name.name == name.name
                and other.search_path is not None
            ):
                found = other.search_path
    return found


def _made_definer(ctx: RuleContext, name: ir.QName) -> bool:
    """Whether the file has an `ALTER FUNCTION ... SECURITY DEFINER` of that function."""
    return any(
        isinstance(other, ir.AlterFunction)
        and other.security_definer
        and other.name.name == name.name
        for statement in ctx.statements
        for other in statement.events
    )


def _unsafe(search_path: tuple[str, ...] | None) -> str | None:
    """Why a function's own search_path setting is unsafe (None: it is safe)."""
    if search_path is None:
        return "without its own search_path"
    if search_path in (("FROM CURRENT",), ("DEFAULT",)):
        return f"with search_path {search_path[0]}"
    if search_path == ("",):
        return None
    schemas = [s.strip() for s in search_path]
    shown = ", ".join(schemas)
    if any(s.lower() in ("public", "$user") for s in schemas):
        return f"with a search_path that includes a writable schema ({shown})"
    if schemas[-1] != "pg_temp":
        return f"with a search_path that does not end with pg_temp ({shown})"
    return None
