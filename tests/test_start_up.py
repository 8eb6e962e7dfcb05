"""What `check` imports: only what its run needs (issue #17: a pre-commit hook or an editor
lints one file, and start-up is most of that time)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Never for a PostgreSQL file: the MySQL parser, the JavaScript one (Sequelize), the language
# server, OpenSSL (`hashlib`), the formats not asked for; the standard library's JSON (baselines,
# Prisma's lock files) and temporary files (`--fix`), with `shutil` and the compressors.
NOT_NEEDED = (
    "sqlglot",
    "tree_sitter",
    "pygls",
    "lsprotocol",
    "jsonschema",
    "hashlib",
    "hmac",
    "json",
    "tempfile",
    "shutil",
    "bz2",
    "lzma",
    "difflib",  # ("did you mean" suggestions: only a finding or a mistake needs them)
    "pickle",  # (the prefix snapshots use the C module: `pickle` compiles regular expressions)
    # The command line parses its options with argparse (`arguments`), which imports gettext
    # and locale; click cost 31 M instructions of a 499 M one-file run with what it pulls in.
    "click",
    "threading",
    "dbarch_lint.server",
    "dbarch_lint.parsing.mysql",
    "dbarch_lint.parsing.sequelize",
    "dbarch_lint.reporting.sarif",
    "dbarch_lint.reporting.gitlab",
    "dbarch_lint.orchestration.fixes",
    # The rules whose events the file does not have (a rule's module is imported when the
    # rule first checks something): the MySQL family, index and drop rules.
    "dbarch_lint.rules.mysql",
    "dbarch_lint.rules.locking.dba401_non_concurrent_index_creation",
    "dbarch_lint.rules.compatibility.dba501_column_drop",
    "dbarch_lint.rules.compatibility.dba506_truncate",
)


# The command line as `dbarch-lint` runs it, then the modules it imported (`run` leaves the
# process without a word, so `main` is called, which leaves by `SystemExit`).
SCRIPT = """
import sys
from dbarch_lint.cli import main
try:
    main(args=sys.argv[1:])
except SystemExit:
    pass
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""


def _imported(folder: Path, *args: str) -> set[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DBARCH")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "check", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    return set(done.stderr.split())


def _unneeded(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == n or m.startswith(n + ".") for n in NOT_NEEDED)}


@pytest.mark.parametrize("cached", [False, True])
def test_check_of_a_postgres_file_imports_only_what_it_needs(tmp_path: Path, cached: bool) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);\n")
    (tmp_path / "0002_more.sql").write_text("ALTER TABLE t ADD COLUMN name text;\n")
    cache = [] if cached else ["--no-cache"]
    for _ in range(2 if cached else 1):  # (the second run: a cache with entries to check)
        with (tmp_path / "0002_more.sql").open("a") as handle:
            handle.write("SELECT 1;\n")
        modules = _imported(tmp_path, *cache, "--format", "json", "0002_more.sql")
        assert "dbarch_lint.reporting.json_report" in modules  # (the test sees imports)
        assert _unneeded(modules) == set()


def test_the_formats_asked_for_are_imported(tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);\n")
    modules = _imported(tmp_path, "--no-cache", "--sarif-file", "out.sarif", "0001_init.sql")
    assert {"dbarch_lint.reporting.text", "dbarch_lint.reporting.sarif"} <= modules


def test_the_ir_annotations_are_evaluated_at_import() -> None:
    """The decoder of cached parses resolves the IR's field types: strings (postponed
    annotations) would cost a `compile` each on every run that reads a parse from the cache."""
    from dbarch_lint.model import ir

    assert not isinstance(ir.Span.__annotations__["start"], str)
    assert not isinstance(ir.ParsedFile.__annotations__["statements"], str)


# A dataclass's methods are compiled (`exec`) when its class is made: the classes every start
# of `check` makes are msgspec Structs, the built-in rules' options too (a plugin's may be
# dataclasses: plugins.md).
DATACLASSES = """
import dataclasses, sys
from dbarch_lint.cli import main
try:
    main(args=sys.argv[1:])
except SystemExit:
    pass
made = set()
for name, module in list(sys.modules.items()):
    if name.startswith("dbarch_lint"):
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value):
                made.add(f"{value.__module__}.{value.__qualname__}")
if "dbarch_lint.rules.types.dba102_integer_key_column" in sys.modules:
    made.add("with-options-loaded")
print("\\n".join(sorted(made)), file=sys.stderr)
"""


def test_check_makes_no_dataclass_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);\n")
    done = subprocess.run(
        [sys.executable, "-c", DATACLASSES, "check", "--format", "json", "0001_init.sql"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    # (DBA102, a rule with options, checked the file: its module was imported)
    assert set(done.stderr.split()) == {"with-options-loaded"}


def test_no_built_in_rule_has_dataclass_options() -> None:
    import dataclasses

    from dbarch_lint.plugins.host import PluginHost

    rules = PluginHost(autoload=False).rules()
    assert not [r.code for r in rules if dataclasses.is_dataclass(r.options_type)]
    assert any(r.option_fields() for r in rules)


def test_the_program_collects_no_cycles_from_the_start() -> None:
    """The imports make objects that stay: collecting them is time lost (8 M instructions of a
    warm `check FILE`, issue #17)."""
    script = (
        "import gc, sys\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'dbarch_lint.arguments':\n"
        "            print('collecting' if gc.isenabled() else 'not collecting', file=sys.stderr)\n"
        "sys.meta_path.insert(0, Watch())\n"
        "sys.argv = ['dbarch-lint', '--version']\n"
        "from dbarch_lint.__main__ import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert "not collecting" in done.stderr and done.returncode == 0
