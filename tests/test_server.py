"""`dbarch-lint server` driven through a real LSP client session (pytest-lsp) over a temporary
history: after every step, each file's published diagnostics equal what `dbarch-lint check FILE`
gives for the same files (unsaved text written to a copy for the comparison)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from dbarch_lint.api import lint_paths

SERVER = [sys.executable, "-m", "dbarch_lint", "server"]
LINE = re.compile(r"\r\n|\r|\n")

FILES = {
    "0001_create.sql": "-- Тест 🎉 schema\nCREATE TABLE t (id bigint PRIMARY KEY, name text);\n",
    "0002_index.sql": "/* 🎉🎉 */ CREATE INDEX idx_t_name ON t (name);\n",
    "0003_more.sql": (
        "ALTER TABLE t ADD COLUMN flag boolean NOT NULL DEFAULT false;\n"
        "ALTER TABLE t ALTER COLUMN name SET NOT NULL;\n"
    ),
}


def _position(text: str, line: int, column: int) -> tuple[int, int]:
    """A 1-based line and code-point column as LSP's 0-based line and UTF-16 offset."""
    lines = [m for m in re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text) if m] or [""]
    if line > len(lines):
        return len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2
    prefix = LINE.sub("", lines[line - 1][: column - 1]) if column > 1 else ""
    return line - 1, len(prefix.encode("utf-16-le")) // 2


def expected(root: Path, path: Path, texts: dict[Path, str]) -> list[tuple[object, ...]]:
    """What `check FILE` gives for `path`, in a copy of the project with the unsaved texts."""
    copy = root.parent / f"{root.name}-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".dbarch-lint-cache"))
    for file, text in texts.items():
        (copy / file.relative_to(root)).write_bytes(text.encode("utf-8"))
    target = copy / path.relative_to(root)
    result = lint_paths([str(target)], cwd=str(copy), cache=False)
    rows = []
    for finding in result.findings:
        loc = finding.location
        text = target.read_bytes().decode("utf-8", errors="replace")
        if finding.code == "DBA004":
            text = result.sources.get(loc.path, text)
        message = finding.message if finding.hint is None else f"{finding.message}\n{finding.hint}"
        start = _position(text, loc.line, loc.column)
        end = _position(text, loc.end_line, loc.end_column)
        rows.append((finding.code, message, start, end, finding.url))
    return sorted(rows, key=repr)


def published(diagnostics: object) -> list[tuple[object, ...]]:
    rows = []
    for d in diagnostics:  # type: ignore[attr-defined]
        assert d.source == "dbarch-lint"
        href = d.code_description.href if d.code_description else None
        start = (d.range.start.line, d.range.start.character)
        end = (d.range.end.line, d.range.end.character)
        rows.append((d.code, d.message, start, end, href))
    return sorted(rows, key=repr)


