"""`--fix` and `--diff`: apply, or show, the safe rewrites rules attach to their findings (an
unsafe one, which may change what the migration does, is only reported).

Only files not yet applied are edited: with `--diff-base`, the files changed since the ref;
else the files named one by one on the command line (a migration that already ran changes its
checksum for the runners that keep one, such as Flyway: the command line warns). An edit that
overlaps an earlier one in the same file waits for the next run. A file's rewrites are kept only
if linting the whole history again with them brings no finding the file did not have (no fix
may introduce another finding); otherwise the file is left as it is and the reason is told.
A file is replaced whole (never truncated and written in place) and only if nothing changed it
since it was linted.
"""

from __future__ import annotations

import bisect
import codecs
import difflib
import itertools
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import msgspec

from dbarch_lint.caching.files import FileChangedError, digest, replace_unchanged
from dbarch_lint.caching.store import Cache
from dbarch_lint.inputs import discovery
from dbarch_lint.model.findings import Edit, Finding, LintResult
from dbarch_lint.model.source import LINE_BREAK
from dbarch_lint.orchestration.run import Run, execute


@dataclass(slots=True)
class Outcome:
    """A run with its fixes: the findings left after them, the new text of each file they
    change, and the files whose fixes were refused (with the codes they would have brought)."""

    result: LintResult
    texts: dict[str, str] = field(default_factory=dict)  # shown path -> fixed text
    refused: dict[str, list[str]] = field(default_factory=dict)
    fixed: dict[str, int] = field(default_factory=dict)  # shown path -> findings its text fixes


def editable(run: Run, named: Sequence[str]) -> set[str]:
    """The target files `--fix` may edit (shown paths): with `--diff-base` every target (they
    are the changed files), else those named as files in `named` (the command's paths)."""
    files = {path for path in run.targets if run.paths[path] != discovery.STDIN}
    if run.config.diff_base is not None:
        return files
    given = {os.path.realpath(p) for p in named if p != discovery.STDIN and os.path.isfile(p)}
    return {path for path in files if os.path.realpath(run.paths[path]) in given}


def plan(run: Run, named: Sequence[str], cache: Cache | None) -> Outcome:
    """Lint, rewrite the editable files, lint again to keep only fixes that bring nothing new."""
    result = execute(run, cache)
    rewritten = _rewritten(result.findings, editable(run, named), run)
    if not rewritten:
        return Outcome(result)
    texts = {path: text for path, (text, _) in rewritten.items()}
    # (with the cache: the files before the first fixed one are not parsed or replayed again,
    # their prefix snapshot answers; the fixed texts' parses are keyed by their bytes)
    after = execute(_with_texts(run, texts), cache)
    old, new = _codes(result.findings, texts), _codes(after.findings, texts)
    refused = {path: codes for path in texts if (codes := _introduced(old[path], new[path]))}
    kept = {path: text for path, text in texts.items() if path not in refused}
    fixed = {path: rewritten[path][1] for path in kept}
    if not refused:
        return Outcome(after, kept, {}, fixed)
    final = execute(_with_texts(run, kept), cache) if kept else result
    return Outcome(final, kept, refused, fixed)


def save(run: Run, outcome: Outcome) -> Outcome:
    """Write the fixed files. One that changed since it was linted, or cannot be written, is
    left as it was and reported as it was linted, with the reason among the run's errors."""
    unsaved = {path: why for path, text in outcome.texts.items() if (why := _save(run, path, text))}
    if not unsaved:
        return outcome
    saved = {path: text for path, text in outcome.texts.items() if path not in unsaved}
    result = execute(_with_texts(run, saved))
    result = msgspec.structs.replace(result, errors=(*result.errors, *unsaved.values()))
    return Outcome(result, saved, outcome.refused, {path: outcome.fixed[path] for path in saved})


def _save(run: Run, path: str, text: str) -> str | None:
    """Write one fixed file (in its encoding, keeping a byte-order mark it had); None when it
    is written, else why not."""
    item = run.file(path)
    fs_path = run.paths[path]
    data = text.encode(run.config.encoding)
    try:
        with open(fs_path, "rb") as handle:
            if handle.read(3) == codecs.BOM_UTF8 and not data.startswith(codecs.BOM_UTF8):
                data = codecs.BOM_UTF8 + data  # (`utf-8-sig` writes it back; `utf-8` does not)
        replace_unchanged(fs_path, data, item.stat, item.digest)
    except FileChangedError:
        return f"not fixing {path}: it changed since it was linted; run dbarch-lint again"
    except OSError as error:
        return f"cannot write the fixes to {path}: {error.strerror or error}; it is left as it was"
    return None


