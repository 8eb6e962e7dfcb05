"""Where a cold run's time goes, by part of the program (for the speed work of benchmarks/).

    python benchmarks/phases.py [--corpus ../shared/corpus] [PATH ...]

Profiles one cold run in one process (`check -j1 --no-cache --format json`) with cProfile and
adds up each function's own time by the part of the program it belongs to: the parser (C),
decoding its JSON, lowering, the replay, the rules, the engine, reporting, imports and the rest
(a built-in function's time counts for the part that called it).
cProfile slows Python code down (C calls much less), so read the shares, not the seconds; the
wall time of a run without the profiler is printed for scale.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("lemmy", "crates-io", "structure-dumps", "supabase-postgres")
# (part, what a profiled function's file or name contains), first match wins.
PARTS = (
    # (pglast's C functions are not profiled: their time is that of the function calling them)
    ("parser (libpg_query)", "postgres/parser.py:_parse_json"),
    ("JSON decoding", "msgspec.json.Decoder"),
    ("imports", "<frozen importlib"),
    ("imports", "marshal.loads"),
    ("lowering", "dbarch_lint/parsing/"),
    ("rules", "/rules/"),  # (top-level `rules/` in an editable install)
    ("replay (schema)", "dbarch_lint/catalog/"),
    ("rule context", "dbarch_lint/linting/context.py"),
    ("rule context", "dbarch_lint/linting/transaction_questions.py"),
    ("rule context", "dbarch_lint/linting/migration_questions.py"),
    ("rule context", "dbarch_lint/linting/migration_index.py"),
    ("rule context", "dbarch_lint/linting/memo.py"),
    ("positions", "dbarch_lint/model/source.py"),
    ("reporting", "dbarch_lint/reporting/"),
    ("engine", "dbarch_lint/"),
)


def part_of(function: tuple[str, int, str]) -> str | None:
    """The part of the program a profiled function belongs to (None: a built-in function that
    belongs to its callers)."""
    where = f"{function[0]}:{function[2]}"
    found = next((part for part, marker in PARTS if marker in where), None)
    if found is None and function[0] != "~":
        return "other (Python, libraries)"
    return found


def main() -> int:
    """Profile one run and print each part's share."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    paths = args.paths or [str(args.corpus / folder) for folder in FOLDERS]
    command = ["check", "-j1", "--no-cache", "--format", "json", "--fail-on", "never", *paths]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dbarch_lint", *command], stdout=subprocess.DEVNULL, env=env
    )
    wall = time.perf_counter() - start

    from dbarch_lint.cli import main as cli

    profile = cProfile.Profile()
    stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 (restored below)
    try:
        profile.runcall(cli, command)
    except SystemExit:  # (the command exits with the run's exit code)
        pass
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    shares: dict[str, float] = {}
    for function, (_calls, _primitive, own, _cumulative, callers) in stats.items():
        part = part_of(function)
        if part is not None:
            shares[part] = shares.get(part, 0.0) + own
            continue
        for caller, (_nc, _cc, spent, _ct) in callers.items():  # a built-in: its callers' time
            mine = part_of(caller) or "other (Python, libraries)"
            shares[mine] = shares.get(mine, 0.0) + spent
    total = sum(shares.values())
    print(f"wall time without the profiler: {wall:.3f} s (one process, cold)\n")
    print("| part | share of the profiled time |")
    print("|---|---|")
    for part, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"| {part} | {seconds / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