class Session:
    """A client session over one project folder, and the editor's unsaved texts."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.unsaved: dict[Path, str] = {}
        self.versions: dict[Path, int] = {}

    def uri(self, path: Path) -> str:
        return path.as_uri()

    async def settle(self) -> None:
        """Every notification sent so far handled: the server answers requests in order."""
        await self.client.text_document_hover_async(
            lsp.HoverParams(
                text_document=lsp.TextDocumentIdentifier(uri=self.uri(self.root / "x.sql")),
                position=lsp.Position(line=0, character=0),
            )
        )

    def open(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8", errors="replace")
        self.unsaved[path] = text
        self.versions[path] = 1
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(
                    uri=self.uri(path), language_id="sql", version=1, text=text
                )
            )
        )

    def edit(self, path: Path, text: str) -> None:
        self.unsaved[path] = text
        self.versions[path] += 1
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(
                    uri=self.uri(path), version=self.versions[path]
                ),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def save(self, path: Path) -> None:
        path.write_text(self.unsaved[path], encoding="utf-8")
        self.client.text_document_did_save(
            lsp.DidSaveTextDocumentParams(
                text_document=lsp.TextDocumentIdentifier(uri=self.uri(path))
            )
        )

    def watched(self, *changes: tuple[Path, lsp.FileChangeType]) -> None:
        self.client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=self.uri(path), type=kind) for path, kind in changes]
            )
        )

    async def check(self, *must_have: Path) -> None:
        """Every published file's diagnostics equal `check FILE`'s findings (deleted files:
        none); `must_have` were published."""
        await self.settle()
        got = self.client.diagnostics
        for path in must_have:
            assert self.uri(path) in got, f"nothing published for {path.name}"
        for uri, diagnostics in got.items():
            path = Path(uri.removeprefix("file://"))
            if not path.exists():
                assert list(diagnostics) == [], path
                continue
            texts = {p: t for p, t in self.unsaved.items() if p.exists()}
            assert published(diagnostics) == expected(self.root, path, texts), path.name


@pytest_asyncio.fixture
async def session(tmp_path: Path) -> AsyncIterator[Session]:
    root = tmp_path / "project"
    folder = root / "db" / "migrations"
    folder.mkdir(parents=True)
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    client = await ClientServerConfig(SERVER).start()
    assert isinstance(client, LanguageClient)
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="project")],
        )
    )
    yield Session(client, root)
    await client.shutdown_session()


@pytest.mark.asyncio
async def test_session_equals_check_after_each_step(session: Session) -> None:
    folder = session.root / "db" / "migrations"
    first, second, third = (folder / name for name in sorted(FILES))
    for path in (first, second, third):
        session.open(path)
    await session.check(first, second, third)
    assert any(d.code == "DBA408" for d in session.client.diagnostics[session.uri(third)])

    # The edited file is answered at once (before its whole history is linted again).
    session.edit(third, FILES["0003_more.sql"] + "CREATE INDEX i ON t (flag);\n")
    await session.client.wait_for_notification("textDocument/publishDiagnostics")
    answer = published(session.client.diagnostics[session.uri(third)])
    assert answer == expected(session.root, third, session.unsaved)
    assert any(row[0] == "DBA401" for row in answer)

    # An unsaved edit of an earlier file changes a later file's findings: published too.
    session.edit(first, FILES["0001_create.sql"].replace("name text)", "name text NOT NULL)"))
    await session.check(first)
    assert not any(d.code == "DBA408" for d in session.client.diagnostics[session.uri(third)])

    session.save(first)
    await session.check(first)

    # A rename: a deletion and a creation (of a file not open in the editor).
    renamed = folder / "0004_more.sql"
    third.rename(renamed)
    session.client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=session.uri(third))
        )
    )
    del session.unsaved[third]
    session.watched((third, lsp.FileChangeType.Deleted), (renamed, lsp.FileChangeType.Created))
    await session.check(renamed)
    assert list(session.client.diagnostics[session.uri(third)]) == []

    # Deleting the first file changes what the later ones replay on: they are answered again.
    first.unlink()
    session.client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=session.uri(first))
        )
    )
    del session.unsaved[first]
    session.watched((first, lsp.FileChangeType.Deleted))
    await session.check()

    # A file created outside the editor, and a syntax error typed into an open one.
    created = folder / "0000_base.sql"
    created.write_text(FILES["0001_create.sql"], encoding="utf-8")
    session.watched((created, lsp.FileChangeType.Created))
    await session.check(created)
    session.edit(second, "SELEC oops;\n" + FILES["0002_index.sql"])
    await session.check(second)
    assert any(d.code == "DBA001" for d in session.client.diagnostics[session.uri(second)])


@pytest.mark.asyncio
async def test_undecodable_and_outside_any_history(session: Session) -> None:
    odd = session.root / "db" / "migrations" / "0005_latin1.sql"
    odd.write_bytes(b"-- caf\xe9\nCREATE TABLE u (id int);\n")
    session.watched((odd, lsp.FileChangeType.Created))
    await session.check(odd)
    assert [d.code for d in session.client.diagnostics[session.uri(odd)]] == ["DBA004"]
    # Opened, the editor's decoded text is what is linted (as `--stdin-filename` would).
    session.open(odd)
    await session.check(odd)

    loose = session.root / "scripts" / "cleanup.sql"
    loose.parent.mkdir()
    loose.write_text("DROP TABLE t;\n", encoding="utf-8")
    session.open(loose)
    await session.check(loose)


@pytest.mark.asyncio
async def test_hover_and_code_actions(session: Session) -> None:
    second = session.root / "db" / "migrations" / "0002_index.sql"
    session.open(second)
    await session.check(second)
    diagnostic = next(
        d for d in session.client.diagnostics[session.uri(second)] if d.code == "DBA401"
    )
    hover = await session.client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=session.uri(second)),
            position=diagnostic.range.start,
        )
    )
    assert hover is not None
    assert isinstance(hover.contents, lsp.MarkupContent)
    assert "DBA401" in hover.contents.value and "## Why is this bad?" in hover.contents.value

    actions = await session.client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=session.uri(second)),
            range=diagnostic.range,
            context=lsp.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions is not None
    quick = [a for a in actions if isinstance(a, lsp.CodeAction) and a.kind == "quickfix"]
    assert any("concurrently" in a.title.lower() for a in quick)
    fix = next(a for a in quick if "DBA401" in a.title)
    assert fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[session.uri(second)]
    # (after two emoji, each two UTF-16 units: column 22 is character 23)
    assert edit.new_text == " CONCURRENTLY"
    assert (edit.range.start.line, edit.range.start.character) == (0, 23)

    fix_all = [
        a for a in actions if isinstance(a, lsp.CodeAction) and a.kind and "fixAll" in a.kind
    ]
    assert fix_all, actions
    changes = fix_all[0].edit.changes[session.uri(second)]  # type: ignore[union-attr,index]
    assert "CONCURRENTLY" in changes[0].new_text and "lock_timeout" in changes[0].new_text


async def _started(
    root_uri: str, capabilities: lsp.ClientCapabilities | None = None
) -> LanguageClient:
    """A server started and initialized for the workspace at `root_uri` (a plain client, or
    one with `capabilities`)."""
    client = await ClientServerConfig(SERVER).start()
    assert isinstance(client, LanguageClient)
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=capabilities or lsp.ClientCapabilities(), root_uri=root_uri
        )
    )
    return client


@pytest.mark.asyncio
async def test_bad_config_is_a_message(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "db").mkdir(parents=True)
    (root / "dbarch-lint.toml").write_text("select = 3\nnot-a-setting = 1\n", encoding="utf-8")
    sql = root / "db" / "0001_a.sql"
    sql.write_text("CREATE INDEX i ON t (a);\n", encoding="utf-8")
    client = await _started(root.as_uri())
    session = Session(client, root)
    session.open(sql)
    await session.settle()
    assert client.messages, "no window/showMessage"
    assert client.messages[0].type == lsp.MessageType.Error
    assert "dbarch-lint.toml" in client.messages[0].message
    assert "Traceback" not in "".join(m.message for m in client.messages)

    # Fixed on disk: the watched-file event reloads it and lints again.
    (root / "dbarch-lint.toml").write_text("", encoding="utf-8")
    session.watched((root / "dbarch-lint.toml", lsp.FileChangeType.Changed))
    await session.check(sql)
    await client.shutdown_session()


@pytest.mark.asyncio
async def test_config_above_the_project_is_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "dbarch-lint.toml").write_text('plugins = ["evil"]\n', encoding="utf-8")
    root = tmp_path / "project"
    root.mkdir()
    sql = root / "0001_a.sql"
    sql.write_text("CREATE INDEX i ON t (a);\n", encoding="utf-8")
    client = await _started(root.as_uri())
    session = Session(client, root)
    session.open(sql)
    await session.settle()
    assert [m.type for m in client.messages] == [lsp.MessageType.Error]
    assert "outside the project folder" in client.messages[0].message
    assert session.uri(sql) not in client.diagnostics
    await client.shutdown_session()


def test_a_broken_message_is_a_line_not_a_traceback() -> None:
    import subprocess

    done = subprocess.run(
        SERVER, input=b"Content-Length: 5\r\n\r\n{bad}", capture_output=True, timeout=60
    )
    assert done.returncode == 0
    assert b"Traceback" not in done.stderr
    assert b"dbarch-lint server: ERROR" in done.stderr


def _copy_history(source: Path, target: Path, count: int | None = None) -> Path:
    entries = sorted(p for p in source.iterdir() if not p.name.startswith("."))[:count]
    target.mkdir(parents=True)
    for entry in entries:
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy(entry, target / entry.name)
    return target


@pytest.mark.parametrize("history", ["example", "lemmy"])
def test_whole_history_lint_equals_check_file_by_file(
    history: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's lint of a whole history (every file a target) gives each file what
    `check FILE` gives it."""
    from dbarch_lint.server.project import Project
    from tests.conftest import ROOT, shared_path

    root = tmp_path / "project"
    if history == "example":
        folder = _copy_history(ROOT / "docs" / "examples", root / "db" / "migrations")
    else:
        folder = _copy_history(shared_path("corpus", "lemmy"), root / "migrations", 40)
    monkeypatch.chdir(root)
    project = Project(str(root))
    project.load_config()
    files = sorted(str(p) for p in folder.rglob("*.sql"))
    linted = project.lint(files[0])
    assert sorted(linted.findings) == files
    for file in files:
        alone = project.lint(file, alone=True).findings[file]
        by_check = lint_paths([file], cwd=str(root), cache=False).findings
        assert linted.findings[file] == list(by_check) == alone, file


