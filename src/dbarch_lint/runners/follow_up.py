"""The migration a fix adds right after a file (a `VALIDATE CONSTRAINT` that must run in a
transaction of its own; under Prisma 7.3 and earlier, a CONCURRENTLY statement moved out of a
file Prisma sends as one query), named as the file's runner names migrations so that it runs
next.

`follow_up` answers with the new files (shown paths, beside the file) and their text, or None
where the runner's naming leaves no place right after (golang-migrate versions 5 and 6), or a new
file needs more than a file (Sqitch's plan), or the runner is not one whose naming is known.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta

from dbarch_lint.runners.naming import FLYWAY_VERSIONED, flyway_version

_GOLANG = re.compile(r"(\d+)_(.*)\.up\.sql")
_DBMATE = re.compile(r"(\d+)_(.*)\.sql")
_DIESEL_FOLDER = re.compile(r"(\d{14}|\d{4}-\d{2}-\d{2}-\d{6})_(.*)")
_DIESEL_DASHED = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(\d{6})")
_PRISMA_FOLDER = re.compile(r"(\d{14})_(.*)")
_PRISMA_TRIES = 60  # (seconds after the file's timestamp tried for a free place)

# The runners whose files a fix may add: their order is the files' names.
NAMED_RUNNERS = ("flyway", "golang-migrate", "dbmate", "diesel", "plain", "prisma")


def follow_up(
    runner: str,
    path: str,
    others: Collection[str],
    slug: str,
    sql: str,
    added: Collection[str] = (),
) -> dict[str, str] | None:
    """The files of a migration running `sql` right after `path` (shown paths), named with
    `slug` (lower snake_case); `others`: the shown paths of the history, which it must not take
    and must sort before; `added`: those among them that fixes of this run add right after
    the file (Prisma: a new one goes after them, keeping the moved statements' order)."""
    folder, _, name = path.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    taken = set(others)
    if runner == "flyway":
        files = _flyway(prefix, name, others, slug, sql)
    elif runner == "golang-migrate":
        files = _golang(prefix, name, others, slug, sql)
    elif runner == "dbmate":
        files = _dbmate(prefix, name, others, slug, sql)
    elif runner == "diesel":
        files = _diesel(folder, name, others, slug, sql)
    elif runner == "prisma":
        files = _prisma(folder, name, others, slug, sql, added)
    elif runner == "plain":
        stem = name.removesuffix(".sql")
        files = {f"{prefix}{stem}_{slug}.sql": sql} if name.endswith(".sql") else None
    else:
        return None
    if files is None or any(new in taken for new in files):
        return None
    return files


def _flyway(
    prefix: str, name: str, others: Collection[str], slug: str, sql: str
) -> dict[str, str] | None:
    """`V<version>.1__<slug>.sql`: between this version and the next one, if that is free."""
    match = FLYWAY_VERSIONED.fullmatch(name)
    if match is None:
        return None
    version = flyway_version(match[1])
    new = (*version, 1) if len(version) > 0 else (1,)
    for other in others:
        found = FLYWAY_VERSIONED.fullmatch(other.rsplit("/", 1)[-1])
        if found is not None and version < flyway_version(found[1]) <= new:
            return None
    written = ".".join(str(part) for part in new)
    return {f"{prefix}V{written}__{slug}.sql": sql}


def _golang(
    prefix: str, name: str, others: Collection[str], slug: str, sql: str
) -> dict[str, str] | None:
    """`<version + 1>_<slug>.up.sql`, with the same width, if that version is free."""
    match = _GOLANG.fullmatch(name)
    if match is None:
        return None
    version = int(match[1]) + 1
    if any(_version(_GOLANG, o) == version for o in others) or any(
        (m := re.match(r"(\d+)_", o.rsplit("/", 1)[-1])) and int(m[1]) == version for o in others
    ):
        return None
    written = str(version).zfill(len(match[1]))
    return {
        f"{prefix}{written}_{slug}.up.sql": sql,
        f"{prefix}{written}_{slug}.down.sql": "-- Nothing to undo: validating changes no schema.\n",
    }


def _dbmate(
    prefix: str, name: str, others: Collection[str], slug: str, sql: str
) -> dict[str, str] | None:
    """`<version + 1>_<slug>.sql` with its up and down sections, if that version is free."""
    match = _DBMATE.fullmatch(name)
    if match is None:
        return None
    version = int(match[1]) + 1
    if any(_version(_DBMATE, o) == version for o in others):
        return None
    written = str(version).zfill(len(match[1]))
    return {f"{prefix}{written}_{slug}.sql": f"-- migrate:up\n{sql}\n-- migrate:down\n"}


def _diesel(
    folder: str, name: str, others: Collection[str], slug: str, sql: str
) -> dict[str, str] | None:
    """`<version + 1 second>_<slug>/up.sql` and `down.sql` beside the file's folder."""
    parent, _, directory = folder.rpartition("/")
    match = _DIESEL_FOLDER.fullmatch(directory)
    if name != "up.sql" or match is None:
        return None
    version = match[1]
    dashed = _DIESEL_DASHED.fullmatch(version)
    digits = "".join(dashed.groups()) if dashed else version
    following = str(int(digits) + 1).zfill(14)
    if following[-2:] == "60" or following[-4:-2] == "60":
        return None  # (a second past the minute: no plain +1; leave it to the author)
    if dashed:
        following = f"{following[:4]}-{following[4:6]}-{following[6:8]}-{following[8:]}"
    for other in others:
        other_folder = other.rpartition("/")[0].rsplit("/", 1)[-1]
        found = _DIESEL_FOLDER.fullmatch(other_folder)
        if found is not None and found[1].replace("-", "") == following.replace("-", ""):
            return None
    new = f"{parent}/" if parent else ""
    new += f"{following}_{slug}"
    return {
        f"{new}/up.sql": sql,
        f"{new}/down.sql": "-- Nothing to undo: validating changes no schema.\n",
    }


def _version(pattern: re.Pattern[str], path: str) -> int | None:
    match = pattern.fullmatch(path.rsplit("/", 1)[-1])
    return int(match[1]) if match is not None else None


def _prisma(
    folder: str, name: str, others: Collection[str], slug: str, sql: str, added: Collection[str]
) -> dict[str, str] | None:
    """`<timestamp>_<slug>/migration.sql` beside the file's folder: the first timestamp a
    second or more after the file's (as `prisma migrate dev` writes them, `YYYYMMDDHHMMSS`)
    whose folder sorts before every later migration's (Prisma applies folders in name order)."""
    parent, _, directory = folder.rpartition("/")
    match = _PRISMA_FOLDER.fullmatch(directory)
    if name != "migration.sql" or match is None:
        return None
    try:
        stamp = datetime.strptime(match[1], "%Y%m%d%H%M%S")
    except ValueError:
        return None

    def folders(paths: Collection[str]) -> set[str]:
        return {
            p.rpartition("/")[0].rpartition("/")[2]
            for p in paths
            if p.endswith("/migration.sql") and p.rpartition("/")[0].rpartition("/")[0] == parent
        }

    moved = {f for f in folders(added) if f > directory}
    later = sorted(f for f in folders(others) - moved if f > directory)
    after = max(moved, default=directory)  # (the statements moved before this one run first)
    prefix = f"{parent}/" if parent else ""
    for step in range(1, _PRISMA_TRIES + 1):
        new = f"{(stamp + timedelta(seconds=step)).strftime('%Y%m%d%H%M%S')}_{slug}"
        if later and new >= later[0]:
            return None  # (no place between the file and the next migration)
        if new[:14] > after[:14]:  # (a timestamp of its own, after those moved before it)
            return {f"{prefix}{new}/migration.sql": sql}
    return None
