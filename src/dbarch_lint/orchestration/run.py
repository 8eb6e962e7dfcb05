"""A run: the files and settings it covers (prepared from paths and a config), and its execution."""

from __future__ import annotations

import codecs
import os
import re
import stat as kinds
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from msgspec import field

from dbarch_lint.caching.files import digest, file_digest, file_stat
from dbarch_lint.caching.store import Cache, FileIndex, environment_fingerprint
from dbarch_lint.inputs import config as cfg
from dbarch_lint.inputs import discovery, histories
from dbarch_lint.inputs.patterns import PathPatterns
from dbarch_lint.model.errors import PluginError, UsageError
from dbarch_lint.model.findings import Finding, LintResult
from dbarch_lint.orchestration.snapshot import read_snapshot, snapshot_path
from dbarch_lint.runners import sequelize
from dbarch_lint.runners.naming import is_down, order_plain

if TYPE_CHECKING:
    from dbarch_lint.linting.engine import RunConfig
    from dbarch_lint.linting.rule_base import Rule
    from dbarch_lint.parsing.stage import Parser
    from dbarch_lint.plugins.host import PluginHost

T = TypeVar("T")

# The engine, the parser and the plugins load on first use: a run answered from the report cache
# needs none of them.


# (Structs, not dataclasses: a dataclass's methods are compiled when its class is made, on every
# start of the command line.)
class Replay(msgspec.Struct, frozen=True):
    """One history that replays on its own (shown paths), and the files reported on in it: the
    named files it was inferred for (a history can hold a nested one: each file is reported on
    once, in its own)."""

    paths: frozenset[str]
    reported: frozenset[str]