def test_positions_are_utf16_on_lines_as_findings_count_them() -> None:
    from dbarch_lint.server.convert import Lines

    lines = Lines("a🎉b\r\nxé\rz\n")
    assert lines.position(1, 3) == lsp.Position(line=0, character=3)  # (🎉: two units)
    assert lines.position(2, 3) == lsp.Position(line=1, character=2)
    assert lines.position(3, 1) == lsp.Position(line=2, character=0)  # (after a lone CR)
    assert lines.position(9, 1) == lsp.Position(line=3, character=0)  # (past the end)
    utf8 = Lines("🎉x", lambda text: len(text.encode("utf-8")))
    assert utf8.position(1, 2) == lsp.Position(line=0, character=4)


@pytest.mark.asyncio
async def test_a_linked_workspace_folder(tmp_path: Path) -> None:
    """The editor names the workspace through a link and a file by its real path: the file is
    linted in the project, and answered under the name the editor used."""
    real = tmp_path / "real"
    (real / "db").mkdir(parents=True)
    (real / "db" / "0001_a.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    sql = real / "db" / "0002_b.sql"
    sql.write_text("CREATE INDEX i ON t (a);\n", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(real)
    client = await _started(link.as_uri())
    session = Session(client, real)
    session.open(sql)
    await session.check(sql)
    assert list(client.diagnostics) == [sql.as_uri()]
    assert any(d.code == "DBA401" for d in client.diagnostics[sql.as_uri()])
    await client.shutdown_session()


def test_files_read_again_only_when_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server keeps the files it read; one written since (same size even) is read again."""
    from dbarch_lint.server.project import Project

    folder = tmp_path / "db"
    folder.mkdir()
    first = folder / "0001_a.sql"
    first.write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    second = folder / "0002_b.sql"
    second.write_text("CREATE INDEX i ON t (a);\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    project = Project(str(tmp_path))
    project.load_config()
    linted = project.lint(str(second))
    assert any(f.code == "DBA401" for f in linted.findings[str(second)])
    second.write_text("CREATE INDEX j ON t (a);\n", encoding="utf-8")  # (same size)
    again = project.lint(str(second), alone=True)
    hints = [f.hint or "" for f in again.findings[str(second)] if f.code == "DBA401"]
    assert hints and all("CONCURRENTLY j ON t" in hint for hint in hints)
    assert again.findings[str(second)] == list(
        lint_paths([str(second)], cwd=str(tmp_path), cache=False).findings
    )


def test_the_server_writes_only_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings that write (`write-baseline`, `output-file`, `sarif-file`, `fix`) are for
    `check`: the server lints, and offers fixes, without writing anything but its cache."""
    from dbarch_lint.server.project import Project

    (tmp_path / "dbarch-lint.toml").write_text(
        'write-baseline = "b.json"\noutput-file = "out.txt"\nsarif-file = "s.sarif"\nfix = true\n',
        encoding="utf-8",
    )
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    sql = folder / "0002_b.sql"
    sql.write_text("CREATE INDEX i ON t (a);\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    project = Project(str(tmp_path))
    project.load_config()
    project.unsaved[str(sql)] = "CREATE INDEX k ON t (a);\n"
    linted = project.lint(str(sql))
    assert project.fixed(linted, str(sql)) is not None
    after = {
        p: p.read_bytes()
        for p in tmp_path.rglob("*")
        if p.is_file() and ".dbarch-lint-cache" not in p.parts
    }
    assert after == before


def test_a_cache_folder_it_cannot_use_leaves_the_server_linting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache folder that is not to be trusted (here a link elsewhere) is not used: the
    server lints without it, as `check` does, and says why."""
    from dbarch_lint.server.project import Project

    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    second = folder / "0002_b.sql"
    second.write_text("CREATE INDEX i ON t (a);\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / ".dbarch-lint-cache").symlink_to(elsewhere)
    monkeypatch.chdir(tmp_path)
    project = Project(str(tmp_path))
    project.load_config()
    assert project.warnings
    for alone in (True, False):
        linted = project.lint(str(second), alone=alone)
        assert linted.findings[str(second)] == list(
            lint_paths([str(second)], cwd=str(tmp_path), cache=False).findings
        )
    assert not any(elsewhere.iterdir())


@pytest.mark.asyncio
async def test_no_quick_fix_for_a_fix_that_writes_another_file(session: Session) -> None:
    """DBA404's fix under Flyway is the migration's `.sql.conf`: no edit of the file itself
    does it, so the editor offers no quick fix (`--fix` writes it)."""
    folder = session.root / "db" / "flyway"
    folder.mkdir(parents=True)
    (folder / "V1__orders.sql").write_text("CREATE TABLE orders (id bigint PRIMARY KEY);\n")
    second = folder / "V2__reindex.sql"
    second.write_text("REINDEX INDEX CONCURRENTLY orders_pkey;\n")
    session.open(second)
    await session.settle()
    diagnostic = next(
        d for d in session.client.diagnostics[session.uri(second)] if d.code == "DBA404"
    )
    actions = await session.client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=session.uri(second)),
            range=diagnostic.range,
            context=lsp.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    quick = [a for a in actions or [] if isinstance(a, lsp.CodeAction) and a.kind == "quickfix"]
    assert not [a for a in quick if "DBA404" in a.title]


async def _fix_all_of(root: Path, sql: Path, capabilities: lsp.ClientCapabilities) -> list[Any]:
    """The fix-all actions the server offers for `sql` to a client with `capabilities`."""
    client = await _started(root.as_uri(), capabilities)
    session = Session(client, root)
    session.open(sql)
    await session.settle()
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=session.uri(sql)),
            range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(0, 0)),
            context=lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.SourceFixAll]),
        )
    )
    await client.shutdown_session()
    return [a for a in actions or [] if isinstance(a, lsp.CodeAction)]


@pytest.mark.asyncio
async def test_fix_all_writes_the_side_file_fix_adds(tmp_path: Path) -> None:
    # Flyway runs V2 in a transaction: `--fix` turns it off in V2__reindex.sql.conf; the
    # editor's fix-all does the same, creating the file, where the client can create files.
    root = tmp_path / "project"
    (root / "db").mkdir(parents=True)
    (root / "db" / "V1__orders.sql").write_text(
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n", encoding="utf-8"
    )
    sql = root / "db" / "V2__reindex.sql"
    sql.write_text("REINDEX INDEX CONCURRENTLY orders_pkey;\n", encoding="utf-8")

    creating = lsp.ClientCapabilities(
        workspace=lsp.WorkspaceClientCapabilities(
            workspace_edit=lsp.WorkspaceEditClientCapabilities(
                document_changes=True, resource_operations=[lsp.ResourceOperationKind.Create]
            )
        )
    )
    (action,) = await _fix_all_of(root, sql, creating)
    assert action.edit is not None and action.edit.document_changes is not None
    create, write = action.edit.document_changes
    conf = (root / "db" / "V2__reindex.sql.conf").as_uri()
    assert isinstance(create, lsp.CreateFile) and create.uri == conf
    assert isinstance(write, lsp.TextDocumentEdit) and write.text_document.uri == conf
    assert [e.new_text for e in write.edits] == ["executeInTransaction=false\n"]

    # A client that cannot create files is offered no fix-all (the SQL alone would not do).
    assert await _fix_all_of(root, sql, lsp.ClientCapabilities()) == []


def _history(root: Path, count: int) -> Path:
    """A history of `count` migrations in `root`/db (each adds a table); the last."""
    folder = root / "db"
    folder.mkdir(parents=True)
    for number in range(1, count + 1):
        (folder / f"{number:04d}_t{number}.sql").write_text(
            f"CREATE TABLE t{number} (id bigint PRIMARY KEY, a int);\n"
            f"CREATE INDEX t{number}_a ON t{number} (a);\n",
            encoding="utf-8",
        )
    return folder / f"{count:04d}_t{count}.sql"


def test_an_edit_stops_the_lint_of_the_whole_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole history is linted when the editor is idle; an edit arriving meanwhile stops
    that lint between two files (its answer comes first), and it starts again later."""
    import asyncio

    from dbarch_lint.linting.checking import Interrupted
    from dbarch_lint.server.app import DbarchLintServer
    from dbarch_lint.server.project import Project

    last = _history(tmp_path, 40)
    monkeypatch.chdir(tmp_path)
    project = Project(str(tmp_path))
    project.load_config()
    polls = 0

    def edited_at_file_five() -> bool:
        nonlocal polls
        polls += 1
        return polls > 5

    with pytest.raises(Interrupted):
        project.lint(str(last), interrupted=edited_at_file_five)
    assert polls == 6  # (polled before each file: the lint stopped at the sixth)
    # Nothing of the stopped lint stays behind: the next lint is the whole answer.
    whole = project.lint(str(last))
    fresh = Project(str(tmp_path))
    fresh.load_config()
    assert whole.findings == fresh.lint(str(last)).findings
    assert sum(map(len, whole.findings.values())) == 40  # (each file's unnamed primary key)

    async def edit_during_flush() -> DbarchLintServer:
        ls = DbarchLintServer()
        ls.project = project
        ls.pending.add(str(last))
        ls.arrived.set()  # (what the reader thread does when a message arrives)
        ls.arrived.clear = lambda: None  # type: ignore[method-assign]  # (it arrives mid-lint)
        ls.flush(interruptible=True)
        return ls

    ls = asyncio.run(edit_during_flush())
    assert ls.pending == {str(last)} and ls.timer is not None  # (again, once idle)
    assert str(last) not in ls.full


def test_a_message_arriving_is_seen_at_its_header() -> None:
    import io
    import threading

    from dbarch_lint.server.app import _Watched

    body = json.dumps({"jsonrpc": "2.0", "method": "textDocument/didChange"}).encode()
    message = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    arrived = threading.Event()
    stream = _Watched(io.BytesIO(message), arrived)
    assert not arrived.is_set()
    assert stream.readline() == b"Content-Length: %d\r\n" % len(body)
    assert arrived.is_set()  # (all the reader thread reads while the loop is busy)
    arrived.clear()
    assert stream.readline() == b"\r\n" and stream.read(len(body)) == body
    assert not arrived.is_set()
