"""`dbarch-lint server`: the language server (pygls, over stdio).

On `initialize` it takes the workspace folder as the project; each open, change or save of a SQL
file lints that file's history (`project.py`) and publishes the diagnostics of that file and of
every other file of the history whose findings changed. Watched-file events (created, changed,
deleted; a rename is a deletion and a creation) and config changes lint again. A problem is a
`window/showMessage`, never a crash.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar, cast

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from dbarch_lint.linting.checking import Interrupted
from dbarch_lint.model.errors import DbarchLintError
from dbarch_lint.model.findings import Finding
from dbarch_lint.model.version import __version__
from dbarch_lint.reporting import visible
from dbarch_lint.server import convert
from dbarch_lint.server.project import ConfigError, Fixed, Linted, Project

R = TypeVar("R")
Answer = tuple[tuple[Finding, ...], str]  # a file's findings, and the text they are placed in
SQL_SUFFIX = ".sql"
# How long the editor is idle before the whole history is linted again (the edited file is
# answered at once).
WHOLE_HISTORY_DELAY = 0.3
FIX_ALL = f"{lsp.CodeActionKind.SourceFixAll.value}.dbarch-lint"


class DbarchLintServer(LanguageServer):
    """The server and what it knows between requests."""

    def __init__(self) -> None:
        super().__init__("dbarch-lint", __version__)
        self.project: Project | None = None
        self.linted: dict[str, Linted] = {}  # absolute path -> the latest lint that answered it
        # What the last lint found in each file, and what was last published for it: the
        # findings with the text their positions are in (the same, the same diagnostics).
        self.known: dict[str, Answer] = {}
        self.published: dict[str, Answer] = {}
        self.diagnostics: dict[tuple[int, str], list[lsp.Diagnostic]] = {}  # (lint, path)
        self.full: dict[str, Linted] = {}  # absolute path -> the last lint of its whole history
        self.pending: set[str] = set()  # files edited since their history was last linted
        self.timer: asyncio.TimerHandle | None = None
        self.uris: dict[str, str] = {}  # path -> the editor's URI, where they differ
        self.fixed: dict[tuple[int, str], Fixed | None] = {}  # (lint, path) -> `--fix`'s
        self.arrived = threading.Event()  # set when a message of the client arrives

    # Diagnostics

    def relint(self, path: str, *, always: bool = True) -> None:
        """Answer for `path` at once (a lint of it in its history, as `check FILE`), then lint
        its whole history a moment later (`flush`), for the other files whose findings an edit
        changed: typing on, the editor gets each answer without waiting for that."""
        project = self.project
        if project is None or project.config is None:
            return
        # No collection while the editor waits (the heap holds the whole history's lint, a
        # collection of it costs more than the answer): the garbage of this lint, mostly
        # freed as it goes, is collected after it.
        gc.disable()
        try:
            self._answer(project, path, always)
        finally:
            gc.enable()
        self.pending.add(path)
        self._flush_later()

    def _flush_later(self) -> None:
        """Lint the pending histories once the editor has been idle a moment; an edit that
        arrives meanwhile stops that lint (it starts again after the edit's answer)."""
        if self.timer is not None:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().call_later(
            WHOLE_HISTORY_DELAY, lambda: self.guarded(lambda: self.flush(interruptible=True))
        )

    def _answer(self, project: Project, path: str, always: bool) -> None:
        linted = project.lint(path, alone=True)
        self._forget_answers()
        self.linted[path] = linted
        findings = linted.findings.get(path, [])
        answer = (tuple(findings), linted.result.sources.get(linted.shown(path) or "", ""))
        self.known[path] = answer
        if always or self.published.get(path, answer) != answer:
            self._publish(path, self.diagnostics_of(linted, path), answer)

    def flush(self, *, interruptible: bool = False) -> None:
        """Lint the whole history of every file edited since the last time (requests and file
        events call this first: their answers need the state to be current). `interruptible`:
        a message the client sends meanwhile stops it, to be answered first."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.arrived.clear()
        interrupted = self.arrived.is_set if interruptible else None
        while self.pending:
            path = self.pending.pop()
            try:
                self.relint_history(path, interrupted)
            except Interrupted:
                self.pending.add(path)
                self._flush_later()
                return
            done = self.full.get(path)
            if done is not None:
                self.pending.difference_update(done.findings)

    def relint_history(self, path: str, interrupted: Callable[[], bool] | None = None) -> None:
        """Lint the whole history of `path`, every file a target, and publish what changed
        (`interrupted`, polled between files, stops it with `Interrupted`)."""
        project = self.project
        if project is None or project.config is None:
            return
        before = self.full.get(path)
        linted = project.lint(path, interrupted=interrupted)
        self._forget_answers()
        sources = linted.result.sources
        new = {
            file: (tuple(findings), sources.get(linted.shown(file) or "", ""))
            for file, findings in linted.findings.items()
        }
        gone = set(before.findings) - set(new) if before is not None else set()
        for file in gone:  # (deleted, renamed, or now in another history)
            self.forget(file)
            if not os.path.exists(file) and self.published.get(file, ((), ""))[0]:
                self._publish(file, [], ((), ""))
        for file, answer in new.items():
            self.linted[file] = self.full[file] = linted
            previous = self.known.get(file)
            self.known[file] = answer
            changed = previous is not None and previous != answer
            shown_before = self.published.get(file)
            if changed or (shown_before is not None and shown_before != answer):
                self._publish(file, self.diagnostics_of(linted, file), answer)

    def forget(self, path: str) -> None:
        """Drop what is known of a file (deleted, or in another history now)."""
        self.linted.pop(path, None)
        self.full.pop(path, None)
        self.known.pop(path, None)

    def _forget_answers(self) -> None:
        self.diagnostics.clear()
        self.fixed.clear()

    def diagnostics_of(self, linted: Linted, path: str) -> list[lsp.Diagnostic]:
        """A file's findings as diagnostics (made when first asked for)."""
        key = (id(linted), path)
        found = self.diagnostics.get(key)
        if found is None:
            lines = self.lines_of(linted, path)
            texts = self._lines(linted, linted.findings.get(path, []))
            found = self.diagnostics[key] = [
                convert.diagnostic(f, lines, texts, self._uri_of)
                for f in linted.findings.get(path, [])
            ]
        return found

    def _publish(self, path: str, diagnostics: list[lsp.Diagnostic], answer: Answer) -> None:
        self.published[path] = answer
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=self.uri_of_path(path), diagnostics=diagnostics)
        )

    def units(self, text: str) -> int:
        return int(self.workspace.position_codec.client_num_units(text))

    def _lines(self, linted: Linted, findings: list[Finding]) -> dict[str, convert.Lines]:
        """The texts the related locations of `findings` are in, by shown path."""
        sources = linted.result.sources
        wanted = {r.location.path for f in findings for r in f.related}
        return {p: convert.Lines(sources[p], self.units) for p in wanted if p in sources}

    def _uri_of(self, shown: str) -> str:
        root = self.project.root if self.project is not None else os.getcwd()
        return self.uri_of_path(os.path.normpath(os.path.join(root, shown)))

    def uri_of_path(self, path: str) -> str:
        """The URI the editor knows a file by."""
        return self.uris.get(path) or convert.path_to_uri(path)

    def lines_of(self, linted: Linted, path: str) -> convert.Lines:
        shown = linted.shown(path) or ""
        return convert.Lines(linted.result.sources.get(shown, ""), self.units)

    # Messages

    def say(self, message: str, kind: lsp.MessageType = lsp.MessageType.Error) -> None:
        self.window_show_message(
            lsp.ShowMessageParams(type=kind, message=visible(f"dbarch-lint: {message}"))
        )

    def guarded(self, work: Callable[[], R]) -> R | None:
        """Run `work`; a problem is told to the user (never a traceback), and None returned."""
        try:
            return work()
        except ConfigError as error:
            self.say(str(error))
        except DbarchLintError as error:
            self.say(f"error: {error}")
        except Exception as error:  # (a bug must not take the editor's linter down)
            self.say(f"internal error: {type(error).__name__}: {error}; please report it")
        return None

    def load_config(self) -> None:
        project = self.project
        if project is None:
            return
        try:
            project.load_config()
        except ConfigError as error:
            self.linted.clear()
            self.full.clear()
            self.known.clear()
            for path, (findings, _) in list(self.published.items()):
                if findings:  # (not answers of this config: none until it is fixed)
                    self._publish(path, [], ((), ""))
            self.say(str(error))
            return
        for warning in project.warnings:
            self.say(f"warning: {warning}", lsp.MessageType.Warning)


