"""The GitHub Action's job summary: Markdown made from the run's SARIF file.

GitHub shows at most 10 error and 10 warning annotations per step, so a pull request with more
findings hides the rest; the summary (`$GITHUB_STEP_SUMMARY`) lists counts per rule and the
first findings, and says where the others are. Run as
`python -I -m dbarch_lint.reporting.github_summary SARIF_FILE --exit-code N --upload STATE`
(`-I`: the working directory is the checkout being linted, whose modules must not be imported).
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# GitHub's cap on annotations, per step and per kind (errors, warnings).
ANNOTATION_CAP = 10
DEFAULT_LIMIT = 50

UPLOAD_NOTES = {
    "on": "The SARIF file goes to code scanning (the Security tab) with every finding.",
    "off": "SARIF upload is off (`sarif-upload: false`): the findings are in this summary only.",
    "fork": (
        "SARIF was not uploaded: a pull request from a fork gets a read-only token, which may "
        "not write code-scanning alerts. The annotations and this summary still show the findings."
    ),
    "read-only": (
        "SARIF was not uploaded: this run's token is read-only (Dependabot's, for one), and may "
        "not write code-scanning alerts. The annotations and this summary still show the findings."
    ),
}
_LEVEL_LABEL = {"error": "error", "warning": "warning", "note": "info"}
_LEVEL_ORDER = {"error": 0, "warning": 1, "note": 2}


@dataclass(frozen=True, slots=True)
class Row:
    """One finding as the summary shows it."""

    level: str
    rule: str
    path: str
    line: int
    message: str


def cell(text: str) -> str:
    """`text` as one Markdown table cell: no HTML, no line break, no column break, no emphasis
    or link made of a message's characters."""
    flat = " ".join(text.split())
    escaped = html.escape(flat, quote=False).replace("|", "&#124;")
    for char in "\\`*_[]~":
        escaped = escaped.replace(char, f"\\{char}")
    return escaped


def rows(log: dict[str, Any]) -> tuple[list[Row], dict[str, tuple[str, str]]]:
    """The findings of a SARIF log, in its order, and each rule's (name, help URL)."""
    found: list[Row] = []
    rules: dict[str, tuple[str, str]] = {}
    for run in log.get("runs", []):
        for rule in run.get("tool", {}).get("driver", {}).get("rules", []):
            rules[rule["id"]] = (rule.get("name", ""), rule.get("helpUri", ""))
        for result in run.get("results", []):
            physical = result["locations"][0]["physicalLocation"]
            message = result["message"]["text"].split("\n\n", 1)[0]  # (not the hint)
            found.append(
                Row(
                    result.get("level", "warning"),
                    result["ruleId"],
                    _uri_path(physical["artifactLocation"]["uri"]),
                    physical.get("region", {}).get("startLine", 1),
                    message,
                )
            )
    return found, rules


def _uri_path(uri: str) -> str:
    from urllib.parse import unquote

    return unquote(uri)


