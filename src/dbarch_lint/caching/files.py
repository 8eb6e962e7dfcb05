"""What identifies a file on disk and its content (a stat that tells it unchanged, and a hash);
reading a file only when it is a regular one; replacing a file only while it is still the one read.

Stdlib only: the cache, discovery and `--fix` use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat as kinds
from collections.abc import Callable

try:  # CPython's BLAKE2 on its own: `hashlib` would first load OpenSSL (milliseconds of start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover (other Pythons)
    from hashlib import blake2b

Stat = tuple[int, int, int, int, int]  # device, inode, size, mtime, ctime (`file_stat`)


def file_stat(stat: os.stat_result) -> Stat:
    """Which file this is (device, inode) and what says it is unchanged: its size, mtime and
    ctime (which nobody can set: a copy that keeps size and mtime still changes it)."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def digest(data: bytes) -> str:
    """The content hash of a file (what the cache keys a parse on)."""
    return blake2b(data, digest_size=16).hexdigest()


def keyed_digest(key: bytes, *parts: bytes, size: int = 32) -> bytes:
    """A MAC of `parts` under `key` (keyed BLAKE2b: what the cache signs its entries with)."""
    mac = blake2b(key=key, digest_size=size)
    for part in parts:
        mac.update(part)
    return mac.digest()


def file_digest(path: str) -> str | None:
    """The `digest` of a file's content (None: it cannot be read, or is not a regular file)."""
    try:
        return digest(read_regular(path)[1])
    except OSError:
        return None


_KINDS = (
    (kinds.S_ISDIR, "a folder"),
    (kinds.S_ISFIFO, "a FIFO (named pipe)"),
    (kinds.S_ISSOCK, "a socket"),
    (kinds.S_ISCHR, "a character device"),
    (kinds.S_ISBLK, "a block device"),
)
# Opening a FIFO without O_NONBLOCK waits for a writer, and a terminal could become the
# controlling one: the flags make the open itself harmless for anything swapped in after the
# first stat.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_FLAGS |= getattr(os, "O_BINARY", 0)  # (Windows: no newline translation)


def read_regular(
    path: str, *, dir_fd: int | None = None, follow_symlinks: bool = True
) -> tuple[os.stat_result, bytes]:
    """A regular file's stat (taken before reading: a later change then shows as a different
    stat) and its bytes. Anything else is never opened for reading (a FIFO or a device can block
    a run forever, or change when read): an `OSError` whose `strerror` says what it is. With
    `follow_symlinks=False` a symbolic link is not a regular file either (the cache's rule);
    `dir_fd`: `path` is relative to that folder.

    Speed: system calls on a file descriptor, without the file objects of `open` (they cost
    more than the reading itself for thousands of small files)."""
    require_regular(os.stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks))
    flags = _FLAGS if follow_symlinks else _FLAGS | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, dir_fd=dir_fd)
    try:
        found = os.fstat(descriptor)
        require_regular(found)  # (it may have been replaced since the first look)
        data = os.read(descriptor, found.st_size + 1)  # all of it, in one call
        if len(data) > found.st_size:  # it grew
            chunks = [data]
            while chunks[-1]:
                chunks.append(os.read(descriptor, 1 << 16))
            data = b"".join(chunks)
    finally:
        os.close(descriptor)
    return found, data


def require_regular(found: os.stat_result) -> None:
    """Raise the `OSError` `read_regular` does (saying what it is) for a stat that is not a
    regular file's."""
    if not kinds.S_ISREG(found.st_mode):
        kind = next((name for test, name in _KINDS if test(found.st_mode)), "of an unknown kind")
        raise OSError(errno.EINVAL, f"it is {kind}, not a regular file, so it is not read")


class FileChangedError(Exception):
    """The file on disk is no longer the one that was read."""


def replace_unchanged(path: str, data: bytes, read_stat: Stat | None, read_digest: str) -> None:
    """Write `data` over the file at `path` if it is still the one read (the same `file_stat`,
    or else content of the same `digest`), atomically: a reader, or a crash, sees the whole old
    file or the whole new one. Through a symlink the file it points to is replaced (the link
    stays). The new file keeps the old one's mode, and its owner and group where allowed.

    Raises `FileChangedError`, or `OSError`; either way the file is left as it was and no
    temporary file is left behind (unless the process is killed before it can remove it).
    """
    target = os.path.realpath(path)

    def still_the_one_read() -> None:
        if not _unchanged(target, read_stat, read_digest):
            raise FileChangedError(path)

    _replace(target, data, os.stat(target), still_the_one_read)


def write_whole(path: str, data: bytes) -> None:
    """Write a file this tool makes (a baseline) so that a crash leaves the old one or the new
    one, never part of one; a new file gets mode 0644. A path that is not a regular file (a
    FIFO, `/dev/stdout`) is written to as it is."""
    target = os.path.realpath(path)
    try:
        original: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        original = None
    if original is not None and not kinds.S_ISREG(original.st_mode):
        with open(target, "wb") as handle:
            handle.write(data)
        return
    _replace(target, data, original, lambda: None)


def create_new(path: str, data: bytes, like: str) -> None:
    """Create the file at `path` (a migration a fix adds), never over an existing one: written
    whole to a synced temporary file beside it with the mode (and owner and group, where
    allowed) of the file `like`, then linked to its name, which fails if the name is taken.
    Raises `FileExistsError` or another `OSError`; either way nothing is left at `path`."""
    import tempfile  # (start-up time: shutil, random and compressors; only `--fix` writes)

    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=".dbarch-lint-", suffix=".tmp", dir=folder)
    try:
        with open(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            _copy_permissions(os.stat(like), descriptor)
            os.fsync(descriptor)
        os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _replace(
    target: str, data: bytes, original: os.stat_result | None, check: Callable[[], None]
) -> None:
    """Put `data` at `target` through a synced temporary file beside it, renamed over it once
    `check` passes (it raises if not); on any error the target is as it was."""
    import tempfile  # (start-up time, as above)

    # (a unique new file, 0600, beside the target: `os.replace` cannot cross file systems)
    descriptor, temporary = tempfile.mkstemp(
        prefix=".dbarch-lint-", suffix=".tmp", dir=os.path.dirname(target)
    )
    try:
        with open(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            if original is None:
                os.fchmod(descriptor, 0o644)
            else:
                _copy_permissions(original, descriptor)
            os.fsync(descriptor)
        check()
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _copy_permissions(original: os.stat_result, descriptor: int) -> None:
    # The owner first: changing it can clear the set-user-ID bit the mode then sets.
    with contextlib.suppress(PermissionError):  # (only root may give a file away)
        os.fchown(descriptor, original.st_uid, original.st_gid)
    os.fchmod(descriptor, kinds.S_IMODE(original.st_mode))


def _unchanged(path: str, read_stat: Stat | None, read_digest: str) -> bool:
    # (a file saved again with the same content, by an editor or `touch`, changes only its stat)
    return file_stat(os.stat(path)) == read_stat or file_digest(path) == read_digest
