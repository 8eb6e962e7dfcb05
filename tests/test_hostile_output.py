"""Output that cannot attack its reader, and errors that are one clear line (issue #13).

Identifiers, hints, source lines and file names come from the input: no control character of
theirs reaches a terminal raw, none forges a finding, and a file name that is not UTF-8 is
linted and shown. Writing the report, reading the config and a baseline fail with one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbarch_lint import cli
from dbarch_lint.inputs import config as cfg
from dbarch_lint.linting import baseline
from dbarch_lint.model.errors import UsageError
from dbarch_lint.model.findings import Finding, LintResult, Location, Related, Severity
from dbarch_lint.reporting import ReporterOptions, visible
from dbarch_lint.reporting.builtin import reporters
from tests.cli_runner import CliRunner

# What a terminal obeys instead of showing (the tab aside), line separators, bidi controls and
# lone surrogates.
HOSTILE = [
    *map(chr, range(0x00, 0x09)),
    *map(chr, range(0x0A, 0x20)),
    *map(chr, range(0x7F, 0xA0)),
    *map(chr, range(0x2028, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    "\ud800",
    "\udcff",
    "\udc80",
]
TERMINAL_FORMATS = ("text", "gcc", "github")
HOSTILE_SQL = 'CREATE TABLE "a\x1b]0;owned\x07b" (id int);\nALTER TABLE "x\u202ey" DROP COLUMN c;\n'
_texts = st.text(st.one_of(st.sampled_from([*HOSTILE, "\t", "%", ":", ",", "\\"]), st.characters()))


def _raw_controls(text: str) -> set[str]:
    """The hostile characters in `text`; a newline only counts where it does not end a line."""
    return {c for c in text if c in HOSTILE and c != "\n"}


def _result(path: str, ident: str) -> LintResult:
    statement = f'CREATE TABLE "{ident}" (id int);'
    finding = Finding(
        "DBA206",
        "table-without-primary-key",
        Severity.WARNING,
        Location(path, 1, 14, 1, 16 + len(ident)),
        f'Table "{ident}" has no primary key',
        hint=f'add one: `ALTER TABLE "{ident}" ADD PRIMARY KEY (id);`',
        related=(Related(Location(path, 1, 1, 1, 2), f'"{ident}" is created here'),),
    )
    return LintResult((finding,), 1, 1, (), "0.1.0", sources={path: statement + "\n"})


@settings(max_examples=200, deadline=None)
@given(path=_texts.filter(lambda p: p.strip()), ident=_texts)
def test_no_raw_control_character_and_no_forged_line(path: str, ident: str) -> None:
    result = _result(path, ident)
    for fmt in TERMINAL_FORMATS:
        for show_source in (False, True):
            options = ReporterOptions(show_source=show_source, quiet=True)
            out = reporters()[fmt]().render(result, options)
            assert not _raw_controls(out), (fmt, out)
            out.encode("utf-8")  # (no lone surrogate either)
        lines = reporters()[fmt]().render(result, ReporterOptions(quiet=True)).splitlines()
        if fmt == "text":  # the finding's line, then its own indented continuation lines
            assert lines[0].startswith(f"{visible(path)}:1:14: warning DBA206 ")
            assert all(line.startswith("  ") for line in lines[1:]), lines
        else:
            assert len(lines) == 1, lines


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(cli.main, ["check", "--no-cache", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.mark.parametrize("fmt", TERMINAL_FORMATS)
def test_escape_sequences_in_identifiers_and_names_are_shown_escaped(
    project: Path, fmt: str
) -> None:
    (project / "bad\x1b[31mname.sql").write_text(HOSTILE_SQL)
    code, out, err = _check("--format", fmt, "--show-source", "-v")
    text = out.decode("utf-8")
    assert code == 1 and not _raw_controls(text + err)
    assert "bad\\x1b[31mname.sql" in text and "bad\\x1b[31mname.sql" in err  # (-v lists files)
    assert 'a\\x1b]0;owned\\x07b"' in text and "x\\u202ey" in text


def test_json_formats_escape_what_a_terminal_would_obey(project: Path) -> None:
    (project / "bidi.sql").write_text('ALTER TABLE "x\u202ey\x85" DROP COLUMN c;\n')
    for fmt in ("json", "sarif", "gitlab"):
        _, out, _ = _check("--format", fmt)
        assert not _raw_controls(out.decode("utf-8")), fmt
        assert "\\u202e" in out.decode("utf-8") and "\\u0085" in out.decode("utf-8")
        assert "x\u202ey\x85" in json.dumps(json.loads(out), ensure_ascii=False)  # (same text)


def test_a_newline_in_a_file_name_does_not_forge_findings(project: Path) -> None:
    name = "a\nb.sql:9:9: error: forged [DBA000 x].sql"
    (project / name).write_text(HOSTILE_SQL)
    for fmt, start in (("gcc", f"{visible(name)}:"), ("github", "::warning file=a%0Ab.sql%3A")):
        code, out, _ = _check("--format", fmt)
        lines = out.decode("utf-8").splitlines()
        assert code == 1 and len(lines) == 4, lines  # (the four findings of HOSTILE_SQL)
        assert all(line.startswith(start) for line in lines), lines


NOT_UTF8 = os.fsdecode(b"0001_caf\xe9.sql")


def test_a_file_name_that_is_not_utf8_is_linted_and_shown_in_every_format(
    project: Path,
) -> None:
    (project / NOT_UTF8).write_text("ALTER TABLE t DROP COLUMN c;\n")
    for fmt in TERMINAL_FORMATS:
        code, out, _ = _check("--format", fmt)
        assert code == 1 and "0001_caf\\xe9.sql" in out.decode("utf-8"), fmt
    documents = {fmt: json.loads(_check("--format", fmt)[1]) for fmt in ("json", "gitlab")}
    assert {f["path"] for f in documents["json"]["findings"]} == {"0001_caf\\xe9.sql"}
    assert {i["location"]["path"] for i in documents["gitlab"]} == {"0001_caf\\xe9.sql"}
    sarif = json.loads(_check("--format", "sarif")[1])
    locations = [r["locations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]]
    assert {loc["artifactLocation"]["uri"] for loc in locations} == {"0001_caf%E9.sql"}
    assert _check("--write-baseline", "baseline.json")[0] == 0
    assert _check("--baseline", "baseline.json")[0] == 0


@pytest.mark.parametrize("name", ["bad\x1b[31mname.sql", NOT_UTF8, "a\nb.sql"], ids=repr)
def test_diff_shows_the_input_escaped_and_says_so(project: Path, name: str) -> None:
    """`--diff` prints a migration's lines and name: they cannot recolour the terminal or forge
    a line of the diff, a name that is not UTF-8 is no traceback, and a form feed is no line
    break (the file is marked: patch refuses its escaped hunks rather than apply them)."""
    (project / name).write_text('CREATE INDEX "i\x1b]0;owned\x07" ON t (x);\x0cDROP INDEX j;\n')
    code, out, err = _check("--diff", name)
    text = out.decode("utf-8")
    assert code == 1 and not _raw_controls(text + err)
    shown = visible(name)
    assert text.splitlines()[:3] == [
        f"# {shown}: some characters are shown escaped (\\x1b, \\xff)",
        f"--- a/{shown}",
        f"+++ b/{shown}",
    ]
    fixed = (
        'CREATE INDEX CONCURRENTLY "i\\x1b]0;owned\\x07" ON t (x);\\x0cDROP INDEX CONCURRENTLY j;'
    )
    assert f"\n+{fixed}\n" in text


def test_a_plain_diff_is_unmarked_and_keeps_its_line_breaks(project: Path) -> None:
    (project / "m.sql").write_bytes(b"CREATE INDEX i ON t (x);\r\nDROP INDEX j;\r\n")
    text = _check("--diff", "m.sql")[1].decode("utf-8")
    assert text.startswith("--- a/m.sql\n+++ b/m.sql\n")
    assert "+DROP INDEX CONCURRENTLY j;\r\n" in text


def test_show_source_on_a_long_line_shows_a_window_that_says_what_was_cut() -> None:
    statement = "ALTER TABLE t DROP COLUMN c;"
    line = " ".join([statement] * 3500)  # one 100 KB line
    columns = (1, 29 * 1750 + 1, 29 * 3499 + 1)
    findings = tuple(
        Finding(
            "DBA501",
            "column-drop",
            Severity.WARNING,
            Location("long.sql", 1, column, 1, column + len(statement)),
            "Dropping column c",
        )
        for column in columns
    )
    result = LintResult(findings, 1, 3500, (), "0.1.0", sources={"long.sql": line + "\n"})
    out = reporters()["text"]().render(result, ReporterOptions(show_source=True, quiet=True))
    assert len(out) < 1500
    frames = [lines.splitlines() for lines in out.split("\n\n") if lines]
    assert "[101379 characters cut]" in frames[0][2]
    assert "[50710 characters cut]" in frames[1][2] and "[50669 characters cut]" in frames[1][2]
    assert frames[2][2].startswith("1 | [101431 characters cut] ")  # (and the line's end)
    assert frames[2][2].endswith(statement)
    for frame in frames:
        shown, marks = frame[2], frame[3]
        start = marks.index("^")
        assert shown[start : start + len(statement)] == statement
        assert marks[start:] == "^" * len(statement)


class Trickle:
    """A stream that takes at most three bytes a call, as a pipe or a capped write may."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.asked: list[int] = []

    def write(self, chunk: bytes) -> int:
        self.asked.append(len(chunk))
        self.data += chunk[:3]
        return len(chunk[:3])

    def flush(self) -> None:
        pass