def render(
    log: dict[str, Any] | None,
    exit_code: int,
    upload: str,
    *,
    annotated: bool = True,
    limit: int = DEFAULT_LIMIT,
) -> str:
    """The summary's Markdown. `log` None: the run wrote no SARIF (a usage or config error);
    `annotated`: the run printed annotations (`--format github`)."""
    lines = ["## dbarch-lint", ""]
    if log is None:
        lines.append(
            f"dbarch-lint stopped before it could report (exit code {exit_code}): its message "
            "is in the step's log."
        )
        return "\n".join(lines) + "\n"
    found, rules = rows(log)
    lines.append(_headline(found, exit_code))
    if found:
        lines += ["", "| rule | name | findings |", "|---|---|---:|"]
        for code, count in sorted(Counter(r.rule for r in found).items()):
            name, url = rules.get(code, ("", ""))
            shown = f"[{cell(code)}]({url})" if url.startswith("https://") else cell(code)
            lines.append(f"| {shown} | {cell(name)} | {count} |")
        # Errors first: they are what fails a pull request, and past the cap a late one may
        # have no annotation.
        shown_rows = sorted(found, key=lambda r: _LEVEL_ORDER.get(r.level, 3))[:limit]
        title = (
            "All findings" if len(found) <= limit else f"The first {limit} findings, errors first"
        )
        lines += ["", f"### {title}", "", "| severity | file | line | rule | message |"]
        lines.append("|---|---|---:|---|---|")
        for row in shown_rows:
            level = _LEVEL_LABEL.get(row.level, row.level)
            lines.append(
                f"| {cell(level)} | {cell(row.path)} | {row.line} | {cell(row.rule)} | "
                f"{cell(row.message)} |"
            )
        if len(found) > limit:
            more = len(found) - limit
            also = " and code scanning have" if upload == "on" else " has"
            lines += ["", f"{more} more are not listed here: the step's log{also} them all."]
        if annotated:
            lines += ["", _cap_note(found, upload, limit)]
    if upload in UPLOAD_NOTES:
        lines += ["", UPLOAD_NOTES[upload]]
    return "\n".join(lines) + "\n"


def _headline(found: Sequence[Row], exit_code: int) -> str:
    if not found:
        return "No findings." + (
            f" (exit code {exit_code}: see the step's log)" if exit_code else ""
        )
    levels = Counter(_LEVEL_LABEL.get(r.level, r.level) for r in found)
    parts = ", ".join(
        f"{levels[level]} {level}{'s' if levels[level] != 1 else ''}"
        for level in ("error", "warning", "info")
        if levels[level]
    )
    files = len({r.path for r in found})
    noun = "finding" if len(found) == 1 else "findings"
    where = "file" if files == 1 else "files"
    verdict = {0: "the check passes", 1: "the check fails"}.get(exit_code, "the run had errors")
    return (
        f"**{len(found)} {noun}** ({parts}) in {files} {where}: {verdict} (exit code {exit_code})."
    )


def _cap_note(found: Sequence[Row], upload: str, limit: int) -> str:
    errors = sum(1 for r in found if r.level == "error")
    warnings = sum(1 for r in found if r.level == "warning")
    hidden = max(errors - ANNOTATION_CAP, 0) + max(warnings - ANNOTATION_CAP, 0)
    if not hidden:
        return "Each finding is also an annotation on the pull request's diff."
    noun = "finding has" if hidden == 1 else "findings have"
    here = "here" if len(found) <= limit else f"here (the first {limit})"
    scanning = ", and in code scanning" if upload == "on" else ""
    return (
        f"GitHub shows at most {ANNOTATION_CAP} error and {ANNOTATION_CAP} warning annotations "
        f"per step: {hidden} {noun} no annotation on the diff. They are listed {here}, in the "
        f"step's log{scanning}."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the summary of a SARIF file (absent or unreadable: a summary saying so)."""
    parser = argparse.ArgumentParser(
        prog="python -m dbarch_lint.reporting.github_summary",
        description="A GitHub job summary (Markdown) of a dbarch-lint SARIF file.",
    )
    parser.add_argument("sarif_file")
    parser.add_argument("--exit-code", type=int, default=0, help="dbarch-lint's exit code.")
    parser.add_argument("--upload", choices=sorted(UPLOAD_NOTES), default="off")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="Findings listed.")
    parser.add_argument(
        "--annotated", action="store_true", help="The run printed annotations (format github)."
    )
    args = parser.parse_args(argv)
    try:
        with open(args.sarif_file, encoding="utf-8") as handle:
            log = json.load(handle)
    except (OSError, ValueError):  # (the run stopped before writing it: its log says why)
        log = None
    limit = max(args.limit, 0)
    sys.stdout.write(
        render(log, args.exit_code, args.upload, annotated=args.annotated, limit=limit)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