class Run(msgspec.Struct):
    """A prepared run: the resolved config and the files read (by shown path); the plugins and
    the replay order come on first use, so a run answered from the cache never loads them."""

    config: cfg.Config
    paths: dict[str, str]  # shown path -> path to read (`-` for stdin)
    history: set[str]  # shown paths that replay first, in runner order (`migrations`, context)
    targets: set[str]  # shown paths to report on
    errors: list[str] = field(default_factory=list)
    cwd: str = "."
    autoload_plugins: bool = True
    stdin: str | bytes | None = None
    _host: PluginHost | None = None
    _read: dict[str, discovery.Input] = field(default_factory=dict)  # the files read so far
    _files: dict[str, discovery.Input] | None = None
    _inputs: list[discovery.Input] | None = None
    _dialects: list[tuple[PathPatterns, str]] | None = None  # (compiled on first use)
    ordered_by: list[str] = field(default_factory=list)  # the runner that ordered each group
    _confinement: discovery.Confinement | None = None
    # Down migrations `check-down = false` left out of the run (shown paths): not linted, and
    # they never feed the replay anyway; the summary says how many.
    down_left_out: list[str] = field(default_factory=list)
    not_sql: list[str] = field(default_factory=list)  # files named that are not SQL: skipped
    # What the run could not read of the project's set-up and assumed instead (one line each).
    warnings: list[str] = field(default_factory=list)
    # With `--diff-base`, the files (shown paths) its merge base does not hold: new migrations.
    added: set[str] | None = None
    # The histories that replay each on its own (shown paths), when files named one by one were
    # put in their inferred histories; None: every file replays in one history.
    replays: list[Replay] | None = None
    context: list[str] = field(default_factory=list)  # which histories were inferred (`-v`)
    bounds: list[tuple[int, int]] = field(default_factory=list)  # each replay's slice of inputs
    # Whether the replay starts where production's schema does: a schema snapshot, or whole
    # histories (`migrations`, folders and globs, named files in their inferred histories);
    # not files named alone (without context, or in no history). DBA805 needs it.
    complete: bool = True
    # An editor's unsaved buffers (shown path -> text): each replaces its file's content at its
    # place in its history, read as `--stdin-filename` reads stdin (the language server).
    unsaved: dict[str, str] = field(default_factory=dict)
    # The side files `--fix` plans (absolute path -> content: a Flyway `.sql.conf`, a Diesel
    # `metadata.toml`), which the runners read instead of the disk (`runners/planned.py`).
    planned: dict[str, bytes] = field(default_factory=dict)
    # Polled between the files of the lint: True stops it (`checking.Interrupted`); a language
    # server's lint of a whole history gives way to the next edit.
    interrupted: Callable[[], bool] | None = None
    # The cache's hashes of files by their stat: an earlier file (not a target) whose stat it
    # knows is not read unless its text is needed (`discovery.known`). None: every file is read.
    known: FileIndex | None = None
    _unmarked: set[str] = field(default_factory=set)  # known to hold no dbmate marker
    _lstats: dict[str, os.stat_result | None] = field(default_factory=dict)
    _is_utf8: bool | None = None  # (the configured encoding is UTF-8: None, not asked yet)
    # The side files the runners read from the disk (`metadata.toml`, ...) by the path they
    # read them by, with the `digest` of what they read ("-": nothing could be).
    _side_files: dict[str, str] = field(default_factory=dict)
    # The folders `prepare` walked, none a symbolic link when listed (`discovery.expand`).
    walked: list[str] = field(default_factory=list)

    @property
    def files(self) -> dict[str, discovery.Input]:
        """Every file read (on first use: a run answered from the cache may not need them)."""
        if self._files is None:
            paths = sorted(self.paths)
            read = self._read
            self._take([path for path in paths if path not in read])
            self._files = {path: read[path] for path in paths}
        return self._files

    def file(self, path: str) -> discovery.Input:
        """One file (by shown path), read on first use."""
        item = self._read.get(path)
        if item is None:
            self._take([path])
            item = self._read[path]
        return item

    def _take(self, paths: list[str]) -> None:
        """Read files not read yet (by shown path), or know them unchanged by their stat
        (`_known`), each with its dialect and whether it is new since the base. (One pass
        over them all: a history has thousands.)"""
        known = self._known(paths)
        read = self._read
        for path in paths:
            item = known.get(path)
            if item is None:
                fs_path = self.paths[path]
                buffer = self.unsaved.get(path)
                is_stdin = fs_path == discovery.STDIN or buffer is not None
                item = discovery.read(
                    path,
                    None if is_stdin else fs_path,
                    self.config.encoding,
                    buffer if buffer is not None else self.stdin if is_stdin else None,
                    self.confinement,
                )
            read[path] = item
        if self._dialect_patterns():
            for path in paths:
                read[path].dialect = self.dialect_of(path)
        else:  # (a pattern-free run: every file in the configured dialect)
            dialect = self.config.dialect
            for path in paths:
                read[path].dialect = dialect
        added = self.added
        if added is not None:
            for path in paths:
                read[path].new_since_base = path in added

    def _known(self, paths: list[str]) -> dict[str, discovery.Input]:
        """The earlier files among `paths` (shown paths; not targets, stdin or unsaved) the
        cache's index knows unchanged (the same regular file with the same size, mtime and
        ctime, as the report cache's key trusts), not read; the others are read. A link, or
        anything but a regular file, is read, to tell; so is a file a link among its folders
        takes out of the project (to be reported)."""
        index = self.known
        if index is None:
            return {}
        targets, unsaved, where = self.targets, self.unsaved, self.paths
        earlier = [
            path
            for path in paths
            if path not in targets and path not in unsaved and where[path] != discovery.STDIN
        ]
        fs_paths = [where[path] for path in earlier]
        confinement = self.confinement
        # (a file a link among its folders takes out of the project: read, to be reported)
        escaping = (
            confinement.folders_escape(fs_paths)
            if confinement is not None
            else [False] * len(earlier)
        )
        unmarked = self._unmarked if self._utf8() else None
        known = {}
        regular = kinds.S_ISREG
        for path, fs_path, found, escapes in zip(
            earlier, fs_paths, self.lstats(fs_paths), escaping, strict=True
        ):
            if found is None or escapes or not regular(found.st_mode):
                continue
            stat = file_stat(found)
            entry = index.entry(stat)
            if entry is None:
                continue
            if entry[1] is False and unmarked is not None:
                unmarked.add(path)
            known[path] = discovery.known(path, fs_path, entry[0], stat)
        return known

    def lstats(self, fs_paths: Sequence[str]) -> list[os.stat_result | None]:
        """Files' `os.lstat` (None: there is none), each taken once per run: the report
        cache's key and `_known` both ask."""
        taken = self._lstats
        for fs_path in fs_paths:
            if fs_path not in taken:
                try:
                    taken[fs_path] = os.lstat(fs_path)
                except OSError:
                    taken[fs_path] = None
        return [taken[fs_path] for fs_path in fs_paths]

    def _utf8(self) -> bool:
        if self._is_utf8 is None:  # (asked of every file known unchanged)
            self._is_utf8 = codecs.lookup(self.config.encoding).name == "utf-8"
        return self._is_utf8

    def text_needed(self, items: list[discovery.Input], hook: Any) -> list[discovery.Input]:
        """The files not read yet that the runner plugins (`hook`) must see to say how they
        run: for the built-in runners, those whose name only dbmate's marker can place, unless
        the cache's index knows their text holds no marker."""
        unread = [item for item in items if item.unread]
        if any(impl.plugin_name != _BUILTIN_RUNNERS for impl in hook.get_hookimpls()):
            return unread  # (a plugin's runner may read any file's text)
        from dbarch_lint.runners.builtin import needs_text

        runner = self.config.runner
        unmarked = self._unmarked if runner == "auto" else set()
        return [i for i in unread if i.path not in unmarked and needs_text(i.path, runner)]

    def read_unread(self, items: Sequence[discovery.Input]) -> None:
        """Read the files among `items` known by their stat only (in place)."""
        for item in items:
            if item.unread:
                discovery.read_into(item, self.config.encoding, self.confinement)

    def reuse(self, known: Mapping[str, discovery.Input]) -> None:
        """Take the files an earlier run read (by shown path) that are unchanged, the same file
        with the same size, mtime and ctime (the report cache's test, `keys.py`), instead of
        reading and hashing them again: for a long-lived process (the language server)."""
        for path, fs_path in self.paths.items():
            item = known.get(path)
            if item is None or item.stat is None or path in self._read or path in self.unsaved:
                continue
            try:
                unchanged = fs_path != discovery.STDIN and file_stat(os.stat(fs_path)) == item.stat
            except OSError:
                continue
            if unchanged:
                copy = msgspec.structs.replace(item, run=None, dialect=self.dialect_of(path))
                if self.added is not None:
                    copy.new_since_base = path in self.added
                self._read[path] = copy

    @property
    def confinement(self) -> discovery.Confinement | None:
        """The folder symbolic links may not lead out of (None: `follow-outside-links`)."""
        if self.config.follow_outside_links:
            return None
        if self._confinement is None:
            root = project_root(self.config, self.cwd)
            self._confinement = discovery.Confinement(root, self.walked)
        return self._confinement

    def dialect_of(self, path: str) -> str:
        """The dialect a file (by shown path) is written in: the first `per-file-dialect`
        pattern that matches it, else `dialect` (or what its runner says, `_decide_runs`)."""
        return self.dialect_pattern(path) or self.config.dialect

    def dialect_pattern(self, path: str) -> str | None:
        """The dialect the first `per-file-dialect` pattern matching a file names, if any."""
        patterns = self._dialect_patterns()
        if not patterns:
            return None
        absolute = os.path.normpath(os.path.join(self.cwd, path))
        found = (dialect for pattern, dialect in patterns if pattern.matches(absolute))
        return next(found, None)

    def _dialect_patterns(self) -> list[tuple[PathPatterns, str]]:
        if self._dialects is None:
            root = project_root(self.config, self.cwd)
            self._dialects = _per_file(self.config.per_file_dialect, root, "per-file-dialect")
        return self._dialects

    @property
    def host(self) -> PluginHost:
        """The plugins (loaded on first use)."""
        if self._host is None:
            from dbarch_lint.plugins.host import PluginHost

            self._host = PluginHost(self.config.plugins, autoload=self.autoload_plugins)
        return self._host

    def use_host(self, host: PluginHost) -> None:
        """Use plugins loaded before, for the same config (a long-lived process: the language
        server lints with the same plugins again and again)."""
        self._host = host

    def parsers(self) -> dict[str, Parser]:
        """The parser of every dialect the plugins provide; a configured dialect that none
        provides is a usage error."""
        parsers = self.host.parsers()
        config = self.config
        wanted = {"dialect": config.dialect} | {
            f"per-file-dialect {pattern!r}": dialect
            for pattern, dialect in config.per_file_dialect.items()
        }
        for key, dialect in wanted.items():
            if dialect not in parsers:
                raise UsageError(
                    f"{key} = {dialect!r} is not one of {', '.join(parsers)}"
                    f"{cfg.suggest(dialect, parsers)} (a plugin can add a dialect)"
                )
        return parsers

    @property
    def inputs(self) -> list[discovery.Input]:
        """Every file in replay order: the history in runner order, then the targets outside it
        (an editor's unsaved buffer, a new migration not yet matched by `migrations`); or each
        inferred history in turn (`bounds` says where each is). Each carries how its runner
        runs it (`Input.run`)."""
        if self._inputs is None:
            _decide_runs(self)
            ordered: list[str] = []
            if self.replays is None:
                replays = [[self.history, self.targets - self.history]]
            else:
                replays = [[set(replay.paths)] for replay in self.replays]
            every = self.files
            for groups in replays:
                start = len(ordered)
                for group in groups:
                    if group:
                        paths = sorted(group)
                        files = [every[p] for p in paths]
                        runner = _ordering_runner(self.config.runner, files)
                        ordered += _order(self.host, paths, runner, self.cwd)
                        self.ordered_by.append(runner)
                self.bounds.append((start, len(ordered)))
            self._inputs = [every[path] for path in ordered]
        return self._inputs

    def snapshot_inputs(self) -> list[discovery.Input]:
        """The `schema-snapshot`, as the input every history replays first (none: empty); what
        in it does not parse is added to the run's errors."""
        path = snapshot_path(self.config, self.cwd, project_root(self.config, self.cwd))
        if path is None:
            return []
        shown = discovery.display_path(path, self.cwd)
        item, problems = read_snapshot(
            path, shown, self.config, self.dialect_of(shown), self.parsers()
        )
        self.errors.extend(problem for problem in problems if problem not in self.errors)
        return [item]

    def consulted(self) -> dict[str, str]:
        """The files other than migrations that runners read to decide (present or not), by
        absolute path, with a hash of their content ("-" for none)."""
        found: dict[str, str] = {}
        for item in self.inputs:
            for path in item.run.consulted if item.run else ():
                if path not in found:
                    plan = self.planned.get(path)
                    if plan is not None:
                        found[path] = digest(plan)
                    else:  # (as the runners read it, when they read it from the disk)
                        seen = self._side_files.get(path)
                        found[path] = _side_file_digest(path) if seen is None else seen
        return found


