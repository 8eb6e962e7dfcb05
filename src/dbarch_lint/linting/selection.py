"""Selection: which findings are reported, and how severe they are.

The checker reports everything it finds; this module alone decides what of it the user sees
(as flake8 keeps its style guide apart from its checker): the codes the configuration enables,
`per-file-ignores`, suppression comments, severity overrides, and DBA003 for a suppression
that suppresses nothing.

Suppression comments: `-- noqa:`, `-- dbarch-lint: disable=`/`enable=`, `file-noqa:`. A
statement suppression covers the statement its comment belongs to: a comment on a line that
holds part of a statement belongs to that statement; a comment on a line of its own belongs to
the next statement. Our codes (and configured plugin prefixes) that suppress nothing, or that
are unknown, become DBA003; a bare `-- noqa` or other tools' codes are left alone.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Sequence

import msgspec

from dbarch_lint.linting.reports import engine_finding, location
from dbarch_lint.linting.rule_base import Rule
from dbarch_lint.model.findings import Finding, Severity
from dbarch_lint.model.ir import Comment, Span
from dbarch_lint.model.regex import lazy
from dbarch_lint.model.source import SourceFile

_CODE = operator.attrgetter("code")  # (of a finding)


class Selection:
    """What a run reports: asked once per target file with everything found there."""

    def __init__(
        self,
        rules: Sequence[type[Rule]],
        enabled: frozenset[str],
        severity: dict[str, Severity],
        per_file_ignores: dict[str, tuple[str, ...]],
        plugin_prefixes: Sequence[str],
        external: Sequence[str],
    ) -> None:
        self.enabled = enabled
        self.severity = severity
        # target (shown path) -> the codes, prefixes and names `per-file-ignores` ignores there
        self.per_file_ignores = per_file_ignores
        self.vocabulary = Vocabulary(
            [r.code for r in rules],
            {r.name: r.code for r in rules},
            ("DBA", *plugin_prefixes),
            external,
        )
        self.by_code = {r.code: r for r in rules}

    def is_enabled(self, code: str) -> bool:
        """Whether a rule is enabled (only those run)."""
        return code in self.enabled

    def reported(
        self,
        source: SourceFile,
        comments: Sequence[Comment],
        statement_spans: Sequence[Span],
        found: list[Finding],
    ) -> list[Finding]:
        """The findings of one target file that are reported, with their severity, then a DBA003
        for each of its suppressions that suppressed nothing. `found`: every finding of the file
        (`statement_spans`: of its top-level statements, which statement suppressions cover)."""
        enabled, severities = self.enabled, self.severity
        suppressions: list[Suppression] = []
        if comments:  # (most files have none: nothing to collect)

            def statement_lines() -> list[tuple[int, int]]:
                return [
                    (source.line_of(span.start), source.line_of(max(span.start, span.end - 1)))
                    for span in statement_spans
                ]

            suppressions = collect(comments, source.line_of, statement_lines)
        ignored = self.per_file_ignores.get(source.path, ())
        if not ignored and not suppressions:
            # (most files: every finding is of an enabled rule, which is seen in C; else a list
            # made in one frame)
            if enabled.issuperset(map(_CODE, found)):
                kept = list(found)
            else:
                kept = [f for f in found if f.code in enabled or f.code == "DBA000"]
            if severities:
                kept = [self._with_severity(f) if f.code in severities else f for f in kept]
            return kept
        kept = list(self._selected(found, ignored, suppressions))
        if "DBA003" in enabled:  # (once they have all been seen: which suppressed nothing)
            for suppression, text, known in self._unused(suppressions):
                message = (
                    f"Suppression of {text} suppresses nothing here"
                    if known
                    else f"Suppression names {text}, which is not a known code or rule name"
                )
                unused = engine_finding(
                    self.by_code["DBA003"],
                    location(source, suppression.comment.span),
                    message,
                    "remove it from the comment",
                )
                kept.append(self._with_severity(unused))
        return kept

    def _selected(
        self, found: list[Finding], ignored: tuple[str, ...], suppressions: list[Suppression]
    ) -> Iterator[Finding]:
        """`reported`'s findings of a file with ignores or suppressions (marking each
        suppression token that suppresses one as used)."""
        vocabulary, enabled, severities = self.vocabulary, self.enabled, self.severity
        for finding in found:
            # A rule's crash (DBA000) cannot be ignored (INTERFACE.md): hiding it would hide
            # a bug, and a statement the rule never checked.
            if finding.code != "DBA000":
                if finding.code not in enabled:
                    continue
                if ignored and any(
                    vocabulary.matches(t, finding.code, finding.rule) for t in ignored
                ):
                    continue
                if suppressions and _suppressed(finding, suppressions, vocabulary):
                    continue
            # (most codes have no configured severity: a call saved for each of their findings)
            yield self._with_severity(finding) if finding.code in severities else finding

    def _unused(self, suppressions: list[Suppression]) -> Iterator[tuple[Suppression, str, bool]]:
        """Each token of ours that suppressed nothing, with whether it names a rule at all. A
        known token counts only if it could have suppressed an enabled rule."""
        vocabulary = self.vocabulary
        for suppression in suppressions:
            for token in suppression.tokens:
                if token.used or not vocabulary.is_ours(token.text):
                    continue
                if not vocabulary.is_known(token.text):
                    yield suppression, token.text, False
                elif any(
                    vocabulary.matches(token.text, code, name)
                    for name, code in vocabulary.names.items()
                    if code in self.enabled and code != "DBA003"
                ):
                    yield suppression, token.text, True

    def _with_severity(self, finding: Finding) -> Finding:
        severity = self.severity.get(finding.code)
        if severity is None or severity is finding.severity:
            return finding
        return msgspec.structs.replace(finding, severity=severity)


def _suppressed(finding: Finding, suppressions: list[Suppression], vocabulary: Vocabulary) -> bool:
    """Whether a suppression covers the finding (marking each token that does as used)."""
    line = finding.location.line
    hit = False
    for suppression in suppressions:
        if suppression.first_line <= line <= suppression.last_line:
            for token in suppression.tokens:
                if vocabulary.matches(token.text, finding.code, finding.rule):
                    token.used = True
                    hit = True
    return hit


# Suppression comments: which lines each covers, and which of its tokens were used.
_NOQA = lazy(r"\bnoqa\s*:\s*(?P<codes>[\w\-]+(?:[\s,]+[\w\-]+)*)", re.I)
_FILE = lazy(r"\bdbarch-lint\s*:\s*file-noqa\s*[:=]\s*(?P<codes>[\w\-]+(?:[\s,]+[\w\-]+)*)", re.I)
_RANGE = lazy(
    r"\bdbarch-lint\s*:\s*(?P<verb>disable|enable)\s*=\s*(?P<codes>[\w\-]+(?:[\s,]+[\w\-]+)*)", re.I
)


class Token(msgspec.Struct):
    """One code, prefix or rule name in a suppression, and whether it suppressed anything."""

    text: str
    used: bool = False


class Suppression(msgspec.Struct):
    """A suppression and the lines it covers (1-based, inclusive)."""

    kind: str  # "statement", "range" or "file"
    tokens: list[Token]
    comment: Comment
    first_line: int
    last_line: int = 10**9
    ended: bool = False


class Vocabulary:
    """What counts as one of our codes: rule codes and names, plus plugin code prefixes."""

    def __init__(
        self,
        codes: Sequence[str],
        names: dict[str, str],
        prefixes: Sequence[str],
        external: Sequence[str] = (),
    ) -> None:
        self.codes = tuple(codes)
        self.names = names  # rule name -> code
        self.prefixes = tuple(prefixes)
        self.external = tuple(external)  # other tools' codes that share one of our prefixes

    def is_ours(self, token: str) -> bool:
        """Whether a suppression token claims to be one of our codes or names."""
        upper = token.upper()
        if any(upper.startswith(e) for e in self.external):
            return False
        return token.lower() in self.names or any(upper.startswith(p) for p in self.prefixes)

    def is_known(self, token: str) -> bool:
        """Whether the token names at least one existing rule."""
        upper = token.upper()
        return token.lower() in self.names or any(code.startswith(upper) for code in self.codes)

    def matches(self, token: str, code: str, name: str) -> bool:
        """Whether a token covers a finding's code or rule name."""
        return code.startswith(token.upper()) or token.lower() == name


