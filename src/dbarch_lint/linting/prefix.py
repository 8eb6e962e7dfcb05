"""The schema replayed up to a history's first target, kept in the cache (a prefix snapshot).

An editor or a pre-commit hook lints one file at the end of a long history: every earlier file
is only replayed, and replaying it (decoding its cached parse, applying its events) costs more
than the rest of the run. So the schema just before the first target is stored, pickled, under
a hash of everything that built it: every earlier file (path, content, role, how its runner runs
it, its dialect), the settings and the run's salt (the tool's code, the installed packages, the
configuration: `run.py`). A run whose earlier files are all unchanged loads it instead. Any
change to one of them is another key, so a stale snapshot is never read.

Pickle runs code while it loads, so only bytes the cache folder has verified are unpickled:
every entry carries a MAC under this user's key (`caching/folder.py`), and an entry planted,
copied from elsewhere or damaged is a miss. Only the built-in parsers' histories are stored: the
salt does not cover a third-party parser's code (as for cached parses, `parsing/stage.py`).
"""

from __future__ import annotations

# (The C module: `pickle` compiles regular expressions when imported, on every start.)
import _pickle as pickle
import operator
from collections.abc import Mapping, Sequence

import msgspec

from dbarch_lint.caching.files import digest
from dbarch_lint.caching.store import Cache
from dbarch_lint.catalog import Schema
from dbarch_lint.inputs.discovery import Input
from dbarch_lint.linting.context import Settings
from dbarch_lint.model.ir import ParsedFile, Span, Statement
from dbarch_lint.parsing.stage import Parser, is_ours

# What the rest of a run needs of a file before the first target, besides the schema: where
# its first statement is (the schema rules' `migrations` point there), none for an empty file.
Head = tuple[int, Span] | None
_ENCODER = msgspec.msgpack.Encoder()


class Snapshot(msgspec.Struct):
    """The schema replayed up to the first target, and each earlier file's `Head`."""

    schema: Schema
    heads: list[Head]


def first_target(inputs: Sequence[Input], targets: set[str]) -> int:
    """The index of the first input linted (len(inputs): none)."""
    return next((i for i, item in enumerate(inputs) if item.path in targets), len(inputs))


def key(
    salt: str, settings: Settings, prefix: Sequence[Input], parsers: Mapping[str, Parser]
) -> str | None:
    """The cache key of the schema replayed from `prefix`; None when it must not be cached (a
    third-party parser reads one of its files)."""
    if not salt or any(not is_ours(parsers[d]) for d in {item.dialect for item in prefix}):
        return None
    # Everything of an input the replay and the rules may read, but its text (its digest) and
    # its stat (a touched file is the same file); and whether it has no text. A file known by
    # its stat and not read (`unread`) was read and decoded when its hash was recorded: keyed
    # as read. (Encoded at once, without an object per file: a history has thousands.)
    textless = [item.text is None and not item.unread for item in prefix]
    identities = (b"prefix 2", salt, settings, textless, list(map(_identity, prefix)))
    return digest(_ENCODER.encode(identities))


_NOT_KEYED = ("text", "position_text", "stat", "unread")
_identity = operator.attrgetter(*(f for f in Input.__struct_fields__ if f not in _NOT_KEYED))


def load(cache: Cache, name: str, count: int) -> Snapshot | None:
    """The snapshot stored under `name`, if this user's key wrote it and it covers `count`
    files. Its schema is the run's to replay into: when the cache keeps the loaded snapshot for
    later runs (the language server), a fork of it (the kept one never changes)."""
    found = cache.loaded_prefix(name)
    if not isinstance(found, Snapshot) or len(found.heads) != count:
        found = _unpickled(cache, name, count)
        if found is None:
            return None
        if not cache.keep_loaded_prefix(name, found):
            return found
    return Snapshot(found.schema.fork(), found.heads)


def _unpickled(cache: Cache, name: str, count: int) -> Snapshot | None:
    data = cache.get_prefix(name)
    if data is None:
        return None
    try:
        found = pickle.loads(data)  # (the cache verified its MAC: this user wrote it)
    except Exception:  # (another Python's pickle, a class that changed: a miss)
        return None
    if not isinstance(found, Snapshot) or len(found.heads) != count:
        return None
    return found


def save(cache: Cache, name: str, schema: Schema, parsed: Sequence[ParsedFile]) -> None:
    """Store the schema replayed from the files parsed as `parsed` (before it changes)."""
    heads: list[Head] = [
        (p.statements[0].index, p.statements[0].span) if p.statements else None for p in parsed
    ]
    try:
        data = pickle.dumps(Snapshot(schema, heads), protocol=-1)  # (the highest)
    except Exception:  # (a plugin's object in the schema that cannot be pickled: not stored)
        return
    cache.put_prefix(name, data)


def light(heads: Sequence[Head]) -> list[ParsedFile]:
    """Stand-ins for the parses of the files before the first target: only their first
    statement, as the schema rules' `migrations` see it (nothing else reads them)."""
    return [
        ParsedFile((Statement(head[0], head[1], "", ()),) if head else (), (), ()) for head in heads
    ]