def prepare(
    paths: Sequence[str],
    config: cfg.Config,
    cwd: str | None = None,
    stdin: str | bytes | None = None,
    stdin_filename: str | None = None,
    autoload_plugins: bool = True,
    *,
    infer: bool = True,
) -> Run:
    """Discover the history and the targets for `paths` under `config`. Without `migrations`,
    files named one by one replay in their inferred histories (`context`; not with `infer`
    False: `schema` replays what it is given)."""
    cwd = os.path.abspath(cwd or os.getcwd())
    root = project_root(config, cwd)
    patterns = [*config.exclude, *config.extend_exclude]
    excluded = PathPatterns(patterns, root, "exclude") if patterns else None
    migrations = [os.path.join(config.root, g) for g in config.migrations]
    not_sql: list[str] = []
    walked: list[str] = []  # (the folders walked: `Confinement` knows them for no links)
    if paths:
        files, errors = discovery.expand(
            paths,
            excluded,
            force_exclude=config.force_exclude,
            allow_empty=config.allow_empty,
            not_sql=not_sql,
            entered=walked,
            root=root,
        )
    elif migrations:
        files, errors = discovery.expand(
            migrations, excluded, allow_empty=config.allow_empty, entered=walked, root=root
        )
    else:
        files, errors = discovery.found_below(
            cwd, excluded, allow_empty=config.allow_empty, root=root
        )
    history_files: list[str] = []
    here = os.getcwd()
    located: histories.Located | None = None
    if migrations and paths:
        history_files, more = discovery.expand(
            migrations, excluded, allow_empty=True, entered=walked, root=root
        )
        errors = list(dict.fromkeys([*errors, *more]))
    elif paths and config.context and infer:
        # (folders and globs alone: what they find is the history, as it always was)
        named = _named_files(paths, files, stdin_filename, here)
        located = histories.locate(named, os.path.normpath(root), cwd) if named else None
    if located is not None:
        for item in located.histories.values():
            if not os.path.isdir(item.folder):  # (an unsaved buffer's, not created yet)
                continue
            # (walked by a path relative to the working directory, the files' shown paths
            # come cheaply)
            where = _relative(item.folder, here)
            item.files, more = discovery.expand(
                [where], excluded, allow_empty=True, entered=walked, root=root
            )
            history_files += item.files
            errors = list(dict.fromkeys([*errors, *more]))
    # Targets come last so that, under a shared name, what was given (stdin) wins.
    every = [*history_files, *files]
    if discovery.STDIN in files:
        shown = {f: _shown(f, cwd, here, stdin_filename) for f in every}
    else:
        shown = dict(zip(every, discovery.display_paths(every, cwd, here), strict=True))
    target_paths = {shown[f] for f in files}
    history = {shown[f] for f in history_files}
    added: set[str] | None = None  # (with --diff-base: the files the base does not hold)
    if config.diff_base is not None:
        # Every file still feeds the replay; only those changed since the ref are reported on.
        from dbarch_lint.inputs.diff_base import compare

        comparison = compare(config.diff_base, cwd)
        history |= target_paths
        target_paths = {
            shown[f]
            for f in files
            if f == discovery.STDIN or os.path.realpath(f) in comparison.changed
        }
        added = {shown[f] for f in shown if f != discovery.STDIN and not comparison.on_base(f)}
    left_out: list[str] = []
    if not config.check_down:
        left_out = sorted(path for path in {*history, *target_paths} if is_down(path))
        history.difference_update(left_out)
        target_paths.difference_update(left_out)
    dropped = set(left_out)
    snapshot = snapshot_path(config, cwd, root)
    if snapshot is not None:  # (never linted, nor replayed as a migration: it comes first)
        real = os.path.realpath(snapshot)
        found = {
            v for k, v in shown.items() if k != discovery.STDIN and os.path.realpath(k) == real
        }
        dropped |= found
        history.difference_update(found)
        target_paths.difference_update(found)
    by_shown = {v: k for k, v in shown.items() if v not in dropped}
    run = Run(config, by_shown, history, target_paths, errors, cwd, autoload_plugins, stdin)
    run.down_left_out = left_out
    run.walked = walked
    run.added = added
    run.not_sql = [discovery.display_path(file, cwd, here) for file in not_sql]
    run.warnings = _sequelizerc_warnings((root, cwd), cwd, here)
    if located is not None:
        replays, run.context = _replays(located, shown, files, cwd, here)
        # (down migrations `check-down = false` left out are in no replay)
        kept = (Replay(r.paths - dropped, r.reported - dropped) for r in replays)
        run.replays = [replay for replay in kept if replay.paths]
    elif paths and not migrations and infer and not config.context:
        run.context = ["context: off (--no-context, context = false): named files are linted alone"]
    if paths and not migrations:
        given = set(paths)
        alone = located is None or bool(located.alone)
        if alone and any(f in given or f == discovery.STDIN for f in files):
            run.complete = config.schema_snapshot is not None
    if run.replays is None:  # (each Sequelize migrations folder replays on its own)
        rest, *folders = _sequelize_apart([run.history | run.targets])
        if folders:
            run.replays = [
                Replay(frozenset(group[0]), frozenset(group[0] & run.targets))
                for group in [rest, *folders]
                if group[0]
            ]
    return run


