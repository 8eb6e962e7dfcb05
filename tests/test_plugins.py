"""The plugin contract: entry points, config-named modules, validation, clear failures."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dbarch_lint.model.errors import PluginError, UsageError
from dbarch_lint.plugins.host import PluginHost
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(ROOT / "tests" / "example_plugin"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return target


def run_cli(
    args: list[str], cwd: Path, site: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-m", "dbarch_lint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_installed_plugin_rule_and_reporter_run(installed_plugin: Path, tmp_path: Path) -> None:
    (tmp_path / "m.sql").write_text("CREATE TABLE tmp_x (id serial PRIMARY KEY);\n")
    result = run_cli(
        ["check", "m.sql", "--format", "count", "--select", "ACME001,DBA101"],
        tmp_path,
        installed_plugin,
    )
    assert result.stdout == "ACME001=1 DBA101=1\n", result.stderr
    assert result.returncode == 1


def test_plugin_rule_options_and_suppressions(installed_plugin: Path, tmp_path: Path) -> None:
    (tmp_path / "dbarch-lint.toml").write_text(
        'select = ["ACME", "DBA003"]\n[rules.ACME001]\nprefixes = ["old_"]\n'
    )
    (tmp_path / "m.sql").write_text(
        "CREATE TABLE tmp_x (id bigint);\n"
        "CREATE TABLE old_x (id bigint); -- noqa: ACME001\n"
        "SELECT 1; -- noqa: ACME001\n"
    )
    result = run_cli(["check", "m.sql", "--format", "gcc"], tmp_path, installed_plugin)
    assert (
        result.stdout.count("\n") == 1 and "m.sql:3:" in result.stdout and "DBA003" in result.stdout
    ), result.stdout + result.stderr


def test_plugin_is_listed_and_explained(installed_plugin: Path, tmp_path: Path) -> None:
    assert "ACME001" in run_cli(["rules"], tmp_path, installed_plugin).stdout
    assert "scaffolding" in run_cli(["explain", "ACME001"], tmp_path, installed_plugin).stdout


def write_module(tmp_path: Path, name: str, body: str) -> None:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))


RULE_TEMPLATE = '''
from dbarch_lint import hookimpl
from dbarch_lint.model.findings import Severity
from dbarch_lint.linting.rule_base import StatementRule

class R(StatementRule):
    """x

    ## What it does
    ## Why is this bad?
    ## Example
    ## Use instead
    """
    code = "{code}"
    name = "{name}"
    family = "x"
    severity = Severity.INFO

@hookimpl
def {hook}():
    return [R]
'''


@pytest.mark.parametrize(
    "code,name,hook,message",
    [
        ("DBA900", "some-thing", "dbarch_lint_rules", "DBA is reserved"),
        ("X1", "some-thing", "dbarch_lint_rules", "2-5 capital letters"),
        ("ACME002", "ban-things", "dbarch_lint_rules", "name the flagged pattern"),
        ("ACME002", "some-thing", "dbarch_lint_rule", "unknown hook"),
        ("ACME002", "serial-column", "dbarch_lint_rules", "defined twice"),
    ],
)
def test_invalid_plugins_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str, name: str, hook: str, message: str
) -> None:
    module = f"plugin_{abs(hash((code, name, hook)))}"
    write_module(tmp_path, module, RULE_TEMPLATE.format(code=code, name=name, hook=hook))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError, match=message):
        PluginHost([module], autoload=False).rules()


def test_plugin_that_fails_to_import_exits_2(tmp_path: Path) -> None:
    (tmp_path / "dbarch-lint.toml").write_text('plugins = ["no_such_plugin_module"]\n')
    (tmp_path / "m.sql").write_text("SELECT 1;\n")
    result = run_cli(["check", "m.sql"], tmp_path)
    assert result.returncode == 2
    assert "no_such_plugin_module" in result.stderr and "Traceback" not in result.stderr


NESTED_OPTIONS = """
from dataclasses import dataclass
from dbarch_lint.rule import Severity, StatementRule, hookimpl

class Shout(StatementRule):
    code = "SHOUT001"
    name = "shouted-name"
    family = "x"
    severity = Severity.INFO

    @dataclass
    class Options:
        loud: bool = True

@hookimpl
def dbarch_lint_rules():
    return [Shout]