server = DbarchLintServer()


def _sql_path(uri: str) -> str | None:
    path = _path(uri)
    return path if path is not None and path.endswith(SQL_SUFFIX) else None


def _path(uri: str) -> str | None:
    path = convert.uri_to_path(uri)
    project = server.project
    if path is None or project is None:
        return path
    local = project.local(path)
    if local != path:  # (answers go to the name the editor uses)
        server.uris[local] = uri
    return local


@server.feature(lsp.INITIALIZE)
def initialize(ls: DbarchLintServer, params: lsp.InitializeParams) -> None:
    root = None
    if params.workspace_folders:
        root = convert.uri_to_path(params.workspace_folders[0].uri)
    if root is None and params.root_uri:
        root = convert.uri_to_path(params.root_uri)
    root = root or params.root_path or os.getcwd()
    ls.project = Project(root)
    # (paths are shown, and folders walked, relative to the project, as `check` run there)
    ls.guarded(lambda: os.chdir(ls.project.root if ls.project else root))


@server.feature(lsp.INITIALIZED)
def initialized(ls: DbarchLintServer, params: lsp.InitializedParams) -> None:
    ls.load_config()
    watched = ls.client_capabilities.workspace
    dynamic = watched and watched.did_change_watched_files
    if dynamic and dynamic.dynamic_registration:
        globs = ["**/*.sql", "**/dbarch-lint.toml", "**/pyproject.toml"]
        options = lsp.DidChangeWatchedFilesRegistrationOptions(
            watchers=[lsp.FileSystemWatcher(glob_pattern=g) for g in globs]
        )
        registration = lsp.Registration(
            id="dbarch-lint-watch",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        ls.client_register_capability(lsp.RegistrationParams(registrations=[registration]))


def _edited(ls: DbarchLintServer, uri: str) -> None:
    path = _sql_path(uri)
    if path is None or ls.project is None:
        return
    ls.project.unsaved[path] = ls.workspace.get_text_document(uri).source
    ls.guarded(lambda: ls.relint(path))


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: DbarchLintServer, params: lsp.DidOpenTextDocumentParams) -> None:
    _edited(ls, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: DbarchLintServer, params: lsp.DidChangeTextDocumentParams) -> None:
    _edited(ls, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: DbarchLintServer, params: lsp.DidSaveTextDocumentParams) -> None:
    _edited(ls, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: DbarchLintServer, params: lsp.DidCloseTextDocumentParams) -> None:
    path = _sql_path(params.text_document.uri)
    if path is None or ls.project is None:
        return
    ls.project.unsaved.pop(path, None)  # (what is on disk counts again)
    if os.path.exists(path):
        ls.guarded(lambda: ls.relint(path, always=False))


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: DbarchLintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    project = ls.project
    if project is None:
        return
    paths = [(_path(c.uri), c.type) for c in params.changes]
    if any(p is not None and project.is_config(p) for p, _ in paths):
        _config_changed(ls, project)
        return
    ls.guarded(ls.flush)  # (what was pending is linted first: the last answers are current)
    for path, kind in paths:
        if path is None or not path.endswith(SQL_SUFFIX):
            continue
        if kind == lsp.FileChangeType.Deleted or not os.path.exists(path):
            _deleted(ls, path)
        else:  # (a new file's diagnostics are news; a changed one's, when they changed)
            created = kind == lsp.FileChangeType.Created
            ls.guarded(functools.partial(ls.relint, path, always=created))


