"""DBA207 identifier-too-long."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from dbarch_lint.catalog import MAX_IDENTIFIER_BYTES
from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule
from dbarch_lint.rules._checks import NOTHING
from dbarch_lint.rules.constraints._events import NAMING_EVENTS, declared_names, statement_range
from dbarch_lint.rules.constraints._names import identifiers, truncated


class IdentifierTooLong(StatementRule):
    """An identifier longer than 63 bytes, which PostgreSQL silently truncates.

    ## What it does
    Flags the name of a new object (table, column, constraint, index, view, sequence, type,
    function, schema, trigger, ...; also the new name in a RENAME) that is longer than 63 bytes
    of UTF-8, quoted or not. Each such name is reported once per statement, at the name.

    ## Why is this bad?
    PostgreSQL keeps at most 63 bytes of an identifier (`NAMEDATALEN - 1`) and cuts the rest at
    a character boundary, with only a NOTICE that migration runners usually hide. The object
    then exists under a name nobody wrote: code that compares names from the catalog
    (`information_schema`, ORMs, schema diff tools) does not find it, two long names that share
    their first 63 bytes collide, and a name of accented letters is shorter than it looks.

    ## Example
    ```sql
    CREATE TABLE customer_subscription_invoice_line_item_tax_adjustment_histories (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY
    );
    ```

    ## Use instead
    ```sql
    CREATE TABLE invoice_line_tax_adjustments (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY
    );
    ```

    ## Known limits
    Only names the statement declares are checked; a long name used to refer to an existing
    object (PostgreSQL truncates it the same way, so the reference still works) is not.

    ## References
    - PostgreSQL documentation, "Identifiers and Key Words" (4.1.1): "The system uses no more than
      NAMEDATALEN-1 bytes of an identifier; longer names can be written in commands, but they
      will be truncated."
    """

    code = "DBA207"
    name = "identifier-too-long"
    family = "constraints"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = NAMING_EVENTS

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (a plain function: most events it is called for it passes over at once)
        statement = ctx.statement
        events = statement.events if statement is not None else (event,)
        # The whole statement is read once, at its first event that declares a name (usually
        # its first event).
        if events[0] is not event:
            for first in events:  # (a plain loop: no generator made per event)
                if type(first) in NAMING_EVENTS:
                    if first is not event:
                        return NOTHING
                    break
        if not _declares_long_name(events):
            return NOTHING
        return self._reports(event, events, ctx)

    def _reports(
        self, event: Any, events: tuple[ir.Event, ...], ctx: RuleContext
    ) -> Iterator[Report]:
        statement = ctx.statement
        declared = {d.name for e in events for d in declared_names(e)}
        reported: set[str] = set()
        start, end = statement_range(statement, event.span)
        for ident in identifiers(ctx.text, start, end):
            size = len(ident.value.encode())
            if size <= MAX_IDENTIFIER_BYTES or ident.value in reported:
                continue
            kept = truncated(ident.value)
            if kept not in declared and ident.value not in declared:
                continue
            reported.add(ident.value)
            yield ctx.report(
                ident.span,
                f"Identifier {quote_ident(ident.value)} is {size} bytes long: PostgreSQL keeps at "
                f"most {MAX_IDENTIFIER_BYTES} bytes and names the object {quote_ident(kept)}",
                hint=f"choose a name of at most {MAX_IDENTIFIER_BYTES} bytes",
            )


def _declares_long_name(events: Iterable[ir.Event]) -> bool:
    """Whether the events declare a name the parser may have cut. (It cuts long names to 63
    bytes, 62 or 61 when the cut falls inside a multibyte character: without such a name there
    is nothing to look for in the text.)"""
    for event in events:
        for declared in declared_names(event):
            # (one expression: encoding a short name costs less than the bytecodes that avoid it)
            if len(declared.name.encode()) >= _MAY_BE_CUT:
                return True
    return False


_MAY_BE_CUT = MAX_IDENTIFIER_BYTES - 2  # (bytes in a name the parser may have cut)