def _named_files(
    paths: Sequence[str], files: list[str], stdin_filename: str | None, here: str
) -> list[tuple[str, str]]:
    """The files named one by one (not found in a folder or by a glob), as given and as an
    absolute path; stdin by its `--stdin-filename`. (A folder named is never among `files`:
    what it holds is, under longer names.)"""
    given = set(paths)
    named = []
    for file in files:
        if file == discovery.STDIN:
            if stdin_filename:
                named.append((file, os.path.normpath(os.path.join(here, stdin_filename))))
        elif file in given:
            named.append((file, os.path.normpath(os.path.join(here, file))))
    return named


def _replays(
    located: histories.Located, shown: dict[str, str], files: list[str], cwd: str, here: str
) -> tuple[list[Replay], list[str]]:
    """The histories that replay each on its own (shown paths): each inferred history, the
    named files of each folder in none, and what folders and globs found (one, as without
    context); and what `-v` says of them."""
    replays: list[Replay] = []
    context: list[str] = []
    for item in located.histories.values():
        named = frozenset(shown[f] for f in item.named)
        replays.append(Replay(frozenset(shown[f] for f in item.files) | named, named))
        folder = discovery.display_path(item.folder, cwd, here)
        context.append(
            f"context: history {folder}/ ({_files(len(replays[-1].paths))}; found by "
            f"{item.why}) replayed for {_files(len(item.named))} named"
        )
    for folder, alone in located.alone.items():
        named = frozenset(shown[f] for f in alone)
        replays.append(Replay(named, named))
        where = discovery.display_path(folder, cwd, here)
        context.append(
            f"context: no history found for {_files(len(alone))} named in {where}/ (no runner "
            "layout, no versioned names up to the project folder): linted with the other files "
            "named there only"
        )
    grouped = frozenset().union(*(replay.paths for replay in replays))
    rest = frozenset(shown[f] for f in files) - grouped
    if rest:
        replays.append(Replay(rest, rest))
    apart = []
    for replay in replays:  # (each Sequelize migrations folder replays on its own)
        kept, *folders = _sequelize_apart([set(replay.paths)])
        for group in [kept[0], *(folder[0] for folder in folders)]:
            if group:
                apart.append(Replay(frozenset(group), replay.reported & group))
    return apart, context


