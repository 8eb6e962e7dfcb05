"""The on-disk cache in `.dbarch-lint-cache/` (INTERFACE.md, "Cache").

Three kinds of entry, each found by a hash of what they depend on, so a stale entry is never read:

- a parsed file (its `ParsedFile`, as msgpack) under the hash of the file's bytes, in a folder
  named after the code that parsed it;
- a prefix snapshot: the schema replayed up to a history's first target, pickled, under a hash
  of every earlier file, the settings, the code and the configuration (`linting/prefix.py`);
- a report (the rendered output, as it was printed, and beside it the exit code of a whole run)
  under the hash of everything the run depends on: every input (path, role, content), the
  configuration, the presentation options, the working directory, the tool's code and the
  installed packages. A later file can change an earlier file's findings, so findings are never
  cached file by file.

Entries are written atomically and a cache that cannot be written is simply not used; what the
cache trusts, and how it keeps from harm, is `cache_folder`'s business.
"""

from __future__ import annotations

import importlib.util
import operator
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

import msgspec

from dbarch_lint.caching.files import Stat, digest
from dbarch_lint.caching.folder import Folder, open_folder
from dbarch_lint.model.ir import ParsedFile
from dbarch_lint.model.version import __version__

T = TypeVar("T")
MAX_REPORTS = 32  # the most recent run reports kept (one per distinct run)
MAX_PREFIXES = 8  # the most recent prefix snapshots kept (`linting/prefix.py`)
_ENCODER = msgspec.msgpack.Encoder()


class FileIndex(msgspec.Struct):
    """Content hashes of files by what identifies them unchanged, so that a run answered from
    the report cache need not read every file: `inode` -> [device, size, mtime, ctime, hash].
    (Keyed by the inode alone, a number: made and looked up for every file of a history; a file
    of another device with the same inode takes its place, and the other is read again.)"""

    files: dict[int, tuple[int, int, int, int, str]] = msgspec.field(default_factory=dict)
    # Whether a file's text holds dbmate's `migrate:up` marker (by inode, beside its entry in
    # `files`; recorded from UTF-8 text only): without it, runner detection needs nothing else
    # of a file than its name.
    markers: dict[int, bool] = msgspec.field(default_factory=dict)

    def known(self, stat: Stat) -> str | None:
        """The hash of an unchanged file, if it was hashed before."""
        found = self.entry(stat)
        return found[0] if found is not None else None

    def entry(self, stat: Stat) -> tuple[str, bool | None] | None:
        """`known`, and whether the file holds dbmate's marker (None: not recorded), in one
        look (None: the file is not known unchanged)."""
        entry = self.files.get(stat[1])
        # (element by element: no slices made, for every file of a history)
        if (
            entry is None
            or entry[2] != stat[3]
            or entry[1] != stat[2]
            or entry[3] != stat[4]
            or entry[0] != stat[0]
        ):
            return None
        return entry[4], self.markers.get(stat[1])


class CachedReport(msgspec.Struct, frozen=True):
    """What a run printed (UTF-8, written back as it is) and how it exited."""

    report: bytes
    exit_code: int
    # Files besides the migrations that decided how they run (a metadata.toml, a sqitch.plan),
    # by path, with a hash of their content ("-": absent): the report is stale if one changed.
    consulted: dict[str, str] = msgspec.field(default_factory=dict)
    # The SARIF of the same run, for `--sarif-file` (None: the run did not ask for it).
    sarif: bytes | None = None


_DECODERS: dict[type, msgspec.msgpack.Decoder[Any]] = {}


def _decode(kind: type[T], data: bytes) -> T:
    """Decode msgpack into `kind` (decoders are made on first use: the IR's takes milliseconds)."""
    decoder = _DECODERS.get(kind)
    if decoder is None:
        decoder = _DECODERS[kind] = msgspec.msgpack.Decoder(kind)
    return cast(T, decoder.decode(data))


def code_fingerprint() -> str:
    """A hash of this tool's code (every module, by size and mtime, so an edited checkout counts)
    and of the libraries and Python that shape what it computes."""
    # The libraries' files change when they are reinstalled.
    parts = [__version__, sys.version, _module_mark("pglast"), _module_mark("msgspec")]
    parts.extend(_own_module_marks())
    return digest("\n".join(parts).encode())


def environment_fingerprint(plugin_modules: Iterable[str]) -> str:
    """A hash that changes when packages are installed or removed (every import directory's
    mtime) or when a plugin module named in the configuration is edited."""
    parts = []
    for entry in _import_folders():
        try:
            parts.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            continue
    parts.extend(_module_mark(module) for module in plugin_modules)
    return digest("\n".join(parts).encode())


def _own_module_marks() -> list[str]:
    """`_file_mark` of every module of ours, folder by folder in name order (as `os.walk`
    would list them, without its layers and joins: it is asked on every run); a folder once
    (an installed package holds `rules/`, which is also a package's location)."""
    found: list[str] = []
    walked: set[str] = set()
    for package in ("dbarch_lint", "dbarch_lint.rules"):
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            if location not in walked:
                _marks_below(location, found, walked)
    return found


def _marks_below(folder: str, found: list[str], walked: set[str]) -> None:
    walked.add(folder)
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=_name)
    except OSError:
        return
    subfolders = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if is_folder:
            if entry.name != "__pycache__" and not entry.is_symlink():
                subfolders.append(entry.path)
        elif entry.name.endswith(".py"):
            stat = entry.stat()
            found.append(f"{entry.path}:{stat.st_size}:{stat.st_mtime_ns}")
    for subfolder in subfolders:
        _marks_below(subfolder, found, walked)


