"""The cache folder, trusting only what this user wrote on this machine (INTERFACE.md, "Cache").

A checkout is hostile input: its `.dbarch-lint-cache/` may have been committed, copied in or
planted, with links pointing anywhere. So:

- every entry carries a MAC (keyed BLAKE2b) under a per-user key kept outside any project (the
  user cache home, mode 0600): an entry that does not verify is a miss, and nothing is decoded
  before it verifies. The MAC covers the entry's name, so an entry cannot be moved to another;
- every file and folder is opened relative to its folder's descriptor with `O_NOFOLLOW`, so no
  symlink inside the cache is followed, and only regular files are read (a FIFO never hangs);
- a cache folder that is a link, is owned by another user, or is not marked as ours
  (`CACHEDIR.TAG`) is not used at all (the caller says so once);
- only our own entries are deleted: names of our pattern, regular files, in our folders.

Stdlib only.
"""

from __future__ import annotations

import contextlib
import os
import stat

# `hmac.compare_digest` (a comparison in constant time) is this function, or OpenSSL's, which
# `hmac` loads first through `hashlib`: milliseconds of every warm run's start-up.
from _operator import _compare_digest
from collections.abc import Callable

from dbarch_lint.caching.files import keyed_digest, read_regular
from dbarch_lint.model.regex import lazy

CACHE_DIR = ".dbarch-lint-cache"
MARKER = "CACHEDIR.TAG"  # (https://bford.info/cachedir/: backup tools skip the folder too)
MARKER_TEXT = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This folder is the cache of dbarch-lint. It can be deleted at any time.\n"
)
_GITIGNORE = b"# Created by dbarch-lint.\n*\n"
_MAC_SIZE = 32
_KEY_SIZE = 32
# Our entries: content and run hashes, the file index; temporary files end in `.<pid>.tmp`.
ENTRY = lazy(r"(?:[0-9a-f]{32}|files)(?:\.\d+\.tmp)?")
_FOLDER = lazy(r"parsed|reports|prefixes|[0-9a-f]{32}")
_STALE_TEMP_NS = 3600 * 10**9  # a temporary file this old belongs to a run that died
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class Untrusted(Exception):
    """The cache folder must not be used (the message says why, for one warning)."""