def _relative(folder: str, here: str) -> str:
    """A folder by its path relative to `here` when inside it (`.`: itself), else as it is."""
    if folder == here:
        return os.curdir
    inside = os.path.join(here, "")
    return folder[len(inside) :] if folder.startswith(inside) else folder


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def project_root(config: cfg.Config, cwd: str) -> str:
    """The project's folder: the config file's, else the working directory. Path patterns are
    relative to it, and symbolic links may not lead out of it (`follow-outside-links`)."""
    return config.root if config.path else cwd


def _per_file(table: Mapping[str, T], root: str, key: str) -> list[tuple[PathPatterns, T]]:
    """A `per-file-*` table's patterns, compiled, each with its value."""
    return [(PathPatterns([p], root, f"{key} {p!r}"), value) for p, value in table.items()]


def _order(host: PluginHost, paths: list[str], runner: str, cwd: str) -> list[str]:
    """Apply order: a migration-runner plugin's, else the natural order of `plain`."""
    ordered = host.pm.hook.dbarch_lint_order_migrations(paths=paths, runner=runner, cwd=cwd)
    if ordered is None:
        return order_plain(paths)
    if sorted(ordered) != paths:
        raise PluginError(f"the {runner} runner's order is not the files it was given")
    return list(ordered)


def _sequelize_apart(groups: list[set[str]]) -> list[list[set[str]]]:
    """The replays of a run over folders: each Sequelize migrations folder on its own (a
    history of its own, INTERFACE.md), the rest together as found."""
    # (one look at all the names: most runs hold only `.sql` files, and no script at all; a
    # path holds no NUL, so each `.sql` NUL ends one)
    names = "\0".join(path for group in groups for path in group) + "\0"
    if names.count(".sql\0") == sum(len(group) for group in groups):
        return [groups]
    names = names.lower()
    if not any(f"{extension}\0" in names for extension in sequelize.EXTENSIONS):
        return [groups]
    folders: dict[str, set[str]] = {}
    rest: list[set[str]] = []
    for group in groups:
        kept = set()
        for path in group:
            if sequelize.is_script(path):
                folders.setdefault(path.rpartition("/")[0], set()).add(path)
            else:
                kept.add(path)
        rest.append(kept)
    return [rest, *([folders[f]] for f in sorted(folders))] if folders else [groups]


