"""Sequelize migrations: JavaScript and TypeScript lowered to the IR, found, ordered, run.

The SQL and names are Sequelize 6's (tests/test_sequelize_real.py checks them against the real
thing); here: positions, what cannot be known, transactions, discovery and order.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dbarch_lint.inputs import config as cfg
from dbarch_lint.inputs import discovery
from dbarch_lint.linting.rule_base import Rule
from dbarch_lint.model.ir import CreateIndex, CreateTable, ParsedFile
from dbarch_lint.model.source import SourceFile
from dbarch_lint.orchestration import run as lint_run
from dbarch_lint.parsing.sequelize.parser import parse_sequelize
from dbarch_lint.plugins.host import PluginHost
from dbarch_lint.runners import sequelize


def parse(text: str, path: str = "migrations/1-m.js") -> ParsedFile:
    return parse_sequelize(SourceFile(path, text))


def migration(up: str, down: str = "") -> str:
    return (
        "module.exports = {\n  async up(queryInterface, Sequelize) {\n"
        + up
        + "\n  },\n  async down(queryInterface, Sequelize) {\n"
        + down
        + "\n  },\n};\n"
    )


def lint(tmp_path: Path, files: dict[str, str], select: list[str] | None = None) -> list[str]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = cfg.Config()
    if select:
        config.select = select
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        run = lint_run.prepare(["."], config, cwd=str(tmp_path), autoload_plugins=False)
        result = lint_run.execute(run)
    finally:
        os.chdir(here)
    return [
        f"{f.location.path}:{f.location.line}:{f.location.column} {f.code}" for f in result.findings
    ]


def test_a_call_is_lowered_with_positions_in_the_javascript() -> None:
    text = migration(
        "    await queryInterface.createTable('users', {\n"
        "      id: { type: Sequelize.BIGINT, primaryKey: true },\n"
        "      email: Sequelize.STRING,\n"
        "    });"
    )
    parsed = parse(text)
    assert not parsed.diagnostics
    (statement,) = parsed.statements
    (create,) = statement.events
    assert isinstance(create, CreateTable)
    data = text.encode()
    assert data[statement.span.start : statement.span.end] == b"queryInterface.createTable"
    email = create.columns[1]
    assert email.name == "email" and str(email.type) == "varchar(255)"
    assert data[email.type.span.start : email.type.span.end] == b"Sequelize.STRING"


def test_an_unnamed_index_gets_sequelizes_name() -> None:
    parsed = parse(migration("    await queryInterface.addIndex('Users', ['orgId', 'email']);"))
    (index,) = [e for s in parsed.statements for e in s.events if isinstance(e, CreateIndex)]
    assert index.name == "users_org_id_email"


def test_raw_sql_maps_back_exactly() -> None:
    text = migration("    await queryInterface.sequelize.query('ALTER TABLE t ADD COLUMN c int');")
    parsed = parse(text)
    (event,) = parsed.statements[0].events
    assert text.encode()[event.span.start :].startswith(b"c int')")


@pytest.mark.parametrize(
    ("up", "why"),
    [
        (
            "    await queryInterface.addColumn(table, 'c', Sequelize.TEXT);",
            "`table` is a variable",
        ),
        ("    for (const c of cs) await queryInterface.removeColumn('t', c);", "in a loop"),
        ("    if (x) await queryInterface.dropTable('t');", "under a condition"),
        ("    await helper(queryInterface);", "a function of its own"),
        ("    await queryInterface.sequelize.query(`DROP TABLE ${t}`);", "computed"),
        ("    await queryInterface.addColumn('t', 'c', { type: Sequelize.FOO });", "FOO"),
        ("    await queryInterface.describeTable('t');", "describeTable"),
    ],
)
def test_what_cannot_be_known_is_dba002_at_the_call(up: str, why: str) -> None:
    parsed = parse(migration(up))
    assert [d.code for d in parsed.diagnostics] == ["DBA002"]
    assert why in parsed.diagnostics[0].message
    assert parsed.statements == ()


def test_a_syntax_error_is_dba001_with_its_place() -> None:
    parsed = parse("module.exports = { async up(qi) { await qi.dropTable('t' } };\n")
    (diagnostic,) = parsed.diagnostics
    assert diagnostic.code == "DBA001"
    assert SourceFile("m.js", "").text == "" and diagnostic.span.start > 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "module.exports = 42;",
        "\x00\x01garbage(((",
        "module.exports = { up: 1, down: null };",
        "export default { async up(qi) { await qi.addColumn(...args); } };",
        "module.exports = { async up(qi) { await qi.createTable('t', { ...base }); } };",
        "module.exports = { async up(qi) { await qi.createTable('t', { a: { type: 1 } }); } };",
        "module.exports = { async up(qi) { await qi.addIndex('t', { fields: 'a' }); } };",
        "module.exports = { async up(qi) { await qi.addConstraint('t', { type: 'x' }); } };",
        "module.exports = { async up(qi, S) { await qi.addColumn('t', 'a', S.ENUM); } };",
        "module.exports = { async up(qi, S) { await qi.sequelize.query('SELEC 1'); } };",
    ],
)
def test_bad_input_never_raises(text: str) -> None:
    parsed = parse(text)
    assert all(d.code in ("DBA001", "DBA002") for d in parsed.diagnostics)


def test_typescript_and_es_modules(tmp_path: Path) -> None:
    ts = (
        "import { QueryInterface, DataTypes as T } from 'sequelize';\n"
        "export async function up(queryInterface: QueryInterface): Promise<void> {\n"
        "  await queryInterface.addColumn('t', 'c', { type: T.INTEGER, allowNull: false });\n"
        "}\n"
    )
    parsed = parse(ts, "migrations/1-m.ts")
    assert not parsed.diagnostics
    assert parsed.statements[0].kind == "AlterTableStmt"


def test_transactions_as_sequelize_runs_them(tmp_path: Path) -> None:
    up = (
        "    await queryInterface.sequelize.transaction(async (t) => {\n"
        "      await queryInterface.addIndex('t', ['a'], { concurrently: true, transaction: t });\n"
        "      await queryInterface.addColumn('t', 'b', Sequelize.TEXT);\n"
        "      await queryInterface.addColumn('t', 'c', { type: Sequelize.TEXT, transaction: t }"
        ");\n"
        "      queryInterface.addColumn('t', 'e', Sequelize.TEXT, { transaction: t });\n"
        "    });\n"
        "    await queryInterface.addIndex('t', ['d'], { concurrently: true });"
    )
    found = lint(
        tmp_path,
        {
            "migrations/1-t.js": migration(
                "    await queryInterface.createTable('t', { a: Sequelize.TEXT,"
                " d: Sequelize.TEXT });"
            ),
            "migrations/2-m.js": migration(up),
        },
        select=["DBA404", "DBA606"],
    )
    assert found == [
        "migrations/2-m.js:4:13 DBA404",
        "migrations/2-m.js:5:13 DBA606",
        "migrations/2-m.js:6:13 DBA606",
        "migrations/2-m.js:7:7 DBA606",
    ]


def test_an_unmanaged_transaction(tmp_path: Path) -> None:
    up = (
        "    const t = await queryInterface.sequelize.transaction();\n"
        "    await queryInterface.removeIndex('t', 'i', { concurrently: true, transaction: t });\n"
        "    await t.commit();\n"
        "    await queryInterface.removeIndex('t', 'j', { concurrently: true });"
    )
    found = lint(tmp_path, {"migrations/1-m.js": migration(up)}, select=["DBA404", "DBA606"])
    assert found == ["migrations/1-m.js:4:11 DBA404"]


def test_down_is_linted_but_not_replayed(tmp_path: Path) -> None:
    text = migration(
        "    await queryInterface.createTable('t', { a: Sequelize.TEXT });",
        "    await queryInterface.dropTable('t');",
    )
    found = lint(
        tmp_path,
        {
            "migrations/1-m.js": text,
            "migrations/2-m.js": migration("    await queryInterface.removeColumn('t', 'a');"),
        },
        select=["DBA501", "DBA504", "DBA801"],
    )
    # (the drop in down does not hide the table from the next migration)
    assert found == ["migrations/2-m.js:3:39 DBA501"]


def test_discovery_finds_scripts_only_in_migrations_folders(tmp_path: Path) -> None:
    for name in ("migrations/1-a.js", "migrations/2-b.ts", "migrations/x.d.ts", "src/app.js"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("module.exports = {};\n")
    found, errors = discovery.expand([str(tmp_path)])
    assert not errors
    assert sorted(Path(f).relative_to(tmp_path).as_posix() for f in found) == [
        "migrations/1-a.js",
        "migrations/2-b.ts",
    ]


def test_sequelizerc_migrations_path(tmp_path: Path) -> None:
    (tmp_path / ".sequelizerc").write_text(
        "const path = require('path');\n"
        "module.exports = { 'migrations-path': path.resolve('db', 'changes') };\n"
    )
    (tmp_path / "db" / "changes").mkdir(parents=True)
    (tmp_path / "db" / "changes" / "1-a.js").write_text("module.exports = {};\n")
    folder, problem = sequelize.configured_folder(str(tmp_path / ".sequelizerc"))
    assert problem is None and folder == str(tmp_path / "db" / "changes")
    found, _ = discovery.expand([str(tmp_path)])
    assert [Path(f).name for f in found] == ["1-a.js"]
    (tmp_path / ".sequelizerc").write_text("module.exports = { 'migrations-path': dir() };\n")
    assert sequelize.configured_folder(str(tmp_path / ".sequelizerc"))[1] is not None


def test_a_computed_sequelizerc_path_is_said_not_silently_assumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tool cannot run the JavaScript of a `.sequelizerc`: when its `migrations-path` is
    computed, the run says that it assumes `migrations/` (the migrations it names would
    otherwise go unlinted without a word)."""
    from dbarch_lint.cli import main
    from tests.cli_runner import CliRunner

    (tmp_path / ".sequelizerc").write_text(
        "module.exports = { 'migrations-path': process.env.MIGRATIONS_DIR };\n"
    )
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "1-a.js").write_text(migration(""))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert "warning: .sequelizerc: its `migrations-path` is computed" in result.stderr
    assert "`migrations/` is assumed" in result.stderr
    (tmp_path / ".sequelizerc").write_text("module.exports = {};\n")
    quiet = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert "sequelizerc" not in quiet.stderr


