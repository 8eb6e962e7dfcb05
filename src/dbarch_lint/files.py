"""What identifies a file on disk and its content: a stat that tells it unchanged, and a hash.

Stdlib only: the cache and discovery both use it.
"""

from __future__ import annotations

import os

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