def _ordering_runner(runner: str, items: list[discovery.Input]) -> str:
    """The runner whose order applies: the configured one, or with `auto` the runner every
    file was detected as (`plain`, the natural order, when they differ)."""
    if runner != "auto":
        return runner
    detected = {item.run.runner for item in items if item.run is not None}
    return detected.pop() if len(detected) == 1 else "plain"


def _decide_runs(run: Run) -> None:
    """Ask the runner plugins how each file is run; `assume-in-transaction` overrides the
    transaction mode they chose."""
    from dbarch_lint.runners import MODES, NONE, RUNNERS, TRANSACTION, FileRun, planned
    from dbarch_lint.runners.out_of_order import out_of_order

    items = list(run.files.values())
    config = run.config
    options = config.runners
    if config.prisma_version is not None:  # (the Prisma runner's, from a top-level key)
        options = {**options, "prisma": {"version": config.prisma_version}}
    hook = run.host.pm.hook.dbarch_lint_migration_transactions
    run.read_unread(run.text_needed(items, hook))
    with planned.presented(run.planned, run._side_files):
        found = hook(inputs=items, runner=config.runner, options=options, cwd=run.cwd)
    runs = list(found) if found is not None else [FileRun(config.runner) for _ in items]
    if len(runs) != len(items) or any(r.mode not in MODES for r in runs):
        raise PluginError(f"the {config.runner} runner did not say how it runs each file")
    override = config.assume_in_transaction
    # A runner says the same of many files (a folder's, or every file's): each `FileRun` is
    # completed once (they are frozen), by identity.
    completed: dict[int, tuple[FileRun, FileRun]] = {}
    verdicts: dict[str, str | None] = {}  # (`out_of_order`, by runner)
    given_before: FileRun | None = None  # (the last file's: a folder's files come together)
    file_run: FileRun  # (set by the first file)
    for item, given in zip(items, runs, strict=True):
        if given is not given_before:
            given_before = given
            done = completed.get(id(given))
            if done is not None and done[0] is given:
                file_run = done[1]
            else:
                file_run = given
                runner = file_run.runner
                if runner in RUNNERS:  # (a plugin's runner says it itself)
                    if runner not in verdicts:
                        verdicts[runner] = out_of_order(runner, config.runners)
                    if verdicts[runner] != file_run.out_of_order:
                        file_run = msgspec.structs.replace(file_run, out_of_order=verdicts[runner])
                if override is not None:
                    why = f"{'' if override else 'no-'}assume-in-transaction"
                    mode = TRANSACTION if override else NONE
                    file_run = msgspec.structs.replace(file_run, mode=mode, down_mode=None, why=why)
                completed[id(given)] = (given, file_run)
        item.run = file_run
        if file_run.dialect is not None and run.dialect_pattern(item.path) is None:
            # The runner's own configuration names the database (Prisma's provider), unless a
            # per-file-dialect pattern says otherwise.
            item.dialect = file_run.dialect


