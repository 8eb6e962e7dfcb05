"""The report cache's key of a run: a hash of everything its report depends on."""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Sequence

import msgspec

from dbarch_lint.caching.files import digest, file_digest, file_stat
from dbarch_lint.caching.store import Cache, FileIndex, environment_fingerprint
from dbarch_lint.inputs import discovery
from dbarch_lint.orchestration.run import MARKER, Run, dataclass_dict

_ENCODER = msgspec.msgpack.Encoder()


def report_key(run: Run, cache: Cache, presentation: Sequence[object]) -> str:
    """The cache key of a run's report: a hash of everything the report depends on (every file
    by path, role and content; the configuration; the code; the installed packages)."""
    settings = {k: v for k, v in dataclass_dict(run.config).items() if k not in ("jobs", "cache")}
    index = cache.get_file_index()
    known = index.files
    paths = sorted(run.paths)
    fs_paths = [run.paths[path] for path in paths]
    contents: list[str] = []
    # (one pass, without a call per file: a history has thousands)
    stats = run.lstats([fs_path for fs_path in fs_paths if fs_path != discovery.STDIN])
    taken = iter(stats)
    for path, fs_path in zip(paths, fs_paths, strict=True):
        content = None
        if fs_path != discovery.STDIN:
            found = next(taken)
            if found is not None and not stat.S_ISLNK(found.st_mode):
                entry = known.get(found.st_ino)  # (`FileIndex.entry`, without its tuple)
                if (
                    entry is not None
                    and entry[2] == found.st_mtime_ns
                    and entry[1] == found.st_size
                    and entry[3] == found.st_ctime_ns
                    and entry[0] == found.st_dev
                ):
                    content = entry[4]
            else:
                content = _linked_content(fs_path, index)
        if content is None:  # (new, or touched: read it)
            item = run.file(path)
            content = item.digest + (f" {item.problem.message}" if item.problem else "")
        contents.append(content)
    # Every file by path, where it is read, its content and its roles; the inferred histories,
    # which replay each on its own. (Encoded whole: no object, and no repr, per file.)
    added = None if run.added is None else sorted(run.added)  # (DBA605 compares them)
    replays = sorted((sorted(r.paths), sorted(r.reported)) for r in run.replays or ())
    roles = (sorted(run.history), sorted(run.targets), added)
    files = _ENCODER.encode((paths, fs_paths, contents, roles, replays))
    parts = [
        "report 2",
        cache.code,
        environment_fingerprint(run.config.plugins if run.autoload_plugins else ["-"]),
        repr(sorted(settings.items())),
        run.cwd,
        repr(list(presentation)),
        repr(run.errors),
        # (the summary counts the files left out: down migrations, files that are not SQL)
        repr((run.down_left_out, run.not_sql)),
        # (a baseline hides findings: its content is an input; "-" if absent, a usage error)
        file_digest(run.config.baseline) or "-" if run.config.baseline else "",
        # (the schema snapshot is replayed first: its content is an input too)
        _snapshot_digest(run),
    ]
    return digest("\n".join(parts).encode("utf-8") + b"\0" + files)


def _snapshot_digest(run: Run) -> str:
    snapshot = run.config.schema_snapshot
    if snapshot is None:
        return ""
    return file_digest(os.path.join(run.cwd, snapshot)) or "-"


def _linked_content(fs_path: str, index: FileIndex) -> str | None:
    """The hash the index knows of the file a link (or a path with no file) leads to."""
    try:
        found = os.stat(fs_path)  # (where the link leads)
    except OSError:
        return None
    return index.known(file_stat(found))


def remember_files(run: Run, cache: Cache) -> None:
    """Record the hashes of the files this run read (and of those it knew unchanged by their
    stat, so they stay known), for `report_key` and `Run.known` in later runs; with UTF-8
    text, whether each holds dbmate's marker."""
    index = cache.get_file_index()
    utf8 = codecs.lookup(run.config.encoding).name == "utf-8"
    read: dict[int, tuple[int, int, int, int, str]] = {}
    markers: dict[int, bool] = {}
    unread = []  # (as the index has them: they came from it, by the same stat)
    for item in run._read.values():
        if item.unread:
            unread.append(item.stat)
            continue
        if item.stat is None or item.text is None:
            continue
        device, key, size, mtime, ctime = item.stat
        read[key] = (device, size, mtime, ctime, item.digest)
        if utf8:
            markers[key] = MARKER in item.text
    if read or unread:
        cache.put_file_index(index, read, markers, unread)
