"""What identifies a file on disk and its content (a stat that tells it unchanged, and a hash),
and replacing a file only while it is still the one read.

Stdlib only: the cache, discovery and `--fix` use it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from stat import S_IMODE

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


def file_digest(path: str) -> str | None:
    """The `digest` of a file's content (None: it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return digest(handle.read())
    except OSError:
        return None


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
    # (a unique new file, 0600, beside the target: `os.replace` cannot cross file systems)
    descriptor, temporary = tempfile.mkstemp(
        prefix=".dbarch-lint-", suffix=".tmp", dir=os.path.dirname(target)
    )
    try:
        with open(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            _copy_permissions(os.stat(target), descriptor)
            os.fsync(descriptor)
        if not _unchanged(target, read_stat, read_digest):
            raise FileChangedError(path)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _copy_permissions(original: os.stat_result, descriptor: int) -> None:
    # The owner first: changing it can clear the set-user-ID bit the mode then sets.
    with contextlib.suppress(PermissionError):  # (only root may give a file away)
        os.fchown(descriptor, original.st_uid, original.st_gid)
    os.fchmod(descriptor, S_IMODE(original.st_mode))


def _unchanged(path: str, read_stat: Stat | None, read_digest: str) -> bool:
    # (a file saved again with the same content, by an editor or `touch`, changes only its stat)
    return file_stat(os.stat(path)) == read_stat or file_digest(path) == read_digest