_BUILTIN_RUNNERS = "dbarch_lint.runners.builtin"  # (its name as a plugin: `plugins/host.py`)
MARKER = "migrate:up"  # (dbmate's, without which a file is no dbmate migration: `dbmate.matches`)


def _sequelizerc_warnings(folders: Sequence[str], cwd: str, here: str) -> list[str]:
    """A `.sequelizerc` (in the project's folder or the working directory) whose
    `migrations-path` the tool cannot read: it says that `migrations/` is assumed, or the
    migrations it names would go unlinted without a word."""
    found = []
    for folder in dict.fromkeys(folders):
        rc = os.path.join(folder, ".sequelizerc")
        if not os.path.isfile(rc):
            continue
        _, why = sequelize.configured_folder(rc)
        if why is not None:
            found.append(why.replace(rc, discovery.display_path(rc, cwd, here)))
    return found


def _side_file_digest(path: str) -> str:
    return file_digest(path) or "-"


def consulted_unchanged(consulted: dict[str, str]) -> bool:
    """Whether the side files a cached run consulted still hash the same."""
    return all(_side_file_digest(path) == digest for path, digest in consulted.items())


def _shown(path: str, cwd: str, here: str, stdin_filename: str | None) -> str:
    if path == discovery.STDIN:
        return discovery.display_path(stdin_filename, cwd, here) if stdin_filename else "<stdin>"
    return discovery.display_path(path, cwd, here)