def _config_changed(ls: DbarchLintServer, project: Project) -> None:
    """A config file changed: read it again, and answer every file shown or open again."""
    if ls.timer is not None:
        ls.timer.cancel()
    ls.pending.clear()
    ls.load_config()
    shown = {file for file in ls.published if os.path.exists(file)}
    ls.linted.clear()
    ls.full.clear()
    ls.known.clear()
    for file in sorted(project.unsaved):
        ls.guarded(functools.partial(ls.relint, file))
    ls.pending.update(shown)
    ls.guarded(ls.flush)


def _deleted(ls: DbarchLintServer, path: str) -> None:
    """A file gone: lint its history again from another of its files (which clears it)."""
    linted = ls.full.get(path)
    others = [f for f in linted.findings if f != path and os.path.exists(f)] if linted else []
    if others:
        ls.guarded(functools.partial(ls.relint_history, others[0]))
    ls.forget(path)
    if ls.published.get(path, ((), ""))[0]:
        ls._publish(path, [], ((), ""))


# Code actions and hover


def _findings_at(
    ls: DbarchLintServer, uri: str, wanted: Callable[[lsp.Range], bool]
) -> list[tuple[Finding, lsp.Diagnostic, Linted]]:
    path = _sql_path(uri)
    linted = ls.linted.get(path) if path is not None else None
    if path is None or linted is None:
        return []
    diagnostics = ls.diagnostics_of(linted, path)
    findings = linted.findings.get(path, [])
    return [
        (finding, diagnostic, linted)
        for finding, diagnostic in zip(findings, diagnostics, strict=False)
        if wanted(diagnostic.range)
    ]