def _tokens(codes: str) -> list[Token]:
    return [Token(t) for t in re.split(r"[\s,]+", codes.strip()) if t]


def collect(
    comments: Sequence[Comment],
    line_of: Callable[[int], int],
    statement_lines: Callable[[], Sequence[tuple[int, int]]],
) -> list[Suppression]:
    """Every suppression in a file, with the lines each covers.

    `statement_lines()` gives the first and last line of each statement; it is called only if a
    statement suppression needs them.
    """
    found: list[Suppression] = []
    open_ranges: list[Suppression] = []
    lines: Sequence[tuple[int, int]] | None = None
    for comment in comments:
        line = line_of(comment.span.start)
        if match := _FILE.search(comment.text):
            found.append(Suppression("file", _tokens(match["codes"]), comment, 1))
        elif match := _RANGE.search(comment.text):
            tokens = _tokens(match["codes"])
            if match["verb"].lower() == "disable":
                suppression = Suppression("range", tokens, comment, line)
                found.append(suppression)
                open_ranges.append(suppression)
            else:
                wanted = {t.text.lower() for t in tokens}
                for suppression in open_ranges:
                    if (
                        not suppression.ended
                        and {t.text.lower() for t in suppression.tokens} & wanted
                    ):
                        suppression.last_line = line
                        suppression.ended = True
        elif match := _NOQA.search(comment.text):
            if lines is None:
                lines = statement_lines()
            first, last = _statement_for(line, comment.own_line, lines)
            found.append(Suppression("statement", _tokens(match["codes"]), comment, first, last))
    return found


def _statement_for(
    line: int, own_line: bool, statements: Sequence[tuple[int, int]]
) -> tuple[int, int]:
    for first, last in statements:
        if own_line and first < line < last:
            return first, last
        if not own_line and first <= line <= last:
            return first, last
    if own_line:
        following = [(f, last) for f, last in statements if f > line]
        if following:
            return min(following)
        return line + 1, line + 1
    return line, line
