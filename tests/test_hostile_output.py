"""Output that cannot attack its reader, and errors that are one clear line (issue #13).

Identifiers, hints, source lines and file names come from the input: no control character of
theirs reaches a terminal raw, none forges a finding, and a file name that is not UTF-8 is
linted and shown. Writing the report, reading the config and a baseline fail with one line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dbarch_lint import baseline
from dbarch_lint import config as cfg
from dbarch_lint.errors import UsageError


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


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
