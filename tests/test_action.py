"""The GitHub Action (`action.yml`): its steps run here with bash, as the runner would run them,
in a fake GitHub environment (the step's `env:` mapping from action.yml, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY, a pull request's GITHUB_BASE_REF) on a scratch clone with a base branch."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from dbarch_lint.reporting import github_summary
from tests.conftest import ROOT, git, shared_path

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = {step.get("id", step["name"]): step for step in ACTION["runs"]["steps"]}
BIN = Path(sys.executable).parent  # (this environment's dbarch-lint, as the install step's)

TABLE = (
    "CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY, CONSTRAINT a_pkey PRIMARY KEY (id));\n"
)
OLD_MISTAKE = "CREATE TABLE old (id serial PRIMARY KEY);\n"  # on the base: not annotated
NEW_MISTAKE = "CREATE TABLE b (id serial PRIMARY KEY);\nCREATE INDEX b_id ON b (id);\n"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A clone (as actions/checkout with fetch-depth: 0 leaves it) of a repository whose main
    holds two migrations, on a pull request's branch that adds a third."""
    origin = tmp_path / "origin"
    (origin / "db").mkdir(parents=True)
    (origin / "db" / "0001_a.sql").write_text(TABLE)
    (origin / "db" / "0002_old.sql").write_text(OLD_MISTAKE)
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "history")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "-b", "feature")
    (work / "db" / "0003_b.sql").write_text(NEW_MISTAKE)
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "new migration")
    return work


@dataclass
class Outcome:
    """What the action did: each step's output, the outputs, summary, SARIF and exit code."""

    stdout: str
    outputs: dict[str, str]
    summary: str
    uploaded: bool
    exit_code: int

    def annotations(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::")]

    def sarif(self) -> dict[str, Any]:
        log: dict[str, Any] = json.loads(Path(self.outputs["sarif-file"]).read_text())
        return log


class Action:
    """The action's steps after the install step, run as the runner runs a composite action."""

    def __init__(self, checkout: Path, tmp_path: Path) -> None:
        self.checkout = checkout
        self.tmp = tmp_path / "runner"
        self.tmp.mkdir()
        self.github: dict[str, str] = {
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_BASE_REF": "main",
            "GITHUB_REPOSITORY": "org/app",
            "GITHUB_ACTOR": "someone",
        }
        self.head_repo = "org/app"

    def context(self, name: str, inputs: Mapping[str, str], outputs: Mapping[str, str]) -> str:
        """The value of one of the expressions action.yml uses."""
        if name.startswith("inputs."):
            key = name.removeprefix("inputs.")
            return inputs.get(key, str(ACTION["inputs"][key]["default"]))
        if name == "steps.install.outputs.bin":
            return str(BIN)
        if name.startswith("steps.check.outputs."):
            return outputs.get(name.removeprefix("steps.check.outputs."), "")
        if name == "github.event.pull_request.head.repo.full_name":
            return self.head_repo if self.github["GITHUB_EVENT_NAME"] == "pull_request" else ""
        raise AssertionError(f"action.yml uses an expression the test does not know: {name}")

    def condition(self, text: str, inputs: Mapping[str, str], outputs: Mapping[str, str]) -> bool:
        """An `if:` of the form `a == 'x' && b != 'y'` (the only form action.yml uses)."""
        verdict = True
        for clause in text.split("&&"):
            found = re.fullmatch(r"\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*", clause)
            assert found, f"an if: the test cannot evaluate: {text}"
            value = self.context(found[1], inputs, outputs)
            verdict &= (value == found[3]) == (found[2] == "==")
        return verdict

    def run_step(
        self, step: dict[str, Any], inputs: Mapping[str, str], outputs: Mapping[str, str]
    ) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            **self.github,
            "GITHUB_ACTION_PATH": str(ROOT),
            "GITHUB_OUTPUT": str(self.tmp / "output"),
            "GITHUB_STEP_SUMMARY": str(self.tmp / "summary.md"),
            "RUNNER_TEMP": str(self.tmp),
        }
        for key, value in step.get("env", {}).items():
            env[key] = EXPRESSION.sub(lambda m: self.context(m[1], inputs, outputs), str(value))
        assert step["shell"] == "bash"
        return subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=self.checkout,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def __call__(self, **inputs: str) -> Outcome:
        inputs = {key.replace("_", "-"): value for key, value in inputs.items()}
        for path in ("output", "summary.md"):
            (self.tmp / path).write_text("")
        done = self.run_step(STEPS["check"], inputs, {})
        assert done.returncode == 0, done.stderr
        lines = (self.tmp / "output").read_text().splitlines()
        outputs = dict(line.split("=", 1) for line in lines)
        upload = STEPS["Upload SARIF to code scanning"]
        uploaded = self.condition(upload["if"], inputs, outputs)
        last = STEPS["Exit as dbarch-lint did"]
        exit_code = 0
        if self.condition(last["if"], inputs, outputs):
            exit_code = self.run_step(last, inputs, outputs).returncode
        summary = (self.tmp / "summary.md").read_text()
        return Outcome(done.stdout, outputs, summary, uploaded, exit_code)


