"""`check --sarif-file`: a SARIF report of the same run beside the main one (the GitHub Action
annotates with `--format github` and uploads this file)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from dbarch_lint.cli import main
from dbarch_lint.orchestration import commands
from tests.cli_runner import CliRunner
from tests.conftest import shared_path

BAD = "CREATE TABLE a (id serial PRIMARY KEY);\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.sql").write_text(BAD)
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def sarif_results(path: Path) -> list[tuple[str, str, int]]:
    log = json.loads(path.read_text())
    schema = json.loads(shared_path("schemas", "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    return [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in log["runs"][0]["results"]
    ]


def test_one_run_gives_annotations_and_sarif(project: Path) -> None:
    code, out, _ = invoke("check", "bad.sql", "--format", "github", "--sarif-file", "r.sarif")
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    results = sarif_results(project / "r.sarif")
    assert len(annotations) == len(results) >= 2
    assert {rule for rule, _, _ in results} >= {"DBA101", "DBA102"}
    assert all(f"title={rule} " in a for a, (rule, _, _) in zip(annotations, results, strict=True))


def test_the_report_cache_answers_with_the_sarif_too(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("check", "bad.sql", "--format", "github", "--sarif-file", "r.sarif")
    first_out = invoke(*args)[1]
    first_sarif = (project / "r.sarif").read_bytes()
    (project / "r.sarif").unlink()

    def no_run(*_: object) -> None:
        raise AssertionError("the report cache should have answered")

    monkeypatch.setattr(commands, "execute", no_run)
    code, out, _ = invoke(*args)
    assert (code, out) == (1, first_out)
    assert (project / "r.sarif").read_bytes() == first_sarif


def test_a_cached_run_without_sarif_does_not_answer_one_with_it(project: Path) -> None:
    invoke("check", "bad.sql", "--format", "github")
    invoke("check", "bad.sql", "--format", "github", "--sarif-file", "r.sarif")
    assert sarif_results(project / "r.sarif")


def test_config_key(project: Path) -> None:
    (project / "dbarch-lint.toml").write_text('sarif-file = "out.sarif"\n')
    assert invoke("check", "bad.sql", "--no-cache")[0] == 1
    assert sarif_results(project / "out.sarif")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--output-file", "./r.sarif"), "--sarif-file and --output-file both name r.sarif"),
        (("--diff",), "and --diff shows fixes instead: run them separately"),
    ],
)
def test_usage_errors(project: Path, extra: tuple[str, ...], message: str) -> None:
    code, _, err = invoke("check", "bad.sql", "--sarif-file", "r.sarif", *extra)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (project / "r.sarif").exists()


def test_an_unwritable_sarif_file_is_a_clear_error(project: Path) -> None:
    code, _, err = invoke("check", "bad.sql", "--sarif-file", "no/such/dir/r.sarif")
    assert code == 2 and "cannot write no/such/dir/r.sarif" in err