class TrickleStdout:
    def __init__(self) -> None:
        self.buffer = Trickle()

    def flush(self) -> None:
        pass


def test_the_report_is_written_whole_however_little_each_write_takes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    report = "path.sql:1:1: warning: one finding [DBA501 column-drop]\n" * 50
    stdout = TrickleStdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(cli, "WRITE_CHUNK", 64)
    cli._output(report)
    assert stdout.buffer.data == report.encode()
    assert max(stdout.buffer.asked) == 64  # (never a single write of 2 GiB or more)
    cli._output(report, str(tmp_path / "report.txt"))
    assert (tmp_path / "report.txt").read_text() == report


COMMANDS = [
    *(["check", "--no-cache", "--format", fmt, "."] for fmt in reporters()),
    ["rules"],
    ["rules", "--format", "json"],
    ["explain", "DBA401"],
    ["schema", "."],
    ["schema", "--format", "mermaid", "."],
]


@pytest.mark.parametrize("how", ["full", "closed"])
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_stdout_full_or_closed_is_one_line_and_exit_2(
    project: Path, args: list[str], how: str
) -> None:
    if how == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    (project / "0001.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);\n")
    program = [sys.executable, "-m", "dbarch_lint", *args]
    if how == "full":
        with open("/dev/full", "wb") as full:
            done = subprocess.run(program, stdout=full, stderr=subprocess.PIPE, check=False)
    else:
        shell = ["sh", "-c", 'exec "$@" >&-', "sh", *program]
        done = subprocess.run(shell, stderr=subprocess.PIPE, check=False)
    reason = "No space left on device" if how == "full" else "it is closed"
    assert done.returncode == 2
    assert (
        done.stderr.decode() == f"dbarch-lint: error: cannot write to standard output: {reason}\n"
    )


