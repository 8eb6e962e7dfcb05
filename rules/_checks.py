"""What a statement rule's `check` gives when it has nothing to report.

A check is called for every event of the types it targets and most report nothing: a `check`
that is a generator costs the making and running of a generator even then. The rules called
most often test first, in a plain function, what rules the event out, and give `NOTHING` (an
iterator already exhausted, shared: it yields nothing however often it is iterated); only an
event that may be reported goes on to the generator that yields the reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

NOTHING: Iterator[Any] = iter(())
