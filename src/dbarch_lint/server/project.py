"""The project a language server was pointed at: its config, the editor's unsaved buffers, and
the lint of one migration history, through the same pipeline as `dbarch-lint check`.

Every answer equals `dbarch-lint check FILE` run in the project folder for each file of the
history (INTERFACE.md: a file named alone is linted in its inferred history; an unsaved buffer
replaces its file's content, as `--stdin-filename` does). One lint covers the whole history,
every file a target, so a later file whose findings an edit changed is answered too. Parses
stay in memory by content hash (and in the project's cache, as `check` keeps them), and so does
the prefix snapshot loaded last (`linting/prefix.py`): each lint of the same file, nothing before
it changed, replays into a fork of it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from dbarch_lint.caching.store import Cache
from dbarch_lint.inputs import config as cfg
from dbarch_lint.inputs import discovery, histories
from dbarch_lint.model.findings import Finding, LintResult
from dbarch_lint.model.ir import ParsedFile
from dbarch_lint.orchestration import fixes
from dbarch_lint.orchestration.run import Run, execute, prepare, project_root
from dbarch_lint.plugins.host import PluginHost

CONFIG_NAMES = ("dbarch-lint.toml", "pyproject.toml")


@dataclass(frozen=True)
class Fixed:
    """What `--fix` writes for one file: its new text (None: unchanged) and the other files its
    fixes add or change (a migration placed after it, the runner's side file): absolute path ->
    (the text it holds now, None if new; its new text)."""

    text: str | None
    others: dict[str, tuple[str | None, str]]


class ConfigError(Exception):
    """The project's config cannot be used (the message says why and what to do)."""


class _Parses(Cache):
    """The project's cache with the parses of this session kept in memory."""

    def __init__(self, disk: Cache) -> None:
        super().__init__(disk.folder)
        self._disk = disk
        self._memory: dict[str, ParsedFile] = {}
        self._used: set[str] = set()  # (since the last `prune`)
        # The prefix snapshot loaded last, by its key: the next lint of the same file, with
        # nothing before it changed, forks it instead of reading and unpickling it again.
        self._prefix: tuple[str, object] | None = None

    def prune(self) -> None:
        """Forget the parses not asked for since the last time (an edited buffer's earlier
        texts): memory stays the size of the history."""
        self._memory = {key: self._memory[key] for key in self._used if key in self._memory}
        self._used = set()

    def get_parsed(self, content: str) -> ParsedFile | None:
        self._used.add(content)
        found = self._memory.get(content)
        if found is None:
            found = self._disk.get_parsed(content)
            if found is not None:
                self._memory[content] = found
        return found

    def loaded_prefix(self, key: str) -> object | None:
        return self._prefix[1] if self._prefix is not None and self._prefix[0] == key else None

    def keep_loaded_prefix(self, key: str, snapshot: object) -> bool:
        self._prefix = (key, snapshot)
        return True

    def put_parsed(self, content: str, encoded: bytes) -> None:
        self._used.add(content)
        self._memory[content] = msgspec.msgpack.decode(encoded, type=ParsedFile)
        self._disk.put_parsed(content, encoded)


@dataclass(slots=True)
class Linted:
    """One lint of a history: the run, its result, and every file's findings (absolute paths;
    a file of the history without findings has an empty list)."""

    run: Run
    result: LintResult
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    _shown: dict[str, str] = field(default_factory=dict)

    def shown(self, path: str) -> str | None:
        """A file's shown path in the run (None: not in it)."""
        cwd = self.run.cwd
        inside = os.path.join(cwd, "")
        if not self._shown and path.startswith(inside):
            # (the path as the run names a file below its folder: asked for one file after
            # each edit, it spares mapping every file of the history)
            shown = path[len(inside) :].replace(os.sep, "/")
            fs_path = self.run.paths.get(shown)
            if fs_path is not None and os.path.normpath(os.path.join(cwd, fs_path)) == path:
                return shown
        if not self._shown:
            self._shown = {
                os.path.normpath(os.path.join(cwd, fs_path)): shown
                for shown, fs_path in self.run.paths.items()
            }
        return self._shown.get(path)


class Project:
    """The folder the server was pointed at: the config found for it, the open buffers."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self._real_root = os.path.realpath(root)
        self.config: cfg.Config | None = None
        self.unsaved: dict[str, str] = {}  # absolute path -> the editor's text
        self._cache: _Parses | None = None
        self.warnings: list[str] = []
        self._files: dict[str, discovery.Input] = {}  # the files read, by shown path
        self._host: tuple[cfg.Config, PluginHost] | None = None  # (with the config it is of)

    def load_config(self) -> None:
        """Find and load the config as `check` does from the project folder; one above the
        project is not trusted (raises `ConfigError`, as does a config that is wrong)."""
        self.config = None
        found = cfg.find_config(self.root)
        if found is not None and not _inside(found, self._real_root):
            raise ConfigError(
                f"the nearest config, {found}, is outside the project folder {self.root}: "
                "the language server does not trust it; open the folder that holds it, or "
                "put a dbarch-lint.toml in the project"
            )
        try:
            config = cfg.load(found)
        except Exception as error:  # (a config error is a message, never a crash)
            raise ConfigError(f"config {found}: {error}") from None
        # One process: a worker pool forked from a server's event loop and reader thread could
        # hang; the findings are the same (the engine's tests compare the two).
        config.jobs = 1
        config.fix = config.diff = False
        config.write_baseline = None
        self.config = config
        self.warnings = []
        self._files = {}
        disk = Cache.open(project_root(config, self.root), self.warnings.append)
        # (no cache folder to trust: lint without one, as `check` does)
        self._cache = _Parses(disk) if config.cache and disk is not None else None

    def local(self, path: str) -> str:
        """`path` (absolute) named under the project folder as the server names it, when an
        editor names it through another path to the same folder (a linked folder)."""
        if path.startswith(os.path.join(self.root, "")):
            return path
        folder, name = os.path.split(path)
        real = os.path.realpath(folder)
        if real == self._real_root or real.startswith(os.path.join(self._real_root, "")):
            return os.path.join(self.root + real[len(self._real_root) :], name)
        return path

    def is_config(self, path: str) -> bool:
        return os.path.basename(path) in CONFIG_NAMES

    def _shown(self, path: str) -> str:
        return discovery.display_path(path, self.root, self.root)

    def history_of(self, path: str) -> list[str]:
        """The files (absolute) of the history `check FILE` would lint `path` in, each of
        which `check` would lint in the same history."""
        config = self._config()
        first = prepare([self._shown(path)], config, cwd=self.root)
        shown = self._shown(path)
        if first.replays is not None:
            group = next((r.paths for r in first.replays if shown in r.paths), frozenset())
            candidates = sorted(group | {shown})
        elif shown in first.history:  # (`migrations` names the history)
            candidates = sorted(first.history)
        else:  # (outside the configured history, or `context = false`: linted as it is)
            candidates = [shown]
        absolute = [os.path.join(self.root, c) for c in candidates]
        if first.replays is None:
            return [p for p in absolute if os.path.isfile(p) or p == path]
        # Each file named alone would be put in its own inferred history: keep those whose
        # is this one's.
        located = histories.locate([(p, p) for p in absolute], self.root, self.root)
        for item in located.histories.values():
            if path in item.named:
                return sorted(item.named)
        return [path]

    def lint(
        self, path: str, *, alone: bool = False, interrupted: Callable[[], bool] | None = None
    ) -> Linted:
        """Lint the history of `path` (absolute), every file of it a target; `alone`: only
        `path` a target (exactly `check FILE`). `interrupted`: polled between files, True
        stops the lint (`checking.Interrupted`)."""
        config = self._config()
        named = [self._shown(path)] if alone else [self._shown(p) for p in self.history_of(path)]
        run = prepare(named, config, cwd=self.root)
        run.unsaved = {
            shown: text
            for file, text in self.unsaved.items()
            if (shown := self._shown(file)) in run.paths
        }
        run.reuse(self._files)
        run.interrupted = interrupted
        # (the plugins of the config, loaded once: every lint of the session asks for them)
        if self._host is None or self._host[0] is not config:
            self._host = (config, run.host)
        run.use_host(self._host[1])
        result = execute(run, self._cache)
        self._files.update(run.files)
        if not alone and self._cache is not None:
            self._cache.prune()
        linted = Linted(run, result)
        for shown in run.targets:
            linted.findings[os.path.join(self.root, shown)] = []
        for finding in result.findings:
            where = os.path.normpath(os.path.join(self.root, finding.path))
            linted.findings.setdefault(where, []).append(finding)
        return linted

    def fixed(self, linted: Linted, path: str) -> Fixed | None:
        """What `--fix` would write for `path`: its text and the files its fixes add or change
        (None: it would change nothing)."""
        shown = linted.shown(path)
        if shown is None:
            return None
        outcome = fixes.plan(linted.run, [os.path.join(self.root, shown)], self._cache)
        others: dict[str, tuple[str | None, str]] = {
            os.path.join(self.root, added): (None, text)
            for added, (text, origin) in outcome.created.items()
            if origin == shown
        }
        for side, origin in outcome.sides.values():
            if origin == shown:
                before = None if side.before is None else side.before.decode("utf-8", "replace")
                others[side.where] = (before, side.text)
        text = outcome.texts.get(shown)
        if text == linted.run.file(shown).text:
            text = None  # (only its side file changes)
        return Fixed(text, others) if text is not None or others else None

    def _config(self) -> cfg.Config:
        if self.config is None:
            raise ConfigError("no usable config (see the earlier message)")
        return self.config


def _inside(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    return real == root or real.startswith(os.path.join(root, ""))
