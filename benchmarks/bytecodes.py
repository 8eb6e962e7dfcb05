"""Python bytecodes a cold run executes, by function (for the speed work of benchmarks/).

    python benchmarks/bytecodes.py count OUT [--corpus ../shared/corpus] [PATH ...]
    python benchmarks/bytecodes.py diff BEFORE AFTER [--top 40]

`count` runs one cold `check -j1 --no-cache --format json` in this process under a tracer that
counts every bytecode each function executes, and stores the counts in OUT (JSON); `diff`
prints the totals of two counts and the functions whose counts changed most. The counts are
the same on every run, whatever else the machine does, so they tell a change's effect where
wall times cannot. They matter beside instruction counts: each bytecode costs the interpreter an
indirect branch that often mispredicts, so a run can execute fewer instructions than another
and still take longer (issue #17: 7% fewer instructions, 22% more bytecodes, 5% more CPU time).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("lemmy", "crates-io", "structure-dumps", "supabase-postgres")


def count(out: Path, paths: list[str]) -> None:
    """Count the bytecodes of one cold run of `paths` by function, into `out`."""
    from dbarch_lint.cli import main as cli

    counts: Counter[Any] = Counter()

    def trace(frame: FrameType, event: str, _arg: object) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            counts[frame.f_code] += 1
        return trace

    command = ["check", "-j1", "--no-cache", "--format", "json", "--fail-on", "never", *paths]
    stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 (restored below)
    sys.settrace(trace)
    try:
        with contextlib.suppress(SystemExit):  # (the command exits with the run's exit code)
            cli(command)
    finally:
        sys.settrace(None)
        sys.stdout.close()
        sys.stdout = stdout
    named: Counter[str] = Counter()
    for code, executed in counts.items():
        where = code.co_filename  # (relative to the install or the checkout)
        for root in ("site-packages/", f"{ROOT}/src/", f"{ROOT}/"):
            where = where.split(root)[-1]
        named[f"{where}:{code.co_qualname}"] += executed
    out.write_text(json.dumps(named, indent=0, sort_keys=True))
    print(f"{sum(named.values()):,} bytecodes")


def diff(before: Path, after: Path, top: int) -> None:
    """Print the totals of two counts and the `top` functions that changed most."""
    old, new = (Counter(json.loads(p.read_text())) for p in (before, after))
    total_old, total_new = sum(old.values()), sum(new.values())
    print(f"total {total_old:,} -> {total_new:,} ({total_new - total_old:+,})")
    changed = sorted(old.keys() | new.keys(), key=lambda k: -abs(new[k] - old[k]))
    for name in changed[:top]:
        print(f"{old[name]:>11,} {new[name]:>11,} {new[name] - old[name]:>+11,}  {name}")


def main() -> int:
    """Count or compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    counting = commands.add_parser("count")
    counting.add_argument("out", type=Path)
    counting.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    counting.add_argument("paths", nargs="*")
    comparing = commands.add_parser("diff")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    comparing.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    if args.command == "count":
        count(args.out, args.paths or [str(args.corpus / folder) for folder in FOLDERS])
    else:
        diff(args.before, args.after, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
