"""Fixture helpers for rule tests (ours and plugins'): SQL files with inline expectations.

- `-- expect: DBA101` on a line of its own applies to the next line that is not an expectation;
  at the end of a line of SQL it applies to that line. Several may be stacked.
- Narrowing: `-- expect: DBA101 "substring of the message"`, `-- expect: 14 DBA101` (column).
- `-- dbarch-lint-test: select=DBA101,DBA102 pg-version=10 rules.DBA106.extra-money-names=fare`
  sets the run's configuration (`runner=flyway runners.flyway.mixed=true` too;
  `new-since-base=2_b.up.sql,4_d.up.sql` names the files of a folder that `--diff-base` would
  find new, the others being on the base). Without
  `select`, a fixture named after a code (`DBA101.sql`, `DBA101_something/`) selects that code
  only.
- In a JavaScript or TypeScript migration (Sequelize), the same comments are written `//
  expect: DBA101` and `// dbarch-lint-test: ...`.
- A folder is a multi-file scenario, replayed in its runner's order (`runner=auto` detects the
  layout: `up.sql`/`down.sql` folders are Diesel's, `V1__x.sql` Flyway's, ...; see
  docs/runners.md).

Comparison is exact: every finding must be expected and every expectation met, and a finding
comes with a fix only as its rule's `fix_availability` says (never for `NEVER`, always for
`ALWAYS`). `fixed_fixture(path)` is a fixture file's text after `--fix`, for a comparison with
the `<name>.fixed.sql` beside it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dbarch_lint.inputs import config as cfg
from dbarch_lint.inputs import discovery
from dbarch_lint.model.findings import Finding, FixAvailability, LintResult
from dbarch_lint.model.source import LINE_BREAK
from dbarch_lint.orchestration import fixes
from dbarch_lint.orchestration import run as lint_run

_EXPECT = re.compile(
    r"(?:--|//)\s*expect:\s*(?:(?P<col>\d+)\s+)?(?P<code>[A-Z]{2,5}\d{3})(?:\s+\"(?P<msg>[^\"]*)\")?"
)
_DIRECTIVE = re.compile(r"(?:--|//)\s*dbarch-lint-test:\s*(?P<settings>.*)$")


@dataclass(frozen=True, slots=True)
class Expectation:
    """One expected finding."""

    path: str
    line: int
    code: str
    column: int | None = None
    message: str | None = None

    def matches(self, finding: Finding) -> bool:
        """Whether a finding satisfies this expectation."""
        loc = finding.location
        return (
            loc.path == self.path
            and loc.line == self.line
            and finding.code == self.code
            and (self.column is None or loc.column == self.column)
            and (self.message is None or self.message in finding.message)
        )

    def __str__(self) -> str:
        extra = f" col {self.column}" if self.column else ""
        extra += f' "{self.message}"' if self.message else ""
        return f"{self.path}:{self.line} {self.code}{extra}"


def expectations(path: str, text: str) -> list[Expectation]:
    """The expectations written in one fixture file."""
    found: list[Expectation] = []
    pending: list[re.Match[str]] = []
    for number, line in enumerate(LINE_BREAK.split(text), start=1):  # (as findings count)
        matches = list(_EXPECT.finditer(line))
        own_line = line.lstrip().startswith(("--", "//"))
        if own_line and matches:
            pending.extend(matches)
            continue
        if not line.strip() or (own_line and not matches):
            continue
        for match in [*pending, *matches]:
            column = int(match["col"]) if match["col"] else None
            found.append(Expectation(path, number, match["code"], column, match["msg"]))
        pending = []
    return found


def _settings(texts: list[str]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for text in texts:
        for line in text.splitlines():
            match = _DIRECTIVE.search(line)
            if match:
                for pair in match["settings"].split():
                    key, _, value = pair.partition("=")
                    settings[key] = value
    return settings


def _config(settings: dict[str, str], default_select: str | None) -> cfg.Config:
    config = cfg.Config()
    if default_select and "select" not in settings:
        config.select = [default_select]
    for key, value in settings.items():
        if key.startswith("rules."):
            _, rule, option = key.split(".", 2)
            items = (
                value.split(",")
                if "," in value
                or option.endswith("names")
                or option in ("required", "kinds", "stable-functions")
                else None
            )
            parsed: object = items if items is not None else _scalar(value)
            config.rules.setdefault(rule, {})[option] = parsed
        elif key.startswith("runners."):
            _, runner, option = key.split(".", 2)
            tables = {**config.runners, runner: {**config.runners.get(runner, {})}}
            tables[runner][option] = _scalar(value)
            cfg.apply(config, "runners", tables, where="fixture")
        elif key in ("select", "ignore", "extend-select", "migrations", "exclude"):
            cfg.apply(config, key, [v for v in value.split(",") if v], where="fixture")
        else:
            cfg.apply(config, key, _scalar(value), where="fixture")
    return config


def _scalar(value: str) -> object:
    if value in ("true", "false"):
        return value == "true"
    if value.isdigit():
        return int(value)
    return value


def _texts(fixture: Path) -> dict[str, str]:
    """The text of each file of a fixture, by its path relative to the fixture's folder."""
    files = (
        sorted(
            f
            for f in fixture.rglob("*")
            if f.is_file() and discovery.is_migration(str(f), str(fixture))
        )
        if fixture.is_dir()
        else [fixture]
    )
    return {f.relative_to(fixture.parent).as_posix(): f.read_text(encoding="utf-8") for f in files}


