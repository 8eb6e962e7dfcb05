"""`--statistics`: after the report, how many findings each rule made and how many of them
`--fix` can fix (as ruff prints it), so the shape of a first run on a large history shows at a
glance."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dbarch_lint.model.findings import Finding


def statistics(findings: Sequence[Finding]) -> str:
    """One line per rule, most findings first: count, code, name, and the fixable part."""
    counts = Counter((f.code, f.rule) for f in findings)
    safe = Counter(f.code for f in findings if f.fix is not None and f.fix.safe)
    unsafe = Counter(f.code for f in findings if f.fix is not None and not f.fix.safe)
    if not counts:
        return "Statistics: no findings\n"
    width = len(str(max(counts.values())))
    lines = ["Statistics (findings per rule):"]
    for (code, rule), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        line = f"  {count:>{width}}  {code:<7} {rule}"
        line += _fixable(safe[code], unsafe[code])
        lines.append(line)
    total = f"  {len(findings):>{width}}  in all"
    lines.append(total + _fixable(sum(safe.values()), sum(unsafe.values())))
    return "\n".join(lines) + "\n"


def _fixable(safe: int, unsafe: int) -> str:
    parts = [f"{safe} fixable with --fix"] if safe else []
    parts += [f"{unsafe} more with --unsafe-fixes"] if unsafe else []
    return f" ({', '.join(parts)})" if parts else ""