def test_order_is_by_file_name() -> None:
    assert sequelize.order(["m/b/2-x.js", "m/a/10-y.js", "m/1-z.js"]) == [
        "m/1-z.js",
        "m/a/10-y.js",
        "m/b/2-x.js",
    ]


def test_dba606_examples() -> None:
    rule: type[Rule] = next(r for r in PluginHost(autoload=False).rules() if r.code == "DBA606")
    doc = rule.doc()
    for section, expected in (("Example", ["DBA606"]), ("Use instead", [])):
        body = doc.sections[section]
        code = body.split("```js", 1)[1].split("```", 1)[0]
        text = "module.exports = {\n  async up(queryInterface, Sequelize) {\n" + code + "}\n};\n"
        parsed = parse(text)
        kinds = [s.kind for s in parsed.statements]
        assert ("SequelizeDetached" in kinds) == bool(expected), section


def test_parse_time_of_a_migration() -> None:
    text = (
        Path(__file__)
        .parent.joinpath("fixtures/sequelize/core_calls/migrations/20240103000000-alter-users.js")
        .read_text()
    )
    parse(text)  # (the grammar loads once)
    start = time.perf_counter()
    for _ in range(20):
        parse(text)
    assert (time.perf_counter() - start) / 20 < 0.05


def test_hints_speak_sequelize_and_raw_sql_keeps_sql(tmp_path: Path) -> None:
    up = (
        "    await queryInterface.createTable('t', { id: { type: Sequelize.INTEGER, primaryKey: "
        "true, autoIncrement: true }, name: Sequelize.STRING });\n"
        "    await queryInterface.sequelize.query('CREATE INDEX t_name ON t (name)');"
    )
    for name, text in {
        "migrations/0-t.js": migration(
            "    await queryInterface.createTable("
            "'u', { id: { type: Sequelize.BIGINT, primaryKey: true } });"
        ),
        "migrations/1-m.js": migration(up),
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        config = cfg.Config()
        config.select = ["DBA101", "DBA103"]
        run = lint_run.prepare(["."], config, cwd=str(tmp_path), autoload_plugins=False)
        hints = {f.code: f.hint for f in lint_run.execute(run).findings}
    finally:
        os.chdir(here)
    assert "autoIncrementIdentity: true" in (hints["DBA101"] or "")
    assert "Sequelize.TEXT" in (hints["DBA103"] or "")


def test_the_sequelize_example_reports_what_its_readme_lists() -> None:
    root = Path(__file__).parent.parent
    here = os.getcwd()
    os.chdir(root)
    try:
        run = lint_run.prepare(
            ["docs/examples/sequelize/"], cfg.Config(), cwd=str(root), autoload_plugins=False
        )
        result = lint_run.execute(run)
    finally:
        os.chdir(here)
    found = [(f.location.path.rsplit("/", 1)[1], f.location.line, f.code) for f in result.findings]
    readme = (root / "docs/examples/sequelize/README.md").read_text()
    listed = []
    for row in readme.splitlines():
        cells = [c.strip() for c in row.split("|")]
        if len(cells) > 4 and cells[1].startswith("`2024"):
            for code in cells[4].split(", "):
                listed.append((cells[1].strip("`"), int(cells[2]), code.split()[0]))
    assert sorted(found) == sorted(listed)


def test_umzug_context_and_a_rollback_in_catch() -> None:
    text = (
        "export const up = async ({ context: qi }) => {\n"
        "  const t = await qi.sequelize.transaction();\n"
        "  try {\n"
        "    await qi.addColumn('t', 'c', { type: DataTypes.TEXT }, { transaction: t });\n"
        "    await t.commit();\n"
        "  } catch (error) {\n"
        "    await t.rollback();\n"
        "    throw error;\n"
        "  }\n"
        "};\n"
    )
    parsed = parse(text)
    assert not parsed.diagnostics
    kinds = [e.kind for s in parsed.statements for e in s.events if hasattr(e, "kind")]
    assert kinds[0] == "begin" and kinds[-1] == "commit" and "rollback" not in kinds


def test_common_shapes_parse_without_dba002() -> None:
    promise_all = (
        "module.exports = {\n"
        "  up: (queryInterface, Sequelize) => Promise.all([\n"
        "    queryInterface.addColumn('users', 'x', Sequelize.DataTypes.STRING),\n"
        "    queryInterface.addColumn('users', 'y', { type: Sequelize.ENUM, values: ['a'] }),\n"
        "  ]),\n"
        "};\n"
    )
    typed = (
        "import { DataTypes } from 'sequelize';\n"
        "export const up: Migration = async ({ context: queryInterface }) => {\n"
        "  return queryInterface.sequelize.query(`UPDATE users SET id = 1`);\n"
        "};\n"
    )
    assert not parse(promise_all).diagnostics
    assert not parse(typed, "migrations/1-m.ts").diagnostics
    assert [s.kind for s in parse(typed, "migrations/1-m.ts").statements] == ["UpdateStmt"]


def test_a_table_created_by_the_migration_is_new_though_sequelize_writes_if_not_exists(
    tmp_path: Path,
) -> None:
    """Sequelize sends `CREATE TABLE IF NOT EXISTS` for every createTable: that is not a
    hand-written retrofit onto installs that may have the table, so an index the same migration
    adds to it locks no one (no DBA401) and its drop in `down` is of a new table."""
    text = migration(
        "    await queryInterface.createTable('t', { a: Sequelize.TEXT });\n"
        "    await queryInterface.addIndex('t', ['a']);",
        "    await queryInterface.dropTable('t');",
    )
    found = lint(tmp_path, {"migrations/1-m.js": text}, select=["DBA401", "DBA413", "DBA504"])
    assert found == []


def test_a_sequelizerc_above_the_project_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A configuration from outside the project is not trusted: a `.sequelizerc` above the
    project's folder (where its `dbarch-lint.toml` is) names no migrations folder for it."""
    project = tmp_path / "proj"
    (project / "db" / "changes").mkdir(parents=True)
    (project / "dbarch-lint.toml").write_text("")
    (project / "db" / "changes" / "1-a.js").write_text("module.exports = {};\n")
    (project / "db" / "changes" / "0001_a.sql").write_text("SELECT 1;\n")
    (tmp_path / ".sequelizerc").write_text(
        "const path = require('path');\n"
        "module.exports = { 'migrations-path': path.resolve('proj', 'db', 'changes') };\n"
    )
    monkeypatch.chdir(project)
    config = cfg.load(str(project / "dbarch-lint.toml"))
    run = lint_run.prepare(["db/changes"], config, cwd=str(project), autoload_plugins=False)
    assert sorted(run.paths) == ["db/changes/0001_a.sql"]
    # (the same file inside the project: read)
    (tmp_path / ".sequelizerc").rename(project / ".sequelizerc")
    (project / ".sequelizerc").write_text(
        "const path = require('path');\n"
        "module.exports = { 'migrations-path': path.resolve('db', 'changes') };\n"
    )
    run = lint_run.prepare(["db/changes"], config, cwd=str(project), autoload_plugins=False)
    assert sorted(run.paths) == ["db/changes/0001_a.sql", "db/changes/1-a.js"]
