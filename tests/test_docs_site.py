"""The documentation site: `mkdocs build --strict` succeeds offline, and every URL the tool
prints (rule pages in findings and `rules`, SARIF's informationUri, the JSON schema's $id) is a
page or file the build produces."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from dbarch_lint.linting.rule_base import DOCS_BASE
from dbarch_lint.reporting.json_report import SCHEMA_ID
from dbarch_lint.reporting.sarif import INFORMATION_URI
from tests.conftest import ROOT, SCRATCH_GIT, git

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
BASE: str = PYPROJECT["project"]["urls"]["Documentation"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("CI") != "true":
        pytest.importorskip("mkdocs", reason="mkdocs is in the test extra")
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    return out


def built(site: Path, url: str) -> Path:
    """The file of the built site that serves `url` (directory URLs serve their index.html)."""
    assert url.startswith(BASE), f"{url} is not under the documentation site {BASE}"
    relative = url.removeprefix(BASE)
    return (
        site / relative / "index.html" if relative == "" or url.endswith("/") else site / relative
    )


@functools.cache
def listed_rules() -> list[dict[str, Any]]:
    """What `dbarch-lint rules --format json` prints."""
    listing = subprocess.run(
        [sys.executable, "-m", "dbarch_lint", "rules", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rules: list[dict[str, Any]] = json.loads(listing.stdout)
    return rules


def test_site_config_uses_the_package_documentation_url() -> None:
    import yaml  # (mkdocs' own dependency)

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_url"] == BASE
    assert config["theme"]["name"] == "mkdocs"  # built in: the build downloads nothing
    assert f"{BASE}rules/" == DOCS_BASE


def test_every_printed_url_is_a_built_page(site: Path) -> None:
    urls = [rule["url"] for rule in listed_rules() if rule["url"]]
    assert len(urls) >= 60
    missing = [url for url in [*urls, INFORMATION_URI, SCHEMA_ID] if not built(site, url).is_file()]
    assert missing == []


def test_rule_pages_are_built_from_their_markdown(site: Path) -> None:
    page = built(site, f"{DOCS_BASE}DBA418/").read_text(encoding="utf-8")
    assert "backfill-in-ddl-transaction" in page and "<h2" in page
    assert (
        built(site, f"{BASE}json-report.schema.json").read_bytes()
        == (ROOT / "docs" / "json-report.schema.json").read_bytes()
    )


GUIDE = ROOT / "docs" / "guides" / "integrations.md"


def test_integrations_guide_has_no_placeholders() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for placeholder in ("your-org", "example.com", "<repo", "TODO", "XXX"):
        assert placeholder not in text, f"the guide says {placeholder!r}"
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: dbarch-lint" in hooks and "      - id: dbarch-lint" in text
    # The matcher the guide registers from the user's checkout is the one the repository ships.
    assert "cp dbarch-lint/docs/dbarch-lint-problem-matcher.json .github/" in text
    assert "::add-matcher::.github/dbarch-lint-problem-matcher.json" in text
    assert "10 error and 10 warning" in text


def test_no_page_installs_from_a_package_index_or_leaves_a_placeholder() -> None:
    """dbarch-lint installs from its repository (Integrations says how): no page tells users to
    install a package of that name from an index, nor to fill in a `repo:` or `rev:`."""
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"pipx? install +dbarch-lint\b", text), page
        assert not re.search(r"(repo|rev): *<", text), page


def test_guide_problem_matchers_read_gcc_output(tmp_path: Path) -> None:
    shipped = json.loads((ROOT / "docs" / "dbarch-lint-problem-matcher.json").read_text())
    pattern = shipped["problemMatcher"][0]["pattern"][0]
    tasks = GUIDE.read_text(encoding="utf-8").split("```json\n")[1].split("```")[0]
    in_guide = json.loads(tasks)["tasks"][0]["problemMatcher"]["pattern"]
    assert in_guide["regexp"] == pattern["regexp"]
    (tmp_path / "0001_t.sql").write_text("CREATE TABLE t (id serial PRIMARY KEY);\n")
    gcc = subprocess.run(
        [sys.executable, "-m", "dbarch_lint", "check", "--no-cache", "--format", "gcc", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = gcc.stdout.splitlines()
    assert lines
    for line in lines:
        match = re.match(pattern["regexp"], line)
        assert match, line
        assert match.group(pattern["file"]) == "0001_t.sql"
        assert match.group(pattern["code"]).startswith("DBA")


def test_readme_names_the_fixable_rules() -> None:
    """The README's `--fix` paragraph lists exactly the rules `rules` marks fixable."""
    fixable = {rule["code"] for rule in listed_rules() if rule["fixable"]}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("`--fix` applies the rewrites") :].split("\n\n")[0]
    assert set(re.findall(r"DBA\d{3}", paragraph)) == fixable


def _guide_block(containing: str) -> str:
    """The guide's ```sh block that holds `containing`, as a user would paste it."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return next(block for block in blocks if containing in block)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_the_guides_install_and_pre_commit_commands_work_as_written(tmp_path: Path) -> None:
    """The integrations guide's commands, run as written in a project beside a clone of
    dbarch-lint: the three `pip install` forms (a path, a git URL, the clone's remote at its
    commit) give the command, and its `.pre-commit-config.yaml` (the `repo:` form) makes
    `git commit` of a migration with a mistake fail on that mistake."""
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    # (cloned through a URL, as from a host: pip takes `git+file://...@commit`, not a bare path)
    git(project, "clone", "-q", ROOT.as_uri(), "dbarch-lint")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
        + os.environ.get("PATH", ""),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
        **SCRATCH_GIT,
    }
    env.pop("VIRTUAL_ENV", None)

    def sh(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    for line in _guide_block("pip install ./dbarch-lint").splitlines():
        if line.startswith("pip install"):  # (each form on its own, so none hides another)
            done = sh(f"{line}\ndbarch-lint --version")
            assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
            assert done.stdout.splitlines()[-1].startswith("dbarch-lint, version "), done.stdout
    done = sh(_guide_block(".pre-commit-config.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    assert config["repos"][0]["repo"] == ROOT.as_uri()
    (project / "db").mkdir()
    (project / "db" / "0001_users.sql").write_text("CREATE TABLE users (id serial PRIMARY KEY);\n")
    (project / ".gitignore").write_text("dbarch-lint/\n")
    done = sh("git add .gitignore .pre-commit-config.yaml db && git commit -q -m users")
    assert done.returncode != 0, done.stdout + done.stderr  # (the hook refused the commit)
    output = done.stdout + done.stderr
    assert "db/0001_users.sql:1:" in output and "DBA101" in output, output