def execute(run: Run, cache: Cache | None = None) -> LintResult:
    """Lint a prepared run (parses found in `cache` are reused, new ones stored there)."""
    from dbarch_lint.linting.context import Settings
    from dbarch_lint.linting.engine import RunConfig

    rules = run.host.rules(registered=True)  # (their modules imported as they check)
    config = run.config
    prefixes = tuple(
        sorted({re.sub(r"\d+$", "", r.code) for r in rules if not r.code.startswith("DBA")})
    )
    run_config = RunConfig(
        enabled=cfg.enabled_codes(config, rules),
        severity=cfg.severities(config, rules),
        rule_options=cfg.rule_options(config, rules),
        per_file_ignores=_ignored_codes(run),
        settings=Settings(
            pg_version=config.pg_version,
            dialect=config.dialect,
            if_not_exists=config.if_not_exists,
            complete_history=run.complete,
        ),
        plugin_prefixes=prefixes,
        external=tuple(code.upper() for code in config.external),
        jobs=config.jobs or os.cpu_count() or 1,
        cache=cache,
        parsers=run.parsers(),
        check_down=config.check_down,
        prefix_salt=_prefix_salt(run, cache),
        read=run.read_unread,
        interrupted=run.interrupted,
    )
    for codes in config.per_file_ignores.values():
        cfg.resolve_tokens(codes, rules, "per-file-ignores")
    recorded = None
    if config.baseline is not None and config.write_baseline is None:
        # (a run that writes a baseline reports every finding: it may be renewing that one)
        from dbarch_lint.linting import baseline  # (imported by the runs that use one)

        recorded = baseline.load(config.baseline)
    first: list[discovery.Input] = []
    snapshot = snapshot_path(config, run.cwd, project_root(config, run.cwd))
    if snapshot is not None:
        shown = discovery.display_path(snapshot, run.cwd)
        item, problems = read_snapshot(
            snapshot, shown, config, run.dialect_of(shown), run.parsers()
        )
        run.errors.extend(problem for problem in problems if problem not in run.errors)
        first.append(item)
    result = _lint_histories(run, rules, run_config, first)
    findings = list(result.findings)
    run.host.pm.hook.dbarch_lint_modify_findings(findings=findings, config=dataclass_dict(config))
    if config.write_baseline is not None:
        from dbarch_lint.linting import baseline

        baseline.write(config.write_baseline, findings, result.sources)
    hidden = 0
    if recorded is not None:
        from dbarch_lint.linting import baseline

        findings, hidden = baseline.hide(findings, recorded, result.sources)
    return LintResult(
        tuple(findings),
        result.files,
        result.statements,
        result.rules,
        result.tool_version,
        tuple(run.errors),
        result.sources,
        hidden,
        len(run.down_left_out),
        len(run.not_sql),
    )


def _prefix_salt(run: Run, cache: Cache | None) -> str:
    """What a prefix snapshot's key holds besides the files (`linting/prefix.py`): the code,
    the installed packages and plugins, the configuration, as the report's key does."""
    if cache is None:
        return ""
    settings = {k: v for k, v in dataclass_dict(run.config).items() if k not in ("jobs", "cache")}
    plugins = run.config.plugins if run.autoload_plugins else ["-"]
    parts = [
        "prefix salt 1",
        cache.code,
        environment_fingerprint(plugins),
        repr(sorted(settings.items())),
    ]
    return digest("\n".join(parts).encode("utf-8"))


def _lint_histories(
    run: Run,
    rules: Sequence[type[Rule]],
    run_config: RunConfig,
    first: list[discovery.Input],
) -> LintResult:
    """Lint each history of the run on its own (one, unless inferred), each after `first` (the
    schema snapshot, if any), and put the results together; a history with no target is not
    linted."""
    from dbarch_lint.linting.engine import lint

    inputs = run.inputs
    if run.replays is None:
        return lint([*first, *inputs], run.targets, rules, run_config)
    results = [
        lint([*first, *inputs[start:end]], targets, rules, run_config)
        for replay, (start, end) in zip(run.replays, run.bounds, strict=True)
        if (targets := run.targets & replay.reported)
    ]
    if len(results) == 1:
        return results[0]
    if not results:
        return lint([], run.targets, rules, run_config)
    findings = sorted((f for r in results for f in r.findings), key=Finding.sort_key)
    return msgspec.structs.replace(
        results[0],
        findings=tuple(findings),
        files=sum(r.files for r in results),
        statements=sum(r.statements for r in results),
        sources={path: text for r in results for path, text in r.sources.items()},
    )


def _ignored_codes(run: Run) -> dict[str, tuple[str, ...]]:
    """The codes `per-file-ignores` ignores in each target (by shown path) it names."""
    table = _per_file(
        run.config.per_file_ignores, project_root(run.config, run.cwd), "per-file-ignores"
    )
    ignored = {}
    for path in run.targets if table else ():
        absolute = os.path.normpath(os.path.join(run.cwd, path))
        codes = [code for pattern, codes in table if pattern.matches(absolute) for code in codes]
        if codes:
            ignored[path] = tuple(codes)
    return ignored


def dataclass_dict(config: cfg.Config) -> dict[str, Any]:
    """The config as a plain mapping (for plugins)."""
    return {name: getattr(config, name) for name in config.__struct_fields__}
