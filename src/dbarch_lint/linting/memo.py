"""The memoiser of the rule context's helpers (`per_event`): a leaf every part of the context
imports."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

_E = TypeVar("_E")
_R = TypeVar("_R")


def per_event(compute: Callable[[_E], _R]) -> Callable[[_E], _R]:
    """`compute(event)`, remembered for the latest event it was called with.

    The engine runs every rule on an event before it moves to the next, so a helper that several
    rules call with the same event (the columns it types, the names it declares) computes its
    result once. Only for a function of the (immutable) event alone, with a result nobody
    changes: return a tuple, not a generator.
    """
    # (the latest event and its result, one tuple in the closure: cheap, and replaced at once)
    latest: tuple[Any, Any] = (_NOTHING, None)

    @functools.wraps(compute)
    def remembered(event: _E) -> _R:
        nonlocal latest
        known, result = latest  # (unpacked: cheaper than indexing it twice)
        if known is event:
            return result  # type: ignore[no-any-return]
        result = compute(event)
        latest = (event, result)
        return result

    return remembered


_NOTHING = object()