def _prepare(fixture: Path, texts: dict[str, str]) -> lint_run.Run:
    """The run a fixture configures (call it in the fixture's folder)."""
    code = re.match(r"[A-Z]{2,5}\d{3}", fixture.name)
    settings = _settings(list(texts.values()))
    new = settings.pop("new-since-base", None)
    config = _config(settings, code.group() if code else None)
    run = lint_run.prepare([fixture.name], config, cwd=str(fixture.parent), autoload_plugins=False)
    if new is not None:  # (as if `--diff-base` found these files new, the others on the base)
        run.added = {f"{fixture.name}/{name}" for name in new.split(",") if name}
    return run


def run_fixture(fixture: Path) -> tuple[list[str], list[str]]:
    """Lint a fixture file or scenario folder; return (expected, actual) as sorted strings.

    Matching is done here, so the two lists are equal exactly when the fixture passes.
    """
    texts = _texts(fixture)
    expected = [e for path, text in texts.items() for e in expectations(path, text)]
    previous = os.getcwd()
    os.chdir(fixture.parent)
    try:
        result = lint_run.execute(_prepare(fixture, texts))
    finally:
        os.chdir(previous)
    unmatched = list(expected)
    actual: list[str] = _unexpected_fixes(result)
    for finding in result.findings:
        hit = next((e for e in unmatched if e.matches(finding)), None)
        if hit is not None:
            unmatched.remove(hit)
            actual.append(str(hit))
        else:
            loc = finding.location
            actual.append(
                f"{loc.path}:{loc.line} {finding.code} (col {loc.column}: {finding.message})"
            )
    return sorted(str(e) for e in expected), sorted(actual)


def _unexpected_fixes(result: LintResult) -> list[str]:
    """A finding with a fix its rule says it never makes, or without one it says it always
    makes."""
    availability = {info.code: info.fix_availability for info in result.rules}
    wrong: list[str] = []
    for finding in result.findings:
        has, contradicts = (
            ("has a fix", FixAvailability.NEVER)
            if finding.fix is not None
            else ("has no fix", FixAvailability.ALWAYS)
        )
        if availability.get(finding.code) is contradicts:
            loc = finding.location
            wrong.append(
                f"{loc.path}:{loc.line} {finding.code} {has}, but its rule declares "
                f"fix_availability {contradicts.value}"
            )
    return wrong


def fixed_fixture(fixture: Path) -> str:
    """A fixture file's text after `--fix --unsafe-fixes` with the fixture's configuration:
    its findings' fixes applied, safe and unsafe (each that overlaps none applied before it, as
    one run of `--fix` does). Raises `ValueError` where `--fix` would refuse them, as bringing
    another finding."""
    texts = _texts(fixture)
    previous = os.getcwd()
    os.chdir(fixture.parent)
    try:
        run = _prepare(fixture, texts)
        run.config.unsafe_fixes = True
        outcome = fixes.plan(run, [fixture.name], cache=None)
    finally:
        os.chdir(previous)
    if outcome.refused:
        brought = ", ".join(outcome.refused[fixture.name])
        raise ValueError(f"--fix refuses the fixes of {fixture.name}: they bring {brought}")
    fixed = outcome.texts.get(fixture.name)
    # (when nothing changes it: the file as it is, line breaks and all)
    return fixed if fixed is not None else fixture.read_bytes().decode("utf-8")
