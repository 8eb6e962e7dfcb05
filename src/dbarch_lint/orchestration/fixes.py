"""`--fix` and `--diff`: apply, or show, the safe rewrites rules attach to their findings (an
unsafe one, which may change what the migration does, only with `--unsafe-fixes`: `--diff`
marks it).

Only files not yet applied are edited: with `--diff-base`, the files changed since the ref;
else the files named one by one on the command line (a migration that already ran changes its
checksum for the runners that keep one, such as Flyway: the command line warns). An edit that
overlaps an earlier one in the same file waits for the next run. A file's rewrites are kept only
if linting the whole history again with them brings no finding the file did not have (no fix
may introduce another finding); otherwise the file is left as it is and the reason is told.
A file is replaced whole (never truncated and written in place) and only if nothing changed it
since it was linted. A fix may add a migration right after the file (a VALIDATE that must run in
a transaction of its own), named as the file's runner names migrations (`runners/follow_up.py`):
it is created before the file is rewritten, never over an existing file, and the fix is left
out where the runner has no place for it. A fix may also write the runner's side file for the
migration (DBA404: Flyway's `<file>.sql.conf`, Diesel's `metadata.toml`, `runners/switches.py`):
linting again reads it as planned (`Run.planned`), the findings of every file it governs are
compared, and it is written with the file (a new one with the file's mode, a changed one only
if it is still as it was read).
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import difflib
import itertools
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import msgspec

from dbarch_lint.caching.files import (
    FileChangedError,
    create_new,
    digest,
    file_digest,
    read_regular,
    replace_unchanged,
    write_whole,
)
from dbarch_lint.caching.store import Cache
from dbarch_lint.inputs import discovery
from dbarch_lint.model.findings import Edit, Finding, LintResult
from dbarch_lint.model.source import LINE_BREAK
from dbarch_lint.orchestration.run import Run, execute
from dbarch_lint.reporting import visible
from dbarch_lint.runners.follow_up import follow_up
from dbarch_lint.runners.switches import SideFile, transaction_off


@dataclass(slots=True)
class Outcome:
    """A run with its fixes: the findings left after them, the new text of each file they
    change, and the files whose fixes were refused (with the codes they would have brought)."""

    result: LintResult
    texts: dict[str, str] = field(default_factory=dict)  # shown path -> fixed text
    refused: dict[str, list[str]] = field(default_factory=dict)
    fixed: dict[str, int] = field(default_factory=dict)  # shown path -> findings its text fixes
    # shown path -> the unsafe fixes its text applies ("line N: description"), for `--diff`
    unsafe: dict[str, list[str]] = field(default_factory=dict)
    # shown path of a migration the fixes add -> (its text, the file whose fix adds it)
    created: dict[str, tuple[str, str]] = field(default_factory=dict)
    # shown path of a runner's side file the fixes write -> (it, the file whose fix writes it)
    sides: dict[str, tuple[SideFile, str]] = field(default_factory=dict)


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
    unsafe: dict[str, list[str]] = {}
    created: dict[str, tuple[str, str]] = {}
    sides: dict[str, tuple[SideFile, str]] = {}
    rewritten = _rewritten(result.findings, editable(run, named), run, unsafe, created, sides)
    if not rewritten:
        return Outcome(result)
    texts = {path: text for path, (text, _) in rewritten.items()}
    # (with the cache: the files before the first fixed one are not parsed or replayed again,
    # their prefix snapshot answers; the fixed texts' parses are keyed by their bytes)
    after = execute(_with_texts(run, texts, created, sides), cache)
    governed = _governed(run, sides)
    others = [p for paths in governed.values() for p in paths]
    old = _codes(result.findings, [*texts, *others])
    new = _codes(after.findings, [*texts, *created, *others])
    refused = {
        path: codes
        for path in texts
        if (
            codes := _introduced(
                _with_added(old, path, {}, governed.get(path, ())),
                _with_added(new, path, created, governed.get(path, ())),
            )
        )
    }
    kept = {path: text for path, text in texts.items() if path not in refused}
    fixed = {path: rewritten[path][1] for path in kept}
    unsafe = {path: marks for path, marks in unsafe.items() if path in kept}
    created = {new: made for new, made in created.items() if made[1] in kept}
    sides = {shown: side for shown, side in sides.items() if side[1] in kept}
    if not refused:
        return Outcome(after, kept, {}, fixed, unsafe, created, sides)
    final = execute(_with_texts(run, kept, created, sides), cache) if kept else result
    return Outcome(final, kept, refused, fixed, unsafe, created, sides)


def _governed(run: Run, sides: dict[str, tuple[SideFile, str]]) -> dict[str, list[str]]:
    """For each file whose fixes write a side file, the other files that side file governs
    (Diesel's `metadata.toml` covers the folder's `down.sql` too): their findings count as the
    file's when its fixes are judged."""
    wheres: dict[str, str] = {side.where: origin for side, origin in sides.values()}
    if not wheres:
        return {}
    governed: dict[str, list[str]] = {}
    for item in run.inputs:
        for consulted in item.run.consulted if item.run is not None else ():
            origin = wheres.get(os.path.abspath(consulted))
            if origin is not None and origin != item.path:
                governed.setdefault(origin, []).append(item.path)
    return governed