@pytest.mark.parametrize("name", ["rot13", "base64", "zlib", "undefined"])
def test_an_encoding_that_is_not_a_text_encoding_is_a_config_error(name: str) -> None:
    with pytest.raises(UsageError, match=f"encoding = '{name}' is not a text encoding"):
        cfg.apply(cfg.Config(), "encoding", name)
    cfg.apply(cfg.Config(), "encoding", "utf-16")  # (a text encoding with NUL bytes: fine)


def test_a_nearest_pyproject_that_does_not_parse_is_an_error_not_skipped(
    project: Path,
) -> None:
    (project / "dbarch-lint.toml").write_text('fail-on = "never"\n')
    nested = project / "app"
    nested.mkdir()
    (nested / "pyproject.toml").write_text('[tool.dbarch-lint]\nselect = ["DBA1" "DBA2"]\n')
    with pytest.raises(UsageError) as raised:
        cfg.find_config(str(nested))
    message = f"{nested / 'pyproject.toml'}:2:18: invalid TOML: Unclosed array"
    assert str(raised.value) == message
    (nested / "pyproject.toml").write_text("[project]\nname = 'app'\n")  # (no table: upward)
    assert cfg.find_config(str(nested)) == str(project / "dbarch-lint.toml")
    (project / "dbarch-lint.toml").write_bytes(b'fail-on = "n\xe9ver"\n')
    with pytest.raises(UsageError, match="byte 0xe9 at offset 12 is not UTF-8"):
        cfg.load(str(project / "dbarch-lint.toml"))


def test_a_baseline_nested_100k_deep_is_a_clear_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(UsageError, match="is nested too deeply to be a dbarch-lint baseline"):
        baseline.load(str(deep))


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_text_is_shown_as_the_whole_table_shows_it(text: str) -> None:
    """`visible` takes a small table for ASCII text: it escapes what the whole one does."""
    from dbarch_lint.reporting import _invisible, visible

    assert visible(text) == text.translate(_invisible())
