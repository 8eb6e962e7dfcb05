"""Baselines: adopt the linter on an old repository without fixing every old finding first.

`--write-baseline PATH` records a run's findings; `--baseline PATH` hides the findings recorded
there and reports the rest. A finding is recognised as code scanning recognises it, by the
fingerprint SARIF gives it (`findings.stable_keys`: its file, its code and the text of its
line, never the line number): a finding moved by lines added above it stays hidden, one whose
line was edited is reported again. Each entry hides one finding: a second identical statement
added to a file is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dbarch_lint.caching.files import read_regular, write_whole
from dbarch_lint.model.errors import UsageError
from dbarch_lint.model.findings import Finding, stable_keys
from dbarch_lint.reporting import portable

FORMAT = "dbarch-lint baseline"
VERSION = 1


def write(path: str, findings: Sequence[Finding], sources: Mapping[str, str]) -> int:
    """Record `findings` in a baseline file (internal errors never); returns how many."""
    entries = [
        {
            "path": portable(finding.path),
            "code": finding.code,
            "line": finding.location.line,
            "message": portable(finding.message),
            "fingerprint": key,
        }
        for finding, key in zip(findings, stable_keys(findings, sources), strict=True)
        if finding.code != "DBA000"
    ]
    document = {"format": FORMAT, "version": VERSION, "findings": entries}
    import json  # (start-up time: only a run with a baseline needs it)

    try:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        write_whole(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"cannot write baseline {path}: {error.strerror or error}") from None
    return len(entries)


def load(path: str) -> set[str]:
    """The fingerprints a baseline file records."""
    import json  # (start-up time, as above)

    try:
        document = json.loads(read_regular(path)[1])
    except FileNotFoundError:
        raise UsageError(
            f"baseline {path} does not exist (write one with --write-baseline {path})"
        ) from None
    except OSError as error:
        raise UsageError(f"cannot read baseline {path}: {error.strerror or error}") from None
    except ValueError as error:  # (not JSON, not UTF-8)
        raise UsageError(f"baseline {path} is not valid JSON: {error}") from None
    except RecursionError:  # (the decoder recurses into each nested array or object)
        raise UsageError(
            f"baseline {path} is nested too deeply to be a dbarch-lint baseline "
            f"(write it again with --write-baseline {path})"
        ) from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or document.get("version") != VERSION
        or not isinstance(entries, list)
        or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries)
    ):
        raise UsageError(
            f"baseline {path} is not a version {VERSION} dbarch-lint baseline "
            f"(write it again with --write-baseline {path})"
        )
    return {entry["fingerprint"] for entry in entries}


def hide(
    findings: Sequence[Finding], recorded: set[str], sources: Mapping[str, str]
) -> tuple[list[Finding], int]:
    """The findings the baseline does not record, and how many it hid."""
    kept = [
        finding
        for finding, key in zip(findings, stable_keys(findings, sources), strict=True)
        if finding.code == "DBA000" or key not in recorded
    ]
    return kept, len(findings) - len(kept)