def _added_by(created: dict[str, tuple[str, str]], path: str) -> list[str]:
    return [new for new, (_, origin) in created.items() if origin == path]


def _with_added(
    counts: dict[str, Counter[str]],
    path: str,
    created: dict[str, tuple[str, str]],
    governed: Iterable[str] = (),
) -> Counter[str]:
    """A file's finding counts with those of the migrations its fixes add, and of the files
    the side files it writes govern (`governed`)."""
    total = Counter(counts[path])
    for new in [*_added_by(created, path), *governed]:
        total.update(counts[new])
    return total


def save(run: Run, outcome: Outcome) -> Outcome:
    """Write the fixed files. One that changed since it was linted, or cannot be written, is
    left as it was and reported as it was linted, with the reason among the run's errors."""
    unsaved = {
        path: why
        for path, text in outcome.texts.items()
        if (why := _save(run, path, text, _added_by(outcome.created, path), outcome))
    }
    if not unsaved:
        return outcome
    saved = {path: text for path, text in outcome.texts.items() if path not in unsaved}
    created = {new: made for new, made in outcome.created.items() if made[1] in saved}
    sides = {shown: side for shown, side in outcome.sides.items() if side[1] in saved}
    result = execute(_with_texts(run, saved, created, sides))
    result = msgspec.structs.replace(result, errors=(*result.errors, *unsaved.values()))
    fixed = {path: outcome.fixed[path] for path in saved}
    unsafe = {path: marks for path, marks in outcome.unsafe.items() if path in saved}
    return Outcome(result, saved, outcome.refused, fixed, unsafe, created, sides)


def _save(run: Run, path: str, text: str, new: list[str], outcome: Outcome) -> str | None:
    """Write one fixed file (in its encoding, keeping a byte-order mark it had), after the
    migrations its fixes add (`new`); None when it is written, else why not (then neither is
    left)."""
    item = run.file(path)
    fs_path = run.paths[path]
    made: list[str] = []
    for added in new:
        where = os.path.join(run.cwd, added)
        try:
            if not os.path.isdir(os.path.dirname(where)):  # (a Diesel migration is a folder)
                os.mkdir(os.path.dirname(where))
                made.append(os.path.dirname(where))
            create_new(where, outcome.created[added][0].encode(run.config.encoding), fs_path)
        except OSError as error:
            _remove(made)
            return f"cannot add {added} for the fixes of {path}: {error.strerror or error}"
        made.append(where)
    written: list[SideFile] = []
    for shown, (side, origin) in outcome.sides.items():
        if origin != path:
            continue
        why = _write_side(run, shown, side, fs_path, path)
        if why is not None:
            _restore(written)
            _remove(made)
            return why
        written.append(side)
    if text == item.text:  # (only its side files change: it must still be the file linted)
        unchanged = file_digest(fs_path) == item.digest
        why = None if unchanged else _changed(path)
    else:
        why = _replace_file(run, path, text, item, fs_path)
    if why is not None:
        _restore(written)
        _remove(made)
    return why


def _changed(path: str) -> str:
    return f"not fixing {path}: it changed since it was linted; run dbarch-lint again"


def _write_side(run: Run, shown: str, side: SideFile, like: str, path: str) -> str | None:
    """Write a runner's side file: a new one (never over a file that appeared since) with the
    mode of the migration it governs, else over the one read if it is still that one."""
    data = side.text.encode("utf-8")
    try:
        if side.before is None:
            create_new(side.where, data, like)
        else:
            replace_unchanged(side.where, data, None, digest(side.before))
    except (FileChangedError, FileExistsError):
        return f"not fixing {path}: {shown} changed since it was read; run dbarch-lint again"
    except OSError as error:
        return f"cannot write {shown} for the fixes of {path}: {error.strerror or error}"
    return None


