"""Side-by-side speed of dbarch-lint and squawk on the real migration corpus.

    pip install -e '.[bench]'          # squawk-cli; this script installs nothing itself
    python benchmarks/bench.py [--runs 5] [--corpus ../shared/corpus]

Both tools lint the same files with a JSON reporter (squawk's default tty reporter is far
slower). Each measurement is the median of `--runs` runs, the two tools alternating. Prints a
Markdown table: cold run (`--no-cache`), warm run (report cache populated, nothing changed), a run
after editing one file (parses cached), a run after touching one file without changing it (the
report cache answers after reading that file again), one small file, peak RSS, and the scaling
series (1x, 2x, 4x copies of the corpus), with the issue's targets.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
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
# As users run it: with bytecode files (some sandboxes set PYTHONDONTWRITEBYTECODE, which makes
# every start compile every module) and without colour or cache overrides.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
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
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def peak_rss_mb(command: Sequence[str], cwd: Path) -> float:
    """Peak resident memory of a command and its children, in MB."""
    out = subprocess.run(
        [sys.executable, "-c", RSS_WRAPPER, *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=ENV,
    )
    return int(out.stdout.strip() or 0) / 1024


def median_alternating(runs: int, *commands: Callable[[], float]) -> list[float]:
    """Median time of each measurement, running them in turn `runs` times."""
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            samples[index].append(command())
    return [statistics.median(s) for s in samples]


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
    bindir = Path(sys.executable).parent  # the venv's tools, when it is not activated
    squawk = str(bindir / "squawk") if (bindir / "squawk").exists() else shutil.which("squawk")
    if squawk is None:
        print("squawk is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    script = bindir / "dbarch-lint"
    dbarch = [str(script)] if script.exists() else [sys.executable, "-m", "dbarch_lint"]
    workdir = Path(tempfile.mkdtemp(prefix="dbarch-bench-"))
    try:
        # Lint copies, so the "one file edited" run can edit one; the same bytes as the corpus.
        folders = copies([args.corpus / f for f in FOLDERS], 1, workdir / "scaling")
        files = sql_files(folders)
        # Paths relative to the working directory, as users type them.
        folder_names = [str(f.relative_to(workdir)) for f in folders]
        check = [*dbarch, "check", "--format", "json", "--fail-on", "never"]
        ours_cold = [*check, "--no-cache", *folder_names]
        ours_warm = [*check, *folder_names]
        theirs = [squawk, "--reporter", "json", *(str(Path(f).relative_to(workdir)) for f in files)]
        edited = Path(files[len(files) // 2])
        original = edited.read_bytes()
        edits = iter(range(10**6))

        def edit_one_file() -> float:
            edited.write_bytes(original + f"\n-- edit {next(edits)}\n".encode())
            return timed(ours_warm, workdir)

        def touch_one_file() -> float:
            os.utime(edited)
            return timed(ours_warm, workdir)

        for command in (ours_cold, ours_warm, theirs):  # warm-up: bytecode, page cache, cache
            subprocess.run(command, cwd=workdir, capture_output=True, env=ENV)
        cold, one_edit, touched, warm, sq = median_alternating(
            args.runs,
            lambda: timed(ours_cold, workdir),
            edit_one_file,
            touch_one_file,
            lambda: timed(ours_warm, workdir),
            lambda: timed(theirs, workdir),
        )
        edited.write_bytes(original)
        small = str(SMALL_FILE)
        single, sq_single = median_alternating(
            args.runs,
            lambda: timed([*check, "--no-cache", small], workdir),
            lambda: timed([squawk, "--reporter", "json", small], workdir),
        )
        rss, sq_rss = peak_rss_mb(ours_cold, workdir), peak_rss_mb(theirs, workdir)
        series = []
        for factor in (1, 2, 4):
            data = copies([args.corpus / f for f in FOLDERS], factor, workdir / "scaling")
            ours_n = [*check, "--no-cache", *(str(d.relative_to(workdir)) for d in data)]
            theirs_n = [
                squawk,
                "--reporter",
                "json",
                *(str(Path(f).relative_to(workdir)) for f in sql_files(data)),
            ]
            ours_t, theirs_t = median_alternating(
                max(1, args.runs // 2),
                lambda c=ours_n: timed(c, workdir),  # type: ignore[misc]
                lambda c=theirs_n: timed(c, workdir),  # type: ignore[misc]
            )
            rss_n = peak_rss_mb(ours_n, workdir)
            series.append((factor, ours_t, theirs_t, rss_n))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    statements = sum(
        len(re.findall(rb";\s*(?:\n|$)", Path(f).read_bytes()))
        for f in sql_files([args.corpus / f for f in FOLDERS])
    )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()}"
    )
    print(
        f"Input: {len(files)} files (about {statements:,} statements) in {', '.join(FOLDERS)}; "
        f"medians of {args.runs} alternating runs; JSON output for both tools\n"
    )
    print("| measurement | dbarch-lint | squawk | ratio | target |")
    print("|---|---|---|---|---|")
    print(f"| cold run (`--no-cache`) | {cold:.3f} s | {sq:.3f} s | {cold / sq:.2f}x | <= 1.0x |")
    print(
        f"| warm run (nothing changed) | {warm:.3f} s | {sq:.3f} s | {warm / sq:.2f}x | <= 0.3x |"
    )
    print(
        f"| one file edited (parses cached) | {one_edit:.3f} s | {sq:.3f} s | "
        f"{one_edit / sq:.2f}x | |"
    )
    print(
        f"| one file touched, not changed (report cached) | {touched:.3f} s | {sq:.3f} s | "
        f"{touched / sq:.2f}x | |"
    )
    print(
        f"| one small file, cold | {single * 1000:.0f} ms | {sq_single * 1000:.0f} ms | "
        f"{single / sq_single:.1f}x | <= 150 ms |"
    )
    print(
        f"| peak RSS, cold run | {rss:.0f} MB | {sq_rss:.0f} MB | {rss / max(sq_rss, 1):.2f}x "
        "| <= 250 MB |"
    )
    base_ours, base_theirs = series[0][1], series[0][2]
    for factor, ours_t, theirs_t, rss_n in series:
        print(
            f"| {factor}x corpus, cold | {ours_t:.3f} s ({ours_t / base_ours:.2f} of 1x, "
            f"{rss_n:.0f} MB) | {theirs_t:.3f} s ({theirs_t / base_theirs:.2f} of 1x) | "
            f"{ours_t / theirs_t:.2f}x | linear |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
