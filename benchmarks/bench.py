"""Side-by-side speed of dbarch-lint and squawk on the real migration corpus.

    pip install -e '.[bench]'          # squawk-cli; this script installs nothing itself
    python benchmarks/bench.py [--runs 5] [--corpus ../shared/corpus]

Both tools lint the same files with a JSON reporter (squawk's default tty reporter is far
slower). Each measurement is the median of `--runs` runs, the two tools alternating. Prints a
Markdown table: cold run, warm run (result cache populated, when dbarch-lint has one), one small
file, peak RSS, and the scaling series (1x, 2x, 4x copies of the corpus).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("lemmy", "crates-io", "structure-dumps", "supabase-postgres")
SMALL_FILE = ROOT / "docs" / "examples" / "0001_create_customers.sql"
RSS_WRAPPER = (
    "import resource, subprocess, sys;"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def sql_files(folders: Sequence[Path]) -> list[str]:
    """Every .sql file below the folders, sorted."""
    return sorted(str(p) for folder in folders for p in folder.rglob("*.sql"))


def timed(command: Sequence[str], cwd: Path) -> float:
    """Wall time of one run (output discarded)."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_rss_mb(command: Sequence[str], cwd: Path) -> float:
    """Peak resident memory of a command and its children, in MB."""
    out = subprocess.run(
        [sys.executable, "-c", RSS_WRAPPER, *command], cwd=cwd, capture_output=True, text=True
    )
    return int(out.stdout.strip() or 0) / 1024


def median_alternating(runs: int, *commands: Callable[[], float]) -> list[float]:
    """Median time of each measurement, running them in turn `runs` times."""
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            samples[index].append(command())
    return [statistics.median(s) for s in samples]


def has_option(dbarch: list[str], option: str) -> bool:
    """Whether this dbarch-lint knows a `check` option (the cache comes with later work)."""
    result = subprocess.run([*dbarch, "check", "--help"], capture_output=True, text=True)
    return option in result.stdout


def copies(folders: Sequence[Path], factor: int, into: Path) -> list[Path]:
    """`factor` copies of the folders under `into` (for the scaling series)."""
    made = []
    for n in range(factor):
        for folder in folders:
            target = into / f"copy{n}" / folder.name
            if not target.exists():
                shutil.copytree(folder, target)
            made.append(target)
    return made


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()
    beside = Path(sys.executable).parent / "squawk"  # the venv's, when it is not activated
    squawk = str(beside) if beside.exists() else shutil.which("squawk")
    if squawk is None:
        print("squawk is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    folders = [args.corpus / f for f in FOLDERS]
    files = sql_files(folders)
    dbarch = [sys.executable, "-m", "dbarch_lint"]
    cache = has_option(dbarch, "--no-cache")
    workdir = Path(tempfile.mkdtemp(prefix="dbarch-bench-"))
    try:
        check = [*dbarch, "check", "--format", "json", "--fail-on", "never"]
        cold_flags = ["--no-cache"] if cache else []
        ours_cold = [*check, *cold_flags, *map(str, folders)]
        ours_warm = [*check, *map(str, folders)]
        theirs = [squawk, "--reporter", "json", *files]
        if cache:
            subprocess.run(ours_warm, cwd=workdir, capture_output=True)  # populate the cache
        cold, warm, sq = median_alternating(
            args.runs,
            lambda: timed(ours_cold, workdir),
            lambda: timed(ours_warm, workdir),
            lambda: timed(theirs, workdir),
        )
        single, sq_single = median_alternating(
            args.runs,
            lambda: timed([*check, *cold_flags, str(SMALL_FILE)], workdir),
            lambda: timed([squawk, "--reporter", "json", str(SMALL_FILE)], workdir),
        )
        rss, sq_rss = peak_rss_mb(ours_cold, workdir), peak_rss_mb(theirs, workdir)
        series = []
        for factor in (1, 2, 4):
            data = copies(folders, factor, workdir / "scaling")
            ours_n = [*check, *cold_flags, *map(str, data)]
            theirs_n = [squawk, "--reporter", "json", *sql_files(data)]
            ours_t, theirs_t = median_alternating(
                max(1, args.runs // 2),
                lambda c=ours_n: timed(c, workdir),  # type: ignore[misc]
                lambda c=theirs_n: timed(c, workdir),  # type: ignore[misc]
            )
            series.append((factor, ours_t, theirs_t))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"Input: {len(files)} files in {', '.join(FOLDERS)}; medians of {args.runs} runs\n")
    print("| measurement | dbarch-lint | squawk | ratio |")
    print("|---|---|---|---|")
    print(f"| cold run | {cold:.3f} s | {sq:.3f} s | {cold / sq:.2f}x |")
    warm_cell = f"{warm:.3f} s" if cache else "n/a (no cache yet)"
    warm_ratio = f"{warm / sq:.2f}x" if cache else "n/a"
    print(f"| warm run | {warm_cell} | {sq:.3f} s | {warm_ratio} |")
    print(
        f"| one small file | {single * 1000:.0f} ms | {sq_single * 1000:.0f} ms | "
        f"{single / sq_single:.2f}x |"
    )
    print(f"| peak RSS | {rss:.0f} MB | {sq_rss:.0f} MB | {rss / max(sq_rss, 1):.2f}x |")
    base_ours, base_theirs = series[0][1], series[0][2]
    for factor, ours_t, theirs_t in series:
        print(
            f"| {factor}x corpus | {ours_t:.3f} s ({ours_t / base_ours:.2f} of 1x) | "
            f"{theirs_t:.3f} s ({theirs_t / base_theirs:.2f} of 1x) | {ours_t / theirs_t:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
