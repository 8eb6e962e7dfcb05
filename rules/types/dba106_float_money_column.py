"""DBA106 float-money-column."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from typing import Any

import msgspec

from dbarch_lint.model.regex import lazy
from dbarch_lint.rule import (
    Report,
    RuleContext,
    Severity,
    TypedColumn,
    prisma_hint,
)
from dbarch_lint.rules.types._typed import ColumnTypeRule

MONEY_NAMES = (
    "price", "cost", "amount", "total", "subtotal", "balance", "fee", "tax", "salary", "payment",
    "revenue", "discount", "refund", "credit", "debit",
)  # fmt: skip
FLOAT_TYPES = {"float4": "real", "float8": "double precision"}
# Word boundaries: underscores and other separators, and camelCase humps (`unitPrice`).
_WORD = lazy(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def words(name: str) -> list[str]:
    """The lower-case words of a column name (`unit_price` and `unitPrice` -> unit, price)."""
    return [w.lower() for w in _WORD.findall(name)]


class FloatMoneyColumnOptions(msgspec.Struct, frozen=True, kw_only=True):
    """DBA106's options: `money_names` replaces the default money words, `extra_money_names`
    adds to them."""

    money_names: tuple[str, ...] = MONEY_NAMES
    extra_money_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for pattern in (*self.money_names, *self.extra_money_names):
            if not _pattern_words(pattern):
                raise ValueError(f"money name {pattern!r} has no words")


class FloatMoneyColumn(ColumnTypeRule[FloatMoneyColumnOptions]):
    """A floating-point column whose name looks like money.

    ## What it does
    Flags `real`/`float4`, `double precision`/`float8` and `float(n)` columns (and arrays of
    them) in CREATE TABLE, ADD COLUMN and ALTER COLUMN TYPE when a word of the column's
    snake_case name is a money word: price, cost, amount, total, subtotal, balance, fee, tax,
    salary, payment, revenue, discount, refund, credit, debit (also their plurals: `fees`,
    `taxes`). `unit_price` and `tax_total` match; `priceless` does not. A float column whose name
    does not look like money is left alone.

    A column is judged once per migration, by its type at the end of it: one that a later
    statement of the migration changes to another type is judged there (a `varchar` changed
    to `text` later in the same file is fine), and a statement the replay knows changes
    nothing (`ADD COLUMN IF NOT EXISTS` of a column it has, a type set to the type it has,
    `CREATE TABLE IF NOT EXISTS` of a table it has) is not judged again.

    ## Why is this bad?
    Binary floating point cannot represent most decimal fractions: 0.10 is stored as
    0.1000000000000000055..., sums drift by fractions of a cent, and equality tests and rounding
    go wrong in ways auditors notice. `numeric(p,s)` is exact decimal arithmetic (or store
    integer cents in a `bigint`).

    ## Example
    ```sql
    CREATE TABLE order_lines (id bigint PRIMARY KEY, unit_price double precision NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE order_lines (id bigint PRIMARY KEY, unit_price numeric(12,2) NOT NULL);
    ```

    ## Options
    - `money-names` (list of strings): the money words; replaces the default list.
    - `extra-money-names` (list of strings): more money words, added to `money-names`.

    A name may hold several words (`unit_cost`, matched as consecutive words) and `*`/`?`
    wildcards (`amt*`). Matching ignores case; camelCase names are split into words too.

    ## Known limits
    The match is on names only: a `total_weight_kg double precision` column is flagged (`total`
    is a money word); suppress it there, or set `money-names` without `total`.

    ## References
    - PostgreSQL documentation, "Numeric Types" (floating-point types are inexact)
    - PostgreSQL wiki, "Don't Do This: Don't use money" (use numeric)
    """

    code = "DBA106"
    name = "float-money-column"
    family = "types"
    severity = Severity.WARNING
    column_types = tuple(FLOAT_TYPES)

    def _reports(
        self, event: Any, ctx: RuleContext, typed: tuple[TypedColumn, ...]
    ) -> Iterator[Report]:
        for table, column, type_, builtin in typed:
            float_name = FLOAT_TYPES[builtin]
            names = (*self.options.money_names, *self.options.extra_money_names)
            patterns = [_pattern_words(p) for p in names]
            matched = _money_word(words(column), patterns)
            if matched is None:
                continue
            array = "[]" if type_.array else ""
            name = ctx.shown_column(table, column)
            yield ctx.report(
                type_.span,
                f"Column {ctx.shown(table)}.{name} looks like money ({matched!r}) but is "
                f"{float_name}{array}: floating point cannot represent decimal amounts exactly",
                hint=f"declare it `{name} numeric(12,2){array}` (pick the precision "
                "and scale the amounts need), or store integer cents in bigint"
                + prisma_hint(ctx.runner, "money"),
            )


def _pattern_words(pattern: str) -> list[str]:
    # Keep wildcards inside words: split only on separators, then lower-case.
    return [w.lower() for w in re.split(r"[^A-Za-z0-9*?]+", pattern) if w]


def _money_word(name_words: list[str], patterns: list[list[str]]) -> str | None:
    """The money pattern some consecutive words of the name match, if any."""
    for pattern in patterns:
        size = len(pattern)
        for start in range(len(name_words) - size + 1):
            window = name_words[start : start + size]
            if all(_word_matches(w, p) for w, p in zip(window, pattern, strict=True)):
                return " ".join(window)
    return None


def _word_matches(word: str, pattern: str) -> bool:
    # (a word without wildcards is compared as it is: fnmatch compiles a regex for each pattern,
    # which costs more than reading a file)
    matches: Callable[[str, str], bool] = (
        fnmatchcase if "*" in pattern or "?" in pattern else operator.eq
    )
    if matches(word, pattern):
        return True
    # Plurals: fees, costs, taxes.
    return word.endswith("s") and (
        matches(word[:-1], pattern) or (word.endswith("es") and matches(word[:-2], pattern))
    )