_name = operator.attrgetter("name")  # (an entry's, to sort a listing by)


def _import_folders() -> list[str]:
    # sys.path[0] is the script's folder or the working directory: not where packages live, and
    # its mtime changes with every file created there.
    return sys.path[0 if sys.flags.safe_path else 1 :]


def _module_mark(module: str) -> str:
    """Which file a module would load from, and its size and mtime (without importing it)."""
    origin = _module_origin(module)
    return f"{module}:missing" if origin is None else f"{module}:{_file_mark(origin)}"


def _module_origin(module: str) -> str | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    origin = spec.origin if spec else None
    return origin if origin and os.path.exists(origin) else None


def _file_mark(path: str) -> str:
    stat = os.stat(path)
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


class Cache:
    """The cache of one project, in its trusted cache folder (`cache_folder`)."""

    def __init__(self, folder: Folder) -> None:
        self.folder = folder
        self._code: str | None = None
        self._index: FileIndex | None = None

    @classmethod
    def open(cls, root: str, warn: Callable[[str], None]) -> Cache | None:
        """The cache of the project at `root`; None when its folder cannot be made or must not
        be trusted (then `warn` is told why, once)."""
        folder = open_folder(root, warn)
        return None if folder is None else cls(folder)

    @property
    def code(self) -> str:
        """The fingerprint of the code (computed once per run)."""
        if self._code is None:
            self._code = code_fingerprint()
        return self._code

    def get_parsed(self, content: str) -> ParsedFile | None:
        """The cached parse of a file with this content hash, if any."""
        data = self.folder.read(f"parsed/{self.code}/{content}")
        if data is None:
            return None
        try:
            return _decode(ParsedFile, data)
        except msgspec.DecodeError:
            return None

    def put_parsed(self, content: str, encoded: bytes) -> None:
        """Store a parse (`encoded` with `encode_parsed`); parses by older code are dead
        weight, removed when the first parse by this code is stored."""
        if not self.folder.has(f"parsed/{self.code}"):
            self.folder.remove_others("parsed", keep=self.code)
        self.folder.write(f"parsed/{self.code}/{content}", encoded)

    def get_report(self, key: str) -> CachedReport | None:
        """The cached report of a run with this key, if any."""
        data = self.folder.read(f"reports/{key}")
        if data is None:
            return None
        try:
            return _decode(CachedReport, data)
        except msgspec.DecodeError:
            return None

    def put_report(self, key: str, report: CachedReport) -> None:
        """Store a run's report, keeping the `MAX_REPORTS` most recent."""
        self.folder.write(f"reports/{key}", _ENCODER.encode(report))
        self.folder.prune("reports", MAX_REPORTS)

    def get_prefix(self, key: str) -> bytes | None:
        """A prefix snapshot's bytes (`linting/prefix.py`), once their MAC verified."""
        return self.folder.read(f"prefixes/{key}")

    def put_prefix(self, key: str, data: bytes) -> None:
        """Store a prefix snapshot, keeping the `MAX_PREFIXES` most recent."""
        self.folder.write(f"prefixes/{key}", data)
        self.folder.prune("prefixes", MAX_PREFIXES)

    def loaded_prefix(self, key: str) -> object | None:
        """A prefix snapshot kept loaded under `key` by a long-lived process (the language
        server); a run of the command line keeps none."""
        return None

    def keep_loaded_prefix(self, key: str, snapshot: object) -> bool:
        """Keep a loaded prefix snapshot for later runs of this process; whether it is kept
        (then it must never change: a run replays into a fork of it)."""
        return False

    def get_file_index(self) -> FileIndex:
        """The hashes of files read by earlier runs (read once per run)."""
        if self._index is None:
            data = self.folder.read("files")
            try:
                self._index = _decode(FileIndex, data) if data is not None else FileIndex()
            except msgspec.DecodeError:
                self._index = FileIndex()
        return self._index

    def put_file_index(
        self,
        index: FileIndex,
        read: dict[int, tuple[int, int, int, int, str]],
        markers: dict[int, bool] | None = None,
        unread: Iterable[Stat | None] = (),
    ) -> None:
        """Record the hashes of files just read (by inode, as `FileIndex` has them), and what
        `markers` says of them (keeping earlier ones, within reason); `unread`: the stats of
        files known unchanged from `index` (not read), which stay known."""
        markers = markers or {}
        if all(index.files.get(key) == value for key, value in read.items()) and all(
            index.markers.get(key) == value for key, value in markers.items()
        ):
            return
        stayed = [stat[1] for stat in unread if stat is not None]
        big = len(index.files) >= 4 * (len(read) + len(stayed)) + 1000
        if big:  # (only this run's files: the entries of the unread ones as they are)
            keep = {key: index.files[key] for key in stayed if key in index.files}
            kept_markers = {key: index.markers[key] for key in stayed if key in index.markers}
        else:
            keep, kept_markers = index.files, index.markers
        self._index = FileIndex({**keep, **read}, {**kept_markers, **markers})
        self.folder.write("files", _ENCODER.encode(self._index))


def encode_parsed(parsed: ParsedFile) -> bytes:
    """A parse as cache bytes."""
    return _ENCODER.encode(parsed)