def unified_diff(run: Run, texts: dict[str, str]) -> str:
    """The fixes as a unified diff, file by file."""
    out: list[str] = []
    for path in sorted(texts):
        before = run.file(path).text or ""
        out.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                texts[path].splitlines(keepends=True),
                f"a/{path}",
                f"b/{path}",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def _rewritten(
    findings: Iterable[Finding], paths: set[str], run: Run
) -> dict[str, tuple[str, int]]:
    """Each editable file that its findings' safe fixes change: its new text, and how many
    findings they fix."""
    by_path: dict[str, list[tuple[Edit, ...]]] = {}
    for finding in findings:
        if finding.fix is not None and finding.fix.safe and finding.path in paths:
            by_path.setdefault(finding.path, []).append(finding.fix.edits)
    rewritten: dict[str, tuple[str, int]] = {}
    for path, fixes in by_path.items():
        text = run.file(path).text
        if text is None:
            continue
        new, applied = _apply(text, fixes)
        if new != text:
            rewritten[path] = (new, applied)
    return rewritten


def _apply(text: str, fixes: list[tuple[Edit, ...]]) -> tuple[str, int]:
    """`text` with each fix whose edits overlap no fix taken before it (nor one another); and
    how many. Linear in the text, N log N in the edits: the taken ranges are kept sorted (they
    do not overlap, so their ends are sorted too and a new range need only be compared with its
    two neighbours) and the new text is built in one pass."""
    # (lines end where findings count them: not at "\f" or U+2028)
    starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]
    size = len(text)

    def offset(line: int, column: int) -> int:
        return min(starts[min(line, len(starts)) - 1] + column - 1, size)

    taken_starts: list[int] = []
    taken: list[tuple[int, int, str]] = []  # sorted by start, as taken_starts
    applied = 0
    for fix in fixes:
        ranges = sorted(
            (offset(e.line, e.column), offset(e.end_line, e.end_column), e.text) for e in fix
        )
        if _overlapping(ranges) or any(_clashes(r, taken_starts, taken) for r in ranges):
            continue
        for r in ranges:
            at = bisect.bisect_left(taken_starts, r[0])
            taken_starts.insert(at, r[0])
            taken.insert(at, r)
        applied += 1
    out: list[str] = []
    done = 0
    for start, end, new in taken:
        out.append(text[done:start])
        out.append(new)
        done = max(done, end)
    out.append(text[done:])
    return "".join(out), applied


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    # (two insertions at the same place overlap too: their order would be a guess)
    return (a[0] < b[1] and b[0] < a[1]) or a[0] == b[0]


def _overlapping(ranges: list[tuple[int, int, str]]) -> bool:
    """Whether any of a fix's own ranges (sorted) overlap one another."""
    return any(_overlaps(a, b) for a, b in itertools.pairwise(ranges))


def _clashes(
    new: tuple[int, int, str], starts: list[int], taken: list[tuple[int, int, str]]
) -> bool:
    """Whether `new` overlaps a taken range. Taken ranges do not overlap one another, so, in
    order of start, their ends are in order too: only the last one starting before `new` and
    the first one starting at or after it can overlap it."""
    at = bisect.bisect_left(starts, new[0])
    return (at > 0 and _overlaps(new, taken[at - 1])) or (
        at < len(taken) and _overlaps(new, taken[at])
    )


def _with_texts(run: Run, texts: dict[str, str]) -> Run:
    """The same run, reading `texts` for those files."""
    read = dict(run._read)
    for path, text in texts.items():
        item = run.file(path)
        read[path] = msgspec.structs.replace(
            item, text=text, digest=digest(text.encode(run.config.encoding)), stat=None
        )
    return Run(
        run.config,
        run.paths,
        run.history,
        run.targets,
        list(run.errors),
        run.cwd,
        run.autoload_plugins,
        run.stdin,
        run._host,
        read,
        replays=run.replays,
        context=run.context,
        unsaved=run.unsaved,
    )


def _codes(findings: Iterable[Finding], paths: Iterable[str]) -> dict[str, Counter[str]]:
    """How many findings of each code each of `paths` has (one pass over the findings)."""
    counts: dict[str, Counter[str]] = {path: Counter() for path in paths}
    for finding in findings:
        if finding.path in counts:
            counts[finding.path][finding.code] += 1
    return counts


def _introduced(old: Counter[str], new: Counter[str]) -> list[str]:
    """The codes a file has more findings of after its fixes."""
    return sorted(code for code, count in new.items() if count > old[code])