@server.feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION,
    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL]),
)
def code_action(ls: DbarchLintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
    return ls.guarded(lambda: _code_actions(ls, params))


def _code_actions(ls: DbarchLintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    ls.flush()  # (the answers of the whole history, if an edit left them pending)
    uri = params.text_document.uri
    only = params.context.only
    actions: list[lsp.CodeAction] = []
    found = _findings_at(ls, uri, lambda r: convert.overlaps(r, params.range))
    if only is None or lsp.CodeActionKind.QuickFix in only:
        for finding, diagnostic, linted in found:
            fix = finding.fix
            # (a fix that also writes another file, a migration it adds or the runner's side
            # file, is `--fix`'s: this file's edits alone would remove a statement or do nothing)
            if fix is None or fix.follow_up is not None or fix.transaction_off:
                continue
            path = _sql_path(uri) or ""
            lines = ls.lines_of(linted, path)
            safety = "" if fix.safe else " (unsafe: may change what the migration does)"
            actions.append(
                lsp.CodeAction(
                    title=visible(f"{finding.code}: {fix.description}{safety}"),
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=fix.safe,
                    edit=lsp.WorkspaceEdit(
                        changes={uri: [convert.text_edit(e, lines) for e in fix.edits]}
                    ),
                )
            )
    wants_all = only is None or any(FIX_ALL.startswith(kind) for kind in only)
    if wants_all:
        action = _fix_all(ls, uri)
        if action is not None:
            actions.append(action)
    return actions


def _fix_all(ls: DbarchLintServer, uri: str) -> lsp.CodeAction | None:
    """The file as `--fix` would leave it (its safe fixes that bring no new finding), with the
    files those fixes add or change (a client that cannot create files gets no such action:
    this file's edits alone would leave a constraint never validated)."""
    path = _sql_path(uri)
    linted = ls.linted.get(path) if path is not None else None
    if path is None or linted is None or ls.project is None:
        return None
    if not any(f.fix is not None and f.fix.safe for f in linted.findings.get(path, [])):
        return None
    key = (id(linted), path)
    if key not in ls.fixed:
        ls.fixed[key] = ls.project.fixed(linted, path)
    fixed = ls.fixed[key]
    if fixed is None:
        return None
    title = "dbarch-lint: apply every safe fix (as --fix does)"
    edit = None if fixed.text is None else convert.whole(ls.lines_of(linted, path), fixed.text)
    if not fixed.others:
        assert edit is not None
        return lsp.CodeAction(
            title=title, kind=FIX_ALL, edit=lsp.WorkspaceEdit(changes={uri: [edit]})
        )
    if not _creates_files(ls):
        return None
    changes: list[lsp.TextDocumentEdit | lsp.CreateFile] = []
    if edit is not None:
        changes.append(_document_edit(uri, edit))
    for where, (before, text) in sorted(fixed.others.items()):
        other = ls.uri_of_path(where)
        if before is None:
            changes.append(lsp.CreateFile(uri=other))
            before = ""
        changes.append(_document_edit(other, convert.whole(convert.Lines(before, ls.units), text)))
    return lsp.CodeAction(
        title=title, kind=FIX_ALL, edit=lsp.WorkspaceEdit(document_changes=changes)
    )


def _creates_files(ls: DbarchLintServer) -> bool:
    """Whether the client applies workspace edits that create files."""
    workspace = ls.client_capabilities.workspace
    edits = workspace.workspace_edit if workspace else None
    operations = (edits.resource_operations or []) if edits else []
    return bool(edits and edits.document_changes and lsp.ResourceOperationKind.Create in operations)


def _document_edit(uri: str, edit: lsp.TextEdit) -> lsp.TextDocumentEdit:
    document = lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None)
    return lsp.TextDocumentEdit(text_document=document, edits=[edit])


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: DbarchLintServer, params: lsp.HoverParams) -> lsp.Hover | None:
    return ls.guarded(lambda: _hover(ls, params))