def user_key() -> bytes:
    """This user's cache key, made on first use in the user cache home (mode 0600). Raises
    `Untrusted` if it cannot be made or is not this user's alone."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(home, "dbarch-lint")
    path = os.path.join(folder, "key")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        try:
            return _read_key(path)
        except FileNotFoundError:
            _make_key(path)
            return _read_key(path)
    except OSError as error:
        raise Untrusted(f"cannot use the cache key {path}: {error.strerror or error}") from None


def _make_key(path: str) -> None:
    """Write a new key under a temporary name and link it into place: a run racing this one
    either links first (then this one reads its key) or finds it in place, never half written."""
    temporary = f"{path}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(os.urandom(_KEY_SIZE))
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _read_key(path: str) -> bytes:
    descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or not _owned(info) or info.st_mode & 0o077:
            raise Untrusted(f"the cache key {path} is not a file of this user's alone (0600)")
        key = os.read(descriptor, _KEY_SIZE + 1)
    finally:
        os.close(descriptor)
    if len(key) != _KEY_SIZE:
        raise Untrusted(f"the cache key {path} is damaged: delete it")
    return key


def _owned(info: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


class Folder:
    """One trusted cache folder: entries by `/`-separated names below it."""

    def __init__(self, descriptor: int, key: bytes) -> None:
        self._descriptor = descriptor
        self._key = key
        self._folders: dict[str, int] = {"": descriptor}

    @classmethod
    def open(cls, root: str, key: bytes) -> Folder:
        """The cache folder of the project at `root`, created (and marked) if absent. Raises
        `Untrusted` for a folder that is a link, another user's, or not marked as ours; an
        `OSError` if it cannot be made."""
        path = os.path.join(root, CACHE_DIR)
        try:
            descriptor = _open_folder(path)
        except FileNotFoundError:
            os.mkdir(path)
            descriptor = _open_folder(path)
        except OSError:
            if os.path.islink(path) or not os.path.isdir(path):
                raise Untrusted(
                    f"{path} is a link or not a folder: the cache is not used"
                ) from None
            raise
        try:
            if not _owned(os.fstat(descriptor)):
                raise Untrusted(f"{path} belongs to another user: the cache is not used")
            folder = cls(descriptor, key)
            folder._mark(path)
        except BaseException:
            os.close(descriptor)
            raise
        return folder

    def _mark(self, path: str) -> None:
        """Make sure the folder is ours: marked, or new (or left by a version before markers)."""
        if self._read_plain(MARKER) == MARKER_TEXT:
            return
        names = set(os.listdir(self._descriptor))
        ignore = self._read_plain(".gitignore")
        if names and not (ignore is not None and ignore.startswith(_GITIGNORE.split(b"\n")[0])):
            raise Untrusted(f"{path} is not dbarch-lint's cache (no {MARKER}): it is not used")
        self._write_plain(".gitignore", _GITIGNORE)
        self._write_plain(MARKER, MARKER_TEXT)

    def read(self, name: str) -> bytes | None:
        """An entry's content, if it is there and this user's key made it."""
        folder, _, base = name.rpartition("/")
        descriptor = self._folder(folder, create=False)
        data = _read_regular(base, descriptor) if descriptor is not None else None
        if data is None or len(data) < _MAC_SIZE:
            return None
        if not _compare_digest(data[:_MAC_SIZE], self._mac(name, data[_MAC_SIZE:])):
            return None
        return data[_MAC_SIZE:]

    def has(self, folder: str) -> bool:
        """Whether a subfolder is there (and usable)."""
        return self._folder(folder, create=False) is not None

    def write(self, name: str, data: bytes) -> None:
        """Store an entry atomically (a concurrent run never reads half of it); failures leave
        the cache as it was."""
        folder, _, base = name.rpartition("/")
        with contextlib.suppress(OSError):
            descriptor = self._folder(folder, create=True)
            if descriptor is not None:
                _replace(base, descriptor, self._mac(name, data) + data)

    def prune(self, folder: str, keep: int) -> None:
        """Delete all but the `keep` most recently written entries of a folder, and temporary
        files left by runs that died (ours only)."""
        descriptor = self._folder(folder, create=False)
        if descriptor is not None:
            with contextlib.suppress(OSError):
                entries, stale = _own_entries(descriptor)
                entries.sort(key=lambda entry: entry[1])
                for name in [*stale, *(name for name, _ in entries[: max(0, len(entries) - keep)])]:
                    os.unlink(name, dir_fd=descriptor)

    def close(self) -> None:
        """Release the folders' descriptors."""
        for descriptor in self._folders.values():
            with contextlib.suppress(OSError):
                os.close(descriptor)
        self._folders.clear()

    def remove_others(self, folder: str, keep: str) -> None:
        """Delete the subfolders of `folder` other than `keep`, and our entries in them (a
        subfolder that holds anything else stays)."""
        parent = self._folder(folder, create=False)
        if parent is None:
            return
        with contextlib.suppress(OSError):
            for entry in os.scandir(parent):
                if entry.name == keep or not _FOLDER.fullmatch(entry.name):
                    continue
                if not entry.is_dir(follow_symlinks=False):
                    continue
                descriptor = _open_folder(entry.name, parent)
                try:
                    entries, stale = _own_entries(descriptor, stale_after=0)
                    for name in [*stale, *(name for name, _ in entries)]:
                        os.unlink(name, dir_fd=descriptor)
                finally:
                    os.close(descriptor)
                with contextlib.suppress(OSError):  # (not empty: something of someone else's)
                    os.rmdir(entry.name, dir_fd=parent)

    def _folder(self, name: str, create: bool) -> int | None:
        """The descriptor of a subfolder (`a/b`), opened without following links; None if it is
        absent (and not to be created) or is not a real folder of this user's."""
        found = self._folders.get(name)
        if found is not None:
            return found
        parent_name, _, base = name.rpartition("/")
        parent = self._folder(parent_name, create)
        if parent is None or not _FOLDER.fullmatch(base):
            return None
        try:
            try:
                descriptor = _open_folder(base, parent)
            except FileNotFoundError:
                if not create:
                    return None
                with contextlib.suppress(FileExistsError):  # (a concurrent worker made it)
                    os.mkdir(base, dir_fd=parent)
                descriptor = _open_folder(base, parent)
        except OSError:  # (a link, a file, a permission: not usable)
            return None
        if not _owned(os.fstat(descriptor)):
            os.close(descriptor)
            return None
        self._folders[name] = descriptor
        return descriptor

    def _mac(self, name: str, data: bytes) -> bytes:
        return keyed_digest(self._key, name.encode(), b"\0", data, size=_MAC_SIZE)

    def _read_plain(self, name: str) -> bytes | None:
        with contextlib.suppress(OSError):
            return _read_regular(name, self._descriptor)
        return None

    def _write_plain(self, name: str, data: bytes) -> None:
        _replace(name, self._descriptor, data)


def _open_folder(path: str, parent: int | None = None) -> int:
    return os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=parent)


def _read_regular(name: str, folder: int) -> bytes | None:
    """A regular file's bytes (None for anything else: a link, a FIFO, a folder, absent)."""
    try:
        return read_regular(name, dir_fd=folder, follow_symlinks=False)[1]
    except OSError:
        return None


def _replace(name: str, folder: int, data: bytes) -> None:
    """Write `name` in `folder` through a temporary file of our own, renamed over it (a link in
    its place is replaced, never followed)."""
    temporary = f"{name}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):  # (left by a dead run of the same pid)
        os.unlink(temporary, dir_fd=folder)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    descriptor = os.open(temporary, flags, 0o644, dir_fd=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        raise


def _own_entries(
    folder: int, stale_after: int = _STALE_TEMP_NS
) -> tuple[list[tuple[str, int]], list[str]]:
    """Our entries in a folder (regular files named as ours) with their mtimes, and our
    temporary files old enough to belong to a run that died."""
    import time

    stale_before = time.time_ns() - stale_after
    entries, stale = [], []
    for entry in os.scandir(folder):
        if not ENTRY.fullmatch(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        changed = entry.stat(follow_symlinks=False).st_mtime_ns
        if not entry.name.endswith(".tmp"):
            entries.append((entry.name, changed))
        elif changed < stale_before:
            stale.append(entry.name)
    return entries, stale


def open_folder(root: str, warn: Callable[[str], None]) -> Folder | None:
    """The project's cache folder, or None (with one warning when it is there but not to be
    trusted; silently when it cannot be made, as in a read-only checkout)."""
    try:
        return Folder.open(root, user_key())
    except Untrusted as why:
        warn(str(why))
    except OSError:
        pass
    return None
