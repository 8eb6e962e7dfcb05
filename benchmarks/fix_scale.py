"""How `--fix` scales with the file (issue #21): one dump-sized file where every table has
fixable findings, linted with `check` and fixed with `check --fix`, at several sizes.

    pip install .                      # a regular install: an editable one times differently
    python benchmarks/fix_scale.py [--runs 11] [--sizes 5000 20000 100000]

Each table is four statements: a CREATE TABLE with an unnamed PRIMARY KEY and an unnamed
UNIQUE, an unnamed CHECK added by ALTER TABLE, an unnamed index, a COMMENT (three DBA201 fixes
a table, and findings without a fix beside them). Both commands run with `--no-cache` and a JSON
report; `--fix` runs on a fresh copy of the file each time (the copy is not timed). Medians of
`--runs` rounds, the two commands alternating. Prints a Markdown table with the issue's targets:
at 20,000 statements `--fix` at most 3x `check`, and from 5,000 to 20,000 statements `--fix`
grows at most 5x.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def dump(statements: int) -> str:
    """A structure dump of `statements` statements (four a table), every table fixable."""
    out = []
    for n in range(statements // 4):
        out.append(
            f"CREATE TABLE t{n} (id bigint PRIMARY KEY, code text UNIQUE, qty integer);\n"
            f"ALTER TABLE t{n} ADD CHECK (qty > 0);\n"
            f"CREATE INDEX ON t{n} (qty);\n"
            f"COMMENT ON TABLE t{n} IS 'table {n}';\n"
        )
    return "".join(out)


def timed(command: Sequence[str], cwd: Path) -> float:
    """Wall time of one run (output discarded)."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def measure(dbarch: str, statements: int, runs: int, workdir: Path) -> tuple[float, float]:
    """Median times of `check` and `check --fix` on a dump of `statements` statements."""
    original = workdir / f"dump{statements}.sql"
    original.write_text(dump(statements))
    target = workdir / "fixme.sql"
    base = [dbarch, "check", "--no-cache", "--format", "json", "--fail-on", "never"]
    check = [*base, original.name]
    fix = [*base, "--fix", target.name]
    checks: list[float] = []
    fixes: list[float] = []
    for _ in range(runs):
        checks.append(timed(check, workdir))
        shutil.copyfile(original, target)
        fixes.append(timed(fix, workdir))
    if target.read_text() == original.read_text():
        raise SystemExit(f"--fix changed nothing at {statements} statements")
    return statistics.median(checks), statistics.median(fixes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 100000])
    args = parser.parse_args()
    dbarch = str(Path(sys.executable).parent / "dbarch-lint")
    workdir = Path(tempfile.mkdtemp(prefix="dbarch-fix-"))
    try:
        subprocess.run([dbarch, "--version"], capture_output=True, env=ENV)  # (bytecode)
        results = {n: measure(dbarch, n, args.runs, workdir) for n in args.sizes}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{os.cpu_count()} cores; medians of {args.runs} alternating rounds\n")
    print("| statements | `check` | `check --fix` | fix / check | fix growth | target |")
    print("|---|---|---|---|---|---|")
    previous: tuple[int, float] | None = None
    for n in sorted(results):
        check, fix = results[n]
        growth = f"{fix / previous[1]:.1f}x from {previous[0]:,}" if previous else ""
        target = "fix <= 3x check; <= 5x from 5,000" if n == 20000 else ""
        print(f"| {n:,} | {check:.2f} s | {fix:.2f} s | {fix / check:.1f}x | {growth} | {target} |")
        previous = (n, fix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