def _hover(ls: DbarchLintServer, params: lsp.HoverParams) -> lsp.Hover | None:
    ls.flush()  # (the answers of the whole history, if an edit left them pending)
    found = _findings_at(
        ls, params.text_document.uri, lambda r: convert.contains(r, params.position)
    )
    if not found:
        return None
    parts = []
    for finding, _diagnostic, linted in found:
        info = next((r for r in linted.result.rules if r.code == finding.code), None)
        head = (
            f"**{finding.code}** {info.name if info else finding.rule}: {convert.message(finding)}"
        )
        page = visible(info.description) if info is not None else ""
        link = f"\n\n[{finding.url}]({finding.url})" if finding.url else ""
        parts.append(f"{head}{link}\n\n{page}".rstrip())
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=found[0][1].range,
    )


class _NoTraceback(logging.Formatter):
    """Log lines for the editor's log (stderr): what went wrong, never a traceback."""

    def formatException(self, ei: Any) -> str:
        return ""

    def formatStack(self, stack_info: str) -> str:
        return ""

    def format(self, record: logging.LogRecord) -> str:
        error = record.exc_info[1] if record.exc_info else None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        line = super().format(record)
        return visible(f"{line}: {type(error).__name__}: {error}" if error else line)


def serve(**_: Any) -> None:
    """Serve over stdin and stdout until the client says exit."""
    gc.enable()  # (a long-lived process: the command line's short-run setting does not fit)
    handler = logging.StreamHandler()
    handler.setFormatter(_NoTraceback("dbarch-lint server: %(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    # (pygls reads with `readline` and `read` only: what `_Watched` offers)
    server.start_io(stdin=cast(BinaryIO, _Watched(sys.stdin.buffer, server.arrived)))


class _Watched:
    """The client's stream, read by pygls in its reader thread: `arrived` is set when a message
    starts (its header). While a lint runs on the event loop, the thread reads the next
    message's first header line and waits for the loop: that is all there is to know then, so
    any message stops a lint of a whole history (an edit is answered at once; a request that
    needs the whole history lints it first, as before)."""

    def __init__(self, stream: BinaryIO, arrived: threading.Event) -> None:
        self.stream = stream
        self.arrived = arrived

    def readline(self) -> bytes:
        line = self.stream.readline()
        if line.startswith(b"Content-Length"):
            self.arrived.set()
        return line

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)