def _restore(written: list[SideFile]) -> None:
    """Put back the side files this run wrote (removing those it added), newest first."""
    for side in reversed(written):
        with contextlib.suppress(OSError):
            if side.before is None:
                os.unlink(side.where)
            else:
                write_whole(side.where, side.before)


def _remove(made: list[str]) -> None:
    """Remove what this run made (files, then their new folders), newest first."""
    for where in reversed(made):
        with contextlib.suppress(OSError):
            if os.path.isdir(where):
                os.rmdir(where)
            else:
                os.unlink(where)


def _replace_file(
    run: Run, path: str, text: str, item: discovery.Input, fs_path: str
) -> str | None:
    data = text.encode(run.config.encoding)
    try:
        # (read as every input is: a FIFO swapped in since it was linted must not block the run)
        on_disk = read_regular(fs_path)[1]
        if on_disk.startswith(codecs.BOM_UTF8) and not data.startswith(codecs.BOM_UTF8):
            data = codecs.BOM_UTF8 + data  # (`utf-8-sig` writes it back; `utf-8` does not)
        replace_unchanged(fs_path, data, item.stat, item.digest)
    except FileChangedError:
        return _changed(path)
    except OSError as error:
        return f"cannot write the fixes to {path}: {error.strerror or error}; it is left as it was"
    return None


def unified_diff(
    run: Run,
    texts: dict[str, str],
    unsafe: dict[str, list[str]] | None = None,
    created: dict[str, tuple[str, str]] | None = None,
    sides: dict[str, tuple[SideFile, str]] | None = None,
) -> str:
    """The fixes as a unified diff, file by file; each file's unsafe fixes (`unsafe`) marked
    above it on lines `# unsafe fix: ...` (text before a file's `---` is ignored by patch and
    git apply). What comes from the input is shown as the text report shows it (`visible`):
    a control character in a migration or its name cannot act on the terminal that shows the
    diff, nor forge a line of it; a file that holds one is marked above its `---` (patch then
    refuses its hunks rather than apply them escaped; `--fix` writes the text as it is)."""
    out: list[str] = []
    changes: list[tuple[str, str | None, str]] = [
        (path, run.file(path).text or "", texts[path]) for path in sorted(texts)
    ]
    changes += [(path, None, (created or {})[path][0]) for path in sorted(created or {})]
    for name, (side, _) in sorted((sides or {}).items()):
        changes.append((name, None if side.before is None else side.before.decode(), side.text))
    for path, before, after in changes:
        out.extend(
            f"# unsafe fix: {visible(path)}:{mark}\n" for mark in (unsafe or {}).get(path, ())
        )
        (old, old_escaped), (new, new_escaped) = _shown_lines(before or ""), _shown_lines(after)
        shown = visible(path)
        if shown != path or old_escaped or new_escaped:
            out.append(f"# {shown}: some characters are shown escaped (\\x1b, \\xff)\n")
        origin = "/dev/null" if before is None else f"a/{shown}"
        out.extend(difflib.unified_diff(old, new, origin, f"b/{shown}"))
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def _shown_lines(text: str) -> tuple[list[str], bool]:
    """`text`'s lines with their own line breaks (LF, CRLF or a lone CR, as findings count
    lines: `splitlines` also breaks at a form feed or U+2028, where patch does not), each as
    `visible` shows it; and whether that escaped anything."""
    lines, start = [], 0
    for match in LINE_BREAK.finditer(text):
        lines.append(visible(text[start : match.start()]) + match.group())
        start = match.end()
    if start < len(text):
        lines.append(visible(text[start:]))
    return lines, sum(map(len, lines)) != len(text)