@pytest.fixture
def action(checkout: Path, tmp_path: Path) -> Action:
    return Action(checkout, tmp_path)


def validate_sarif(log: dict[str, Any]) -> None:
    schema = json.loads(shared_path("schemas", "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)


def test_action_yml_declares_the_inputs_and_steps() -> None:
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert {"paths", "config", "format", "diff-base", "sarif-upload", "fail-on"} <= set(inputs)
    assert inputs["diff-base"]["default"] == "auto" and inputs["format"]["default"] == "github"
    assert "pip install" in (ROOT / "scripts" / "action" / "install.sh").read_text()
    assert "$GITHUB_ACTION_PATH" in STEPS["install"]["run"]  # (the action's own checkout)
    upload = STEPS["Upload SARIF to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"
    assert "inputs.sarif-upload" in upload["if"] and "steps.check.outputs.upload" in upload["if"]
    assert {"exit-code", "sarif-file"} <= set(ACTION["outputs"])


def test_a_pull_request_annotates_uploads_and_summarises_its_new_migration(
    action: Action,
) -> None:
    outcome = action(paths="db")
    annotations = outcome.annotations()
    assert annotations and all(
        a.startswith("::warning file=db/0003_b.sql,line=") for a in annotations
    )  # (the base's own mistakes are not this pull request's)
    log = outcome.sarif()
    validate_sarif(log)
    results = log["runs"][0]["results"]
    assert len(results) == len(annotations)
    codes = sorted(r["ruleId"] for r in results)
    assert codes == ["DBA101", "DBA102", "DBA201", "DBA302"]
    assert outcome.outputs["exit-code"] == "1" and outcome.exit_code == 1
    assert outcome.uploaded
    summary = outcome.summary
    assert "**4 findings** (4 warnings) in 1 file: the check fails (exit code 1)." in summary
    assert "| [DBA302](https://" in summary and "| redundant-index | 1 |" in summary
    assert "| warning | db/0003\\_b.sql | 2 | DBA302 | Index b\\_id on b (id) is redundant" in (
        summary
    )
    assert "goes to code scanning" in summary


def test_errors_are_error_annotations(action: Action) -> None:
    (action.checkout / "db" / "0004_broken.sql").write_text("CREATE TABL x ();\n")
    outcome = action(paths="db")
    assert any(
        a.startswith("::error file=db/0004_broken.sql,line=1,") for a in outcome.annotations()
    )
    assert "1 error, 4 warnings" in outcome.summary


def test_a_pull_request_from_a_fork_says_it_cannot_upload_and_still_annotates(
    action: Action,
) -> None:
    action.head_repo = "stranger/app"
    outcome = action(paths="db")
    assert not outcome.uploaded and outcome.outputs["upload"] == "false"
    assert "::notice title=dbarch-lint::SARIF not uploaded: a pull request from a fork" in (
        outcome.stdout
    )
    assert len(outcome.annotations()) == 5  # the notice and the four findings
    assert "a pull request from a fork gets a read-only token" in outcome.summary
    validate_sarif(outcome.sarif())
    assert outcome.exit_code == 1


def test_sarif_upload_off_and_fail_on_never(action: Action) -> None:
    outcome = action(paths="db", sarif_upload="false", fail_on="never")
    assert not outcome.uploaded and "SARIF upload is off" in outcome.summary
    assert outcome.outputs["exit-code"] == "0" and outcome.exit_code == 0
    assert "the check passes (exit code 0)" in outcome.summary


def test_a_push_lints_every_file(action: Action) -> None:
    action.github.update(GITHUB_EVENT_NAME="push", GITHUB_BASE_REF="")
    outcome = action(paths="db")
    files = {a.split("file=", 1)[1].split(",", 1)[0] for a in outcome.annotations()}
    assert files == {"db/0002_old.sql", "db/0003_b.sql"}
    assert "in 2 files" in outcome.summary


def test_a_base_missing_from_the_checkout_asks_for_fetch_depth_0(action: Action) -> None:
    action.github["GITHUB_BASE_REF"] = "release"
    outcome = action(paths="db")
    assert "::error title=dbarch-lint::diff-base origin/release is not in this checkout" in (
        outcome.stdout
    )
    assert "fetch-depth: 0" in outcome.stdout
    assert outcome.outputs["exit-code"] == "2" and outcome.exit_code == 2
    assert not outcome.uploaded
    assert "dbarch-lint stopped before it could report (exit code 2)" in outcome.summary


def test_a_usage_error_is_reported_and_fails(action: Action) -> None:
    outcome = action(paths="db", config="missing.toml")
    assert outcome.exit_code == 2 and not outcome.uploaded
    assert "stopped before it could report" in outcome.summary


def test_past_the_annotation_cap_the_summary_lists_the_findings(action: Action) -> None:
    tables = "".join(f"CREATE TABLE t{i} (id serial PRIMARY KEY);\n" for i in range(20))
    (action.checkout / "db" / "0004_many.sql").write_text(tables)
    outcome = action(paths="db")
    assert len(outcome.annotations()) == 64  # 3 a table, and the new file's 4
    summary = outcome.summary
    assert "| [DBA101](" in summary and "| serial-column | 21 |" in summary
    assert "### The first 50 findings, errors first" in summary
    assert summary.count("| warning |") == 50
    assert "14 more are not listed here: the step's log and code scanning have them all." in (
        summary
    )
    assert (
        "GitHub shows at most 10 error and 10 warning annotations per step: 54 findings have no "
        "annotation on the diff. They are listed here (the first 50), in the step's log, and in "
        "code scanning."
    ) in summary


def test_the_summary_lists_errors_first(action: Action) -> None:
    tables = "".join(f"CREATE TABLE t{i} (id serial PRIMARY KEY);\n" for i in range(20))
    (action.checkout / "db" / "0004_many.sql").write_text(tables + "CREATE TABL x ();\n")
    summary = action(paths="db", sarif_upload="false").summary
    table = [line for line in summary.splitlines() if line.startswith("| error |")]
    assert table == [
        '| error | db/0004\\_many.sql | 21 | DBA001 | Syntax error at or near "TABL" |'
    ]
    assert summary.index("| error |") < summary.index("| warning |")
    assert "They are listed here (the first 50), in the step's log." in summary


def test_paths_one_per_line_and_other_formats(action: Action) -> None:
    outcome = action(paths="db/0001_a.sql\n\ndb/0003_b.sql\n", format="gcc", diff_base="")
    assert outcome.annotations() == []
    assert "db/0003_b.sql:1:20: warning:" in outcome.stdout
    assert "annotation" not in outcome.summary  # (gcc prints none)
    validate_sarif(outcome.sarif())


def test_install_puts_the_actions_own_checkout_in_a_virtual_environment(tmp_path: Path) -> None:
    output = tmp_path / "output"
    env = {
        **os.environ,
        "INPUT_PYTHON": sys.executable,
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", STEPS["install"]["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    installed = Path(output.read_text().strip().removeprefix("bin="))
    assert installed == tmp_path / "dbarch-lint-venv" / "bin"
    where = subprocess.run(
        [installed / "python", "-I", "-c", "import dbarch_lint.rules as r; print(r.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(installed.parent) in where  # (installed, not this checkout's editable copy)
    version = subprocess.run(
        [installed / "dbarch-lint", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("dbarch-lint, version ")


def test_install_refuses_an_old_python_with_advice(tmp_path: Path) -> None:
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\n[ \"$1\" = --version ] && echo 'Python 3.8.10'\nexit 1\n")
    fake.chmod(0o755)
    env = {
        **os.environ,
        "INPUT_PYTHON": str(fake),
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", STEPS["install"]["run"]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "needs Python 3.11 or later" in done.stdout and "Python 3.8.10" in done.stdout
    assert "actions/setup-python" in done.stdout


def test_summary_cells_cannot_break_the_table_or_inject_html() -> None:
    assert github_summary.cell("a | b\n<img src=x> `c` *d*") == (
        "a &#124; b &lt;img src=x&gt; \\`c\\` \\*d\\*"
    )


def test_summary_without_findings() -> None:
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}
    assert "No findings." in github_summary.render(log, 0, "on")


@pytest.mark.parametrize(
    "remote", ["https://github.com/acme/dbarch-lint.git", "git@github.com:acme/dbarch-lint.git"]
)
def test_the_guides_workflow_uses_the_action_as_it_needs(tmp_path: Path, remote: str) -> None:
    guide = (ROOT / "docs" / "guides" / "integrations.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", guide, re.S)
    script = next(b for b in blocks if ".github/workflows/dbarch-lint.yml" in b)
    clone = tmp_path / "dbarch-lint"
    clone.mkdir()
    git(clone, "init", "-q")
    git(clone, "remote", "add", "origin", remote)
    git(clone, "commit", "-q", "--allow-empty", "-m", "x")
    subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, check=True, capture_output=True)
    workflow = yaml.safe_load((tmp_path / ".github/workflows/dbarch-lint.yml").read_text())
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["lint-migrations"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert re.fullmatch(r"acme/dbarch-lint@[0-9a-f]{40}", steps[-1]["uses"])