"""


def test_options_as_a_nested_class_are_a_clear_error(tmp_path: Path) -> None:
    """Options are read one way, typed: the dataclass is the base's type argument
    (`StatementRule[ShoutOptions]`, `self.options`). A rule still written the old way, with a
    nested `Options` class, fails to load with one line saying how to write it, exit 2."""
    write_module(tmp_path, "nested_options_plugin", NESTED_OPTIONS)
    (tmp_path / "dbarch-lint.toml").write_text('plugins = ["nested_options_plugin"]\n')
    (tmp_path / "m.sql").write_text("SELECT 1;\n")
    result = run_cli(["check", "m.sql"], tmp_path, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "could not load plugin 'nested_options_plugin'" in result.stderr
    assert "`StatementRule[ShoutOptions]`" in result.stderr
    assert "not as a nested `Options` class" in result.stderr


CRASHING = '''
from dbarch_lint import hookimpl
from dbarch_lint.model.findings import Severity
from dbarch_lint.model.ir import CreateTable
from dbarch_lint.linting.rule_base import StatementRule

class Crash(StatementRule):
    """Crashes.

    ## What it does
    ## Why is this bad?
    ## Example
    ## Use instead
    """
    code = "BOOM001"
    name = "always-crashes"
    family = "x"
    severity = Severity.INFO
    targets = (CreateTable,)

    def check(self, event, ctx):
        raise ValueError("kaboom")
        yield

@hookimpl
def dbarch_lint_rules():
    return [Crash]
'''


def test_a_crashing_rule_is_dba000_for_that_rule_only(tmp_path: Path) -> None:
    write_module(tmp_path, "crashing_plugin", CRASHING)
    (tmp_path / "dbarch-lint.toml").write_text(
        'plugins = ["crashing_plugin"]\nextend-select = ["BOOM"]\n'
    )
    (tmp_path / "m.sql").write_text("CREATE TABLE a (id serial PRIMARY KEY);\n")
    result = run_cli(["check", "m.sql", "--format", "gcc"], tmp_path, tmp_path)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert any("DBA000" in line and "BOOM001" in line and "kaboom" in line for line in lines)
    assert any("DBA101" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_a_rule_whose_checking_instance_cannot_be_made_is_dba000_for_each_statement(
    tmp_path: Path,
) -> None:
    stand_in = CRASHING.replace(
        "    def check(self, event, ctx):",
        "    def checking(self):\n        raise ValueError('no module')\n\n"
        "    def check(self, event, ctx):",
    )
    write_module(tmp_path, "stand_in_plugin", stand_in)
    (tmp_path / "dbarch-lint.toml").write_text(
        'plugins = ["stand_in_plugin"]\nextend-select = ["BOOM"]\n'
    )
    (tmp_path / "m.sql").write_text("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n")
    result = run_cli(["check", "m.sql", "--format", "gcc"], tmp_path, tmp_path)
    lines = result.stdout.splitlines()
    assert sum("DBA000" in line and "BOOM001" in line for line in lines) == 2
    assert "Traceback" not in result.stderr


ORDERING = """
from dbarch_lint import hookimpl

@hookimpl
def dbarch_lint_order_migrations(paths, runner):
    return sorted(paths, reverse=True)
"""


def test_a_plugin_can_order_the_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dbarch_lint.inputs import config as cfg
    from dbarch_lint.orchestration import run as lint_run

    write_module(tmp_path, "ordering_plugin", ORDERING)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("1.sql", "2.sql", "10.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    config = cfg.Config(plugins=["ordering_plugin"])
    run = lint_run.prepare([str(tmp_path)], config, cwd=str(tmp_path), autoload_plugins=False)
    assert [i.path for i in run.inputs] == ["2.sql", "10.sql", "1.sql"]
    plain = lint_run.prepare(
        [str(tmp_path)], cfg.Config(), cwd=str(tmp_path), autoload_plugins=False
    )
    assert [i.path for i in plain.inputs] == ["1.sql", "2.sql", "10.sql"]


DIALECT = '''
from dbarch_lint import hookimpl
from dbarch_lint.parsing.builtin import PARSERS

def parse_shouting(source):
    """PostgreSQL written in capitals, with a ! for each ;"""
    from dbarch_lint.model.source import SourceFile
    return PARSERS["postgres"](SourceFile(source.path, source.text.replace("!", ";")))

@hookimpl
def dbarch_lint_parsers():
    return {"shouting": parse_shouting}
'''


def test_a_plugin_can_add_a_dialect(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dbarch_lint import lint_paths

    write_module(tmp_path, "dialect_plugin", DIALECT)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "1.sql").write_text("CREATE TABLE T (ID BIGINT)!\n")
    found = lint_paths(["1.sql"], cwd=str(tmp_path), plugins=["dialect_plugin"], dialect="shouting")
    assert "DBA206" in {f.code for f in found.findings}  # (a dialect-neutral rule)
    with pytest.raises(UsageError, match=r"dialect = 'oracle' is not one of postgres, mysql"):
        lint_paths(["1.sql"], cwd=str(tmp_path), dialect="oracle")
    (tmp_path / "dbarch-lint.toml").write_text('dialect = "oracle"\n')
    result = run_cli(["check", "1.sql"], tmp_path)
    assert result.returncode == 2 and "dialect = 'oracle' is not one of" in result.stderr


SPECNAME = """
from dbarch_lint import hookimpl
from dbarch_lint.parsing.builtin import PARSERS

@hookimpl(specname="dbarch_lint_parsers")
def more_parsers():
    return {"also-postgres": PARSERS["postgres"]}
"""


def test_a_plugin_hook_under_another_name_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pluggy's `specname`: the manager looks at every name of a plugin (only the built-in
    plugins' hooks are known to be named after their hook)."""
    write_module(tmp_path, "specname_plugin", SPECNAME)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "also-postgres" in PluginHost(["specname_plugin"], autoload=False).parsers()
