"""The human report: one parseable line per finding, notes below it, a summary at the end."""

from __future__ import annotations

import unicodedata
from typing import ClassVar

from dbarch_lint.model.findings import Finding, LintResult, Location, Severity
from dbarch_lint.model.source import LINE_BREAK
from dbarch_lint.reporting import Reporter, ReporterOptions, visible

_SEVERITY_STYLE = {Severity.ERROR: "1;31", Severity.WARNING: "1;33", Severity.INFO: "1;34"}
_FRAME_LINES = 4  # a longer range shows its first two lines, an ellipsis and its last line
_TAB = "    "
# A long source line shows a window around the finding (`_window`): each of the thousands of
# findings on one 100 KB line must not print the whole line.
_EXCERPT, _LEAD = 120, 40


class _Paint:
    """ANSI styling that is a no-op when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{style}m{text}\x1b[0m" if self.enabled and text else text


class TextReporter(Reporter):
    """`path:line:col: severity CODE message [name]`, like flake8 and ruff; optional code frames."""

    name: ClassVar[str] = "text"

    def render(self, result: LintResult, options: ReporterOptions) -> str:
        """Return the report; colour only when `options.color`, no summary when `options.quiet`."""
        paint = _Paint(options.color)
        sources: dict[str, list[str]] = {}
        out: list[str] = []
        for finding in result.findings:
            out.append(_header(finding, paint))
            if options.show_source:
                if finding.path not in sources:
                    text = result.sources.get(finding.path)
                    sources[finding.path] = LINE_BREAK.split(text) if text else []
                out.extend(_frame(sources[finding.path], finding, paint))
            out.extend(_notes(finding, paint))
            if options.show_source:
                out.append("")
        if not options.quiet:
            out.append(paint(_summary(result), "1"))
            if fixable := _fixable(result):
                out.append(fixable)
        return "".join(f"{line}\n" for line in out)


def _header(finding: Finding, paint: _Paint) -> str:
    loc = finding.location
    first, *rest = (visible(line) for line in finding.message.split("\n"))
    head = (
        f"{paint(visible(loc.path), '1')}:{loc.line}:{loc.column}: "
        f"{paint(finding.severity.value, _SEVERITY_STYLE[finding.severity])} "
        f"{paint(finding.code, '1')} {first} {paint(f'[{finding.rule}]', '2')}"
    )
    return "\n".join([head, *(f"  {line}" for line in rest)])


def _notes(finding: Finding, paint: _Paint) -> list[str]:
    notes = []
    if finding.hint:
        notes.append(_note("hint", finding.hint, paint))
    if finding.fix is not None:
        applied = (
            "apply with --fix"
            if finding.fix.safe
            else "unsafe: --fix does not apply it, --fix --unsafe-fixes does"
        )
        notes.append(_note("fix", f"{finding.fix.description} ({applied})", paint))
    for related in finding.related:
        loc = related.location
        notes.append(_note("related", f"{related.message} at {_where(loc)}", paint))
    return notes


def _note(label: str, text: str, paint: _Paint) -> str:
    indent = " " * (len(label) + 4)
    first, *rest = (visible(line) for line in text.split("\n"))
    return "\n".join([f"  {paint(label + ':', '36')} {first}", *(indent + line for line in rest)])


def _where(loc: Location) -> str:
    return f"{loc.path}:{loc.line}:{loc.column}"


def _frame(lines: list[str], finding: Finding, paint: _Paint) -> list[str]:
    """The source lines of the finding's range, each underlined where the range covers it."""
    loc = finding.location
    end_line, end_column = loc.end_line, loc.end_column
    if end_column == 1 and end_line > loc.line:  # a range ending at a line start ends above it
        end_line -= 1
        end_column = len(_text(lines, end_line)) + 1
    if not 0 < loc.line <= len(lines) or end_line < loc.line:
        return []
    numbers = list(range(loc.line, min(end_line, len(lines)) + 1))
    if len(numbers) > _FRAME_LINES:
        numbers = [*numbers[:2], 0, numbers[-1]]  # 0 marks the elided lines
    width = len(str(numbers[-1]))
    gutter = paint(" " * width + " |", "34")
    out = [gutter]
    for number in numbers:
        if number == 0:
            out.append(paint("...", "34"))
            continue
        text = _text(lines, number)
        start = loc.column if number == loc.line else len(text) - len(text.lstrip()) + 1
        stop = end_column if number == end_line else len(text) + 1
        shown, pad, marks = _excerpt(text, start - 1, stop - 1)
        out.append(f"{paint(f'{number:>{width}} |', '34')} {shown}".rstrip())
        out.append(f"{gutter} {' ' * pad}{paint('^' * marks, _SEVERITY_STYLE[finding.severity])}")
    out.append(gutter)
    return out


