"""The transaction questions' per-file answers (`linting/transaction_questions.py`): made by runs
of statements, they give what a walk of the statements one by one gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dbarch_lint.linting.transaction_questions import locks_read_later


def _read_later_one_by_one(transactions: tuple[int, ...]) -> frozenset[int]:
    """The statements a later statement runs in a block begun at or before, by a walk from
    the last statement."""
    read, earliest = set(), len(transactions)
    for index in range(len(transactions) - 1, -1, -1):
        if earliest <= index:
            read.add(index)
        if 0 <= transactions[index] < earliest:
            earliest = transactions[index]
    return frozenset(read)


@st.composite
def _blocks(draw: st.DrawFn) -> tuple[int, ...]:
    """Where each statement's transaction block began (-1: none), as a runner's model gives."""
    transactions: list[int] = []
    for index in range(draw(st.integers(0, 40))):
        step = draw(st.sampled_from(("none", "same", "new")))
        same = transactions[-1] if transactions and transactions[-1] >= 0 else index
        transactions.append(-1 if step == "none" else same if step == "same" else index)
    return tuple(transactions)


@given(_blocks())
def test_locks_read_later_by_runs_is_the_walk_one_by_one(transactions: tuple[int, ...]) -> None:
    assert locks_read_later(transactions) == _read_later_one_by_one(transactions)


def test_locks_read_later_of_the_usual_files() -> None:
    assert locks_read_later(()) == frozenset()
    assert locks_read_later((-1, -1, -1)) == frozenset()
    assert locks_read_later((0, 0, 0)) == {0, 1}  # (one block: all but the last)
    assert locks_read_later((-1, 1, 1, -1, 4, 4)) == {1, 4}