def _rewritten(
    findings: Iterable[Finding],
    paths: set[str],
    run: Run,
    unsafe: dict[str, list[str]],
    created: dict[str, tuple[str, str]],
    sides: dict[str, tuple[SideFile, str]],
) -> dict[str, tuple[str, int]]:
    """Each editable file that its findings' fixes change (the safe ones; the unsafe ones too
    with `--unsafe-fixes`, each recorded in `unsafe`): its new text, and how many findings
    they fix."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        fix = finding.fix
        if fix is not None and (fix.safe or run.config.unsafe_fixes) and finding.path in paths:
            by_path.setdefault(finding.path, []).append(finding)
    rewritten: dict[str, tuple[str, int]] = {}
    for path, found in by_path.items():
        text = run.file(path).text
        if text is None:
            continue
        found = [f for f in found if _placed(run, path, f, created, sides)]
        taken: list[int] = []
        new, applied = _apply(text, [f.fix.edits for f in found if f.fix is not None], taken)
        if new != text or any(origin == path for _, origin in sides.values()):
            rewritten[path] = (new, applied)
            marks = [_mark(found[i]) for i in taken if not _safe(found[i])]
            if marks:
                unsafe[path] = marks
    return rewritten


def _placed(
    run: Run,
    path: str,
    finding: Finding,
    created: dict[str, tuple[str, str]],
    sides: dict[str, tuple[SideFile, str]],
) -> bool:
    """Whether a finding's fix can be applied: it adds no migration, or its runner names one
    right after the file (recorded in `created`); it writes no side file, or the runner has
    one for the file (recorded in `sides`)."""
    fix = finding.fix
    item = run.file(path)
    runner = item.run.runner if item.run is not None else "plain"
    if fix is not None and fix.transaction_off:
        if run.config.assume_in_transaction is not None:
            return False  # (the run says how files run: a side file would change nothing)
        side = transaction_off(runner, os.path.abspath(run.paths[path]))
        if side is None:
            return False
        shown = discovery.display_path(side.where, run.cwd)
        if shown in sides:  # (another finding's fix writes it: the same text, or no fix)
            return sides[shown][0].text == side.text
        sides[shown] = (side, path)
    wanted = fix.follow_up if fix is not None else None
    if wanted is None:
        return True
    mine = _added_by(created, path)
    files = follow_up(runner, path, {*run.paths, *created}, wanted.slug, wanted.sql, mine)
    if files is None:
        return False
    created.update({new: (text, path) for new, text in files.items()})
    return True


def _safe(finding: Finding) -> bool:
    return finding.fix is None or finding.fix.safe


def _mark(finding: Finding) -> str:
    description = finding.fix.description if finding.fix is not None else ""
    return f"{finding.location.line}: {finding.code} {description}"


def _apply(
    text: str, fixes: list[tuple[Edit, ...]], taken_out: list[int] | None = None
) -> tuple[str, int]:
    """`text` with each fix whose edits overlap no fix taken before it (nor one another); and
    how many (their indexes appended to `taken_out`). Linear in the text, N log N in the edits:
    the taken ranges are kept sorted (they do not overlap, so their ends are sorted too and a new
    range need only be compared with its two neighbours) and the new text is built in one pass."""
    # (lines end where findings count them: not at "\f" or U+2028)
    starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]
    size = len(text)

    def offset(line: int, column: int) -> int:
        return min(starts[min(line, len(starts)) - 1] + column - 1, size)

    taken_starts: list[int] = []
    taken: list[tuple[int, int, str]] = []  # sorted by start, as taken_starts
    applied = 0
    for index, fix in enumerate(fixes):
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
        if taken_out is not None:
            taken_out.append(index)
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


def _with_texts(
    run: Run,
    texts: dict[str, str],
    created: dict[str, tuple[str, str]] | None = None,
    sides: dict[str, tuple[SideFile, str]] | None = None,
) -> Run:
    """The same run, reading `texts` for those files, with the migrations fixes add (each in
    the history and the targets where the file whose fix adds it is), and the side files they
    write as the runners' planned reading (`Run.planned`)."""
    planned = {
        side.where: side.text.encode("utf-8")
        for side, origin in (sides or {}).values()
        if origin in texts
    }
    read = dict(run._read)
    if planned:  # (the runners decide again: on copies, the run's own files keep their runs)
        read = {path: msgspec.structs.replace(item) for path, item in read.items()}
    for path, text in texts.items():
        item = run.file(path)
        read[path] = msgspec.structs.replace(
            item, text=text, digest=digest(text.encode(run.config.encoding)), stat=None
        )
    paths, history, targets = dict(run.paths), set(run.history), set(run.targets)
    for new, (text, origin) in (created or {}).items():
        if origin not in texts:
            continue
        paths[new] = os.path.join(run.cwd, new)
        history |= {new} if origin in run.history else set()
        targets |= {new} if origin in run.targets else set()
        dialect = run.file(origin).dialect
        read[new] = discovery.Input(
            new,
            paths[new],
            text,
            digest=digest(text.encode(run.config.encoding)),
            dialect=dialect,
        )
    return Run(
        run.config,
        paths,
        history,
        targets,
        list(run.errors),
        run.cwd,
        run.autoload_plugins,
        run.stdin,
        run._host,
        read,
        replays=run.replays,
        context=run.context,
        unsaved=run.unsaved,
        planned=planned,
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
