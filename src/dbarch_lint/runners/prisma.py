"""Prisma Migrate: `migrations/<timestamp>_<name>/migration.sql` beside a `migration_lock.toml`
whose `provider` names the database (and so the dialect), applied in folder-name order.

How a file is sent depends on the database and on the Prisma version:

- PostgreSQL, Prisma 7.3 and earlier: the whole file as one simple-protocol query, which
  PostgreSQL runs as one implicit transaction when it holds several statements (prisma/prisma
  #22922: a failing file leaves nothing behind, `CREATE INDEX CONCURRENTLY` fails with 25001
  unless it is the file's only statement). `BATCH`.
- PostgreSQL, Prisma 7.4 and later: each statement alone (prisma-engines #5767); when its
  splitter cannot split a file it sends the whole file, as before. The linter assumes Prisma
  splits what the linter splits. `NONE`.
- MySQL (and the others): DDL commits itself; no transaction. `NONE`.

The version comes from `prisma-version` in the config, else the nearest lockfile
(package-lock.json, pnpm-lock.yaml, yarn.lock) at or above the folder holding
`migration_lock.toml`, up to the repository's root, else the nearest package.json (the `prisma`
dependency's lower bound); none found: the newest behaviour, and `-v` says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from dbarch_lint.caching.files import read_regular
from dbarch_lint.model.regex import lazy
from dbarch_lint.runners import BATCH, NONE, FileRun
from dbarch_lint.runners.naming import order_by

NAME = "migration.sql"
LOCK = "migration_lock.toml"
LOCKFILES = ("package-lock.json", "pnpm-lock.yaml", "yarn.lock", "package.json")
# The first version that sends each statement alone (prisma-engines #5767).
SPLITS = (7, 4)
# migration_lock.toml's `provider` -> the dialect the linter parses it as (None: no parser of
# ours; the configured dialect stays).
PROVIDERS = {"postgresql": "postgres", "postgres": "postgres", "cockroachdb": "postgres"}
PROVIDERS |= {"mysql": "mysql"}

_PROVIDER = lazy(r'(?m)^\s*provider\s*=\s*"([^"]*)"')
_VERSION = lazy(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")
_PNPM = lazy(r"""(?m)^\s*['"]?/?prisma@(\d+\.\d+\.\d+)""")
_YARN = lazy(r"""(?m)^"?prisma@[^\n]*:\n\s+version:?\s+"?(\d+\.\d+\.\d+)""")


def matches(path: str) -> bool:
    """Whether a path's name is Prisma's (the lock file decides, `Locks.lock`)."""
    return path.rsplit("/", 1)[-1] == NAME


def order(paths: Sequence[str]) -> list[str]:
    """By migration folder name (Prisma lists the migrations folder and sorts it); then the
    rest."""
    return order_by(paths, _key)


def _key(path: str) -> tuple[str] | None:
    folder, _, name = path.rpartition("/")
    return (folder.rsplit("/", 1)[-1],) if name == NAME else None


def parse_version(text: str) -> tuple[int, int, int] | None:
    """The first version in `text` (`^6.19.0` -> (6, 19, 0), `7.3` -> (7, 3, 0))."""
    found = _VERSION.search(text)
    if found is None:
        return None
    return int(found[1]), int(found[2] or 0), int(found[3] or 0)


def shown(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


class Found:
    """A Prisma migrations folder: its provider, the Prisma version and where it came from."""

    def __init__(
        self,
        lock: str,
        provider: str | None,
        version: tuple[int, int, int] | None,
        source: str,
        consulted: tuple[str, ...],
        problem: str | None = None,
    ) -> None:
        self.lock, self.provider, self.version = lock, provider, version
        self.source, self.consulted, self.problem = source, consulted, problem

    @property
    def dialect(self) -> str | None:
        return PROVIDERS.get(self.provider or "")

    def run(self) -> FileRun:
        """How this Prisma version sends a file to this database."""
        where = f"Prisma {shown(self.version)}, {self.source}" if self.version else self.source
        provider = f"provider {self.provider}" if self.provider else "no provider"
        if self.dialect != "postgres":
            return self._run(NONE, f"{provider}; {where}")
        if self.version is not None and self.version[:2] < SPLITS:
            return self._run(BATCH, f"{provider}; {where}: the whole file as one query")
        return self._run(NONE, f"{provider}; {where}: each statement alone")

    def _run(self, mode: str, why: str) -> FileRun:
        return FileRun(
            "prisma",
            mode,
            why=why,
            consulted=self.consulted,
            problem=self.problem,
            dialect=self.dialect,
        )


class Locks:
    """The `migration_lock.toml` governing each migrations folder and what it says, read once."""

    def __init__(self, cwd: str, version: str | None = None) -> None:
        self.cwd = cwd
        self.configured = version
        self._found: dict[str, Found | None] = {}

    def candidate(self, where: str) -> str:
        """The lock file that would govern a `migration.sql` at `where` (a file system path)."""
        folder = os.path.dirname(os.path.dirname(os.path.abspath(os.path.join(self.cwd, where))))
        return os.path.join(folder, LOCK)

    def lock(self, where: str) -> Found | None:
        """For a `migration.sql` at `where`: its migrations folder's lock file and what it
        says, if the grandparent folder holds one."""
        folder = os.path.dirname(self.candidate(where))
        if folder not in self._found:
            self._found[folder] = self._read(folder)
        return self._found[folder]

    def _read(self, folder: str) -> Found | None:
        lock = os.path.join(folder, LOCK)
        try:
            text = read_regular(lock)[1].decode("utf-8", errors="replace")
        except FileNotFoundError:
            return None
        except OSError as error:  # (there, but a FIFO, a device, a folder, not readable)
            problem = (
                f"The migrations folder's {LOCK} cannot be used ({error.strerror or error}): "
                "the database its provider names is unknown, so the configured dialect is used"
            )
            return Found(lock, None, None, f"{LOCK} not read", (lock,), problem)
        found = _PROVIDER.search(text)
        provider = found[1].lower() if found else None
        if self.configured is not None:
            version = parse_version(self.configured)
            return Found(lock, provider, version, "prisma-version in the config", (lock,))
        version, source, consulted = _version_near(folder)
        return Found(lock, provider, version, source, (lock, *consulted))


def _version_near(folder: str) -> tuple[tuple[int, int, int] | None, str, tuple[str, ...]]:
    """The Prisma version installed, as the nearest lockfile at or above `folder` says (a
    monorepo keeps one at its root); else the lower bound of the nearest package.json's range."""
    consulted: list[str] = []
    declared: tuple[tuple[int, int, int], str] | None = None
    directory = folder
    while True:
        for name in LOCKFILES:
            path = os.path.join(directory, name)
            if name == "package.json" and declared is not None:
                continue
            consulted.append(path)
            try:
                text = read_regular(path)[1].decode("utf-8", errors="replace")
            except OSError:
                continue
            version = _from_file(name, text)
            if version is not None and name == "package.json":
                declared = version, os.path.relpath(path, folder)
            elif version is not None:
                return version, f"from {os.path.relpath(path, folder)}", tuple(consulted)
        parent = os.path.dirname(directory)
        if parent == directory or os.path.exists(os.path.join(directory, ".git")):
            break
        directory = parent
    if declared is not None:
        return declared[0], f"from {declared[1]}", tuple(consulted)
    return None, _NONE_FOUND, tuple(consulted)


_NONE_FOUND = (
    "no Prisma version found (no lockfile or package.json names prisma): assumed the newest, "
    "set prisma-version to say"
)


def _from_file(name: str, text: str) -> tuple[int, int, int] | None:
    if name == "pnpm-lock.yaml":
        found = _PNPM.search(text)
        return parse_version(found[1]) if found else None
    if name == "yarn.lock":
        found = _YARN.search(text)
        return parse_version(found[1]) if found else None
    import json  # (start-up time: only a Prisma history with a lock file needs it)

    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if name == "package-lock.json":
        entry = _get(data, "packages", "node_modules/prisma") or _get(
            data, "dependencies", "prisma"
        )
        version = entry.get("version") if isinstance(entry, dict) else None
        return parse_version(version) if isinstance(version, str) else None
    for group in ("devDependencies", "dependencies"):
        wanted = _get(data, group, "prisma")
        if isinstance(wanted, str):  # a range: its lower bound
            return parse_version(wanted)
    return None


def _get(data: Mapping[str, Any], *keys: str) -> Any:
    found: Any = data
    for key in keys:
        if not isinstance(found, dict):
            return None
        found = found.get(key)
    return found


def run(found: Found | None, candidate: str) -> FileRun:
    """How Prisma runs a `migration.sql` (no lock file at `candidate`: as the newest Prisma
    does, the dialect as configured)."""
    if found is None:
        return FileRun("prisma", NONE, why=f"no {LOCK}", consulted=(candidate,))
    return found.run()
