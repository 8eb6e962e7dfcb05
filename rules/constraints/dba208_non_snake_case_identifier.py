"""DBA208 non-snake-case-identifier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import (
    Report,
    RuleContext,
    Severity,
    StatementRule,
    prisma_hint,
    prisma_name_kind,
)
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.constraints._events import NAMING_EVENTS, declared_names, statement_range
from dbarch_lint.rules.constraints._names import (
    SNAKE_CASE,
    find_name,
    needs_quoting,
    snake_case,
)


class NonSnakeCaseIdentifier(StatementRule):
    """A new name that must be double-quoted: upper case, spaces, punctuation, a leading digit.

    ## What it does
    Flags the name of a new object (table, column, constraint, index, view, sequence, type or
    enum, function, schema, trigger, ...; also the new name in a RENAME) that is not lower
    snake_case: letters `a`-`z`, digits, `_` (and `$`), not starting with a digit. Such a name
    only exists because it was written in double quotes. A quoted name that is already lower
    case (`"orders"`) is the same as the unquoted one and is fine. Names chosen elsewhere, such
    as extensions (`"uuid-ossp"`) and the `"_RETURN"` rule of a view, are not checked.

    ## Why is this bad?
    PostgreSQL folds unquoted names to lower case, so `"CustomerId"` must be written with its
    quotes and exact case in every query, view, function and psql session forever; forgetting
    them gives `column "customerid" does not exist`. Spaces and punctuation are worse. Lower
    snake_case names never need quoting.

    ## Example
    ```sql
    CREATE TABLE "OrderItems" ("orderId" bigint NOT NULL, "unit price" numeric(12, 2));
    ```

    ## Use instead
    ```sql
    CREATE TABLE order_items (order_id bigint NOT NULL, unit_price numeric(12, 2));
    ```

    ## Known limits
    Only the shape of the name is judged: a lower-case name that is a reserved key word (`user`,
    `order`) also needs quoting but is not flagged.

    ## References
    - PostgreSQL documentation, "Identifiers and Key Words" (4.1.1): quoted identifiers and case
      folding
    """

    code = "DBA208"
    name = "non-snake-case-identifier"
    family = "constraints"
    dialects = frozenset({"postgres"})
    severity = Severity.WARNING
    targets = NAMING_EVENTS

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events declare no name that needs quoting; `needs_quoting`'s
        # match made here, without a call for each name)
        snake_case = SNAKE_CASE.fullmatch
        for declared in declared_names(event):
            name = declared.name
            if name and snake_case(name) is None:
                return self._reports(event, ctx)
        return NOTHING

    def _reports(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        _start, end = statement_range(ctx.statement, event.span)
        seen: set[tuple[str, str]] = set()
        for declared in declared_names(event):
            name = declared.name
            if not name or not needs_quoting(name) or (declared.kind, name) in seen:
                continue
            if declared.kind == "rule" and name == "_RETURN":
                continue  # the name PostgreSQL requires for a view's rule
            seen.add((declared.kind, name))
            span = find_name(ctx.text, declared.near, end, name) or event.span
            better = snake_case(name)
            yield ctx.report(
                span,
                f"The {declared.kind} name {quote_ident(name)} is not lower snake_case: it must be "
                "written double-quoted, exactly as declared, wherever it is used",
                hint=f"name it {quote_ident(better)}"
                + prisma_hint(ctx.runner, prisma_name_kind(declared.kind), name=better),
            )