def _excerpt(text: str, start: int, stop: int) -> tuple[str, int, int]:
    """A source line as shown, with `start`..`stop` (0-based) marked: a long line cut to a
    window, each cut counted; escaped. With it, the cells before the marks and under them."""
    begin, end = _window(len(text), start)
    lead = (f"[{begin} characters cut] " if begin else "") + visible(text[begin:start])
    marked = visible(text[start : min(stop, end)])
    tail = visible(text[max(start, min(stop, end)) : end])
    if end < len(text):
        tail += f" [{len(text) - end} characters cut]"
    shown = f"{lead}{marked}{tail}".replace("\t", _TAB)
    return shown, _width(lead), max(1, _width(marked))


def _window(length: int, start: int) -> tuple[int, int]:
    """Which characters of a line of `length` to show for a finding from `start`: a line up to
    _EXCERPT + _LEAD long whole, else _EXCERPT of it from _LEAD before the start (a cut
    shorter than _LEAD is not worth its note)."""
    if length <= _EXCERPT + _LEAD:
        return 0, length
    begin = min(start, length) - _LEAD
    begin = begin if begin >= _LEAD else 0
    end = begin + _EXCERPT
    return begin, end if length - end >= _LEAD else length


def _text(lines: list[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _width(text: str) -> int:
    """Terminal cells: tabs expand, wide East Asian characters take two, combining marks none."""
    cells = 0
    for char in text:
        if char == "\t":
            cells += len(_TAB)
        elif unicodedata.combining(char):
            continue
        else:
            cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


def _summary(result: LintResult) -> str:
    where = f"{_plural(result.files, 'file')}, {_plural(result.statements, 'statement')}"
    if result.hidden:
        where += f" ({_plural(result.hidden, 'finding')} hidden by the baseline)"
    if result.down_left_out:
        where += (
            f" ({_plural(result.down_left_out, 'down migration')} not linted: check-down = false)"
        )
    if result.not_sql:
        where += f" ({_plural(result.not_sql, 'file')} skipped: not SQL)"
    if not result.findings:
        return f"{'No findings' if result.errors else 'All checks passed'}: {where}."
    counts = (
        f"{_plural(result.count(Severity.ERROR), 'error')}, "
        f"{_plural(result.count(Severity.WARNING), 'warning')}, "
        f"{result.count(Severity.INFO)} info"
    )
    return f"Found {_plural(len(result.findings), 'finding')} ({counts}) in {where}."


def _fixable(result: LintResult) -> str:
    """How many findings `--fix` fixes, and how many more `--unsafe-fixes` adds (ruff's line)."""
    safe = sum(1 for f in result.findings if f.fix is not None and f.fix.safe)
    unsafe = sum(1 for f in result.findings if f.fix is not None and not f.fix.safe)
    if not safe and not unsafe:
        return ""
    line = f"[*] {safe} fixable with --fix"
    if unsafe:
        line += f" ({unsafe} more with --fix --unsafe-fixes)"
    return line + "."


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
