"""The built-in runners, registered as a plugin (`plugins.BUILTIN_PLUGINS`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from dbarch_lint.plugins.markers import hookimpl
from dbarch_lint.runners import (
    NONE,
    RUNNERS,
    FileRun,
    diesel,
    flyway,
    prisma,
    sequelize,
    sqitch,
)

if TYPE_CHECKING:
    from dbarch_lint.inputs.discovery import Input

from dbarch_lint.runners.naming import order_plain

# (dbmate's and golang-migrate's modules are imported where a file may be theirs: a history of
# another runner's names never asks them)


@hookimpl(trylast=True)
def dbarch_lint_order_migrations(paths: Sequence[str], runner: str, cwd: str) -> list[str] | None:
    """The apply order of the built-in runners (files a runner would not run come last, in
    natural order)."""
    if runner == "flyway":
        return flyway.order(paths)
    if runner == "golang-migrate":
        from dbarch_lint.runners import golang_migrate

        return golang_migrate.order(paths)
    if runner == "dbmate":
        from dbarch_lint.runners import dbmate

        return dbmate.order(paths)
    if runner == "diesel":
        return diesel.order(paths)
    if runner == "sqitch":
        return sqitch.order(paths, cwd)
    if runner == "sequelize":
        return sequelize.order(paths)
    if runner == "prisma":
        return prisma.order(paths)
    if runner in RUNNERS:  # plain, alembic, django (and auto, which the caller resolves first)
        return order_plain(paths)
    return None


@hookimpl(trylast=True)
def dbarch_lint_migration_transactions(
    inputs: Sequence[Input], runner: str, options: Mapping[str, Mapping[str, Any]], cwd: str
) -> list[FileRun] | None:
    """How the built-in runners run each file; `auto` detects each file's runner from its
    layout (its name, a `sqitch.plan` above it, dbmate's `-- migrate:up` marker, Prisma's
    `migration_lock.toml` beside the migration folders)."""
    if runner not in RUNNERS:
        return None
    plans = sqitch.Plans(cwd)
    locks = prisma.Locks(cwd, options.get("prisma", {}).get("version"))
    folders: dict[str, FileRun] = {}  # Diesel: a migration folder's up.sql and down.sql
    named: dict[str, str | None] = {}  # a file name -> the runner its name alone says
    auto = runner == "auto"
    separator = None if os.altsep else os.sep  # (grouping by folder: the cheap way, if it is)
    runs = []
    for item in inputs:
        name = item.path.rpartition("/")[2]
        where = item.fs_path or os.path.join(cwd, item.path)
        lock = locks.lock(where) if name == prisma.NAME else None
        if not auto:
            chosen = runner
        elif lock is not None:
            chosen = "prisma"
        else:  # (`detect`, each name's part once: a Diesel history has two names)
            by_name = named.get(name, "")  # ("": not asked yet)
            if by_name == "":
                by_name = named[name] = _by_name(name)
            chosen = by_name or _by_place_or_text(item, name, plans)
        if chosen == "diesel":
            # (grouping only: `diesel.run` finds the folder itself)
            folder = where.rpartition(separator)[0] if separator else os.path.dirname(where)
            known = folders.get(folder)
            found = known if known is not None else folders.setdefault(folder, diesel.run(where))
        elif chosen == "prisma":
            found = prisma.run(lock, locks.candidate(where))
        else:
            found = _run(chosen, item, where, options.get(chosen, {}), plans)
            if chosen == "plain" and auto and (plan := plans.candidates(item.path)):
                # (a sqitch.plan added there later would make it a sqitch script)
                found = msgspec.structs.replace(found, consulted=plan)
            elif chosen == "plain" and prisma.matches(name):
                # (a migration_lock.toml added there later would make it a Prisma migration)
                found = msgspec.structs.replace(found, consulted=(locks.candidate(where),))
        runs.append(found)
    return runs


def needs_text(path: str, runner: str) -> bool:
    """Whether the built-in runners read a file's text to say how it runs (`runner` as
    configured): dbmate's, and with `auto` a file whose name only dbmate's marker can place."""
    if runner == "dbmate":
        return True
    if runner != "auto":
        return False
    name = path.rsplit("/", 1)[-1]
    if sequelize.is_script(name) or diesel.matches(name):
        return False
    from dbarch_lint.runners import dbmate, golang_migrate

    return not golang_migrate.matches(name) and not flyway.matches(name) and dbmate.named(name)


def detect(item: Input, name: str, plans: sqitch.Plans) -> str:
    """The runner a file's layout suggests (`plain` when none does). Cheap: names first; a
    `sqitch.plan` is looked for only above a `deploy/`, `revert/` or `verify/` folder."""
    return _by_name(name) or _by_place_or_text(item, name, plans)


def _by_name(name: str) -> str | None:
    """The runner a file's name alone says (None: its place or its text may)."""
    if sequelize.is_script(name):
        return "sequelize"
    if diesel.matches(name):
        return "diesel"
    from dbarch_lint.runners import golang_migrate

    if golang_migrate.matches(name):
        return "golang-migrate"
    if flyway.matches(name):
        return "flyway"
    return None


def _by_place_or_text(item: Input, name: str, plans: sqitch.Plans) -> str:
    """The runner a `sqitch.plan` above a file, or dbmate's marker in it, says (`plain`)."""
    if plans.locate(item.path) is not None:
        return "sqitch"
    from dbarch_lint.runners import dbmate

    if dbmate.matches(name, item.text):
        return "dbmate"
    return "plain"


def _run(
    runner: str, item: Input, where: str, options: Mapping[str, Any], plans: sqitch.Plans
) -> FileRun:
    if runner == "flyway":
        return flyway.run(where, options)
    if runner == "golang-migrate":
        from dbarch_lint.runners import golang_migrate

        return golang_migrate.run(options)
    if runner == "dbmate":
        from dbarch_lint.runners import dbmate

        return dbmate.run(item.text)
    if runner == "sqitch":
        consulted = plans.candidates(item.path)
        return FileRun("sqitch", NONE, consulted=consulted, problem=plans.problem(item.path))
    if runner == "sequelize":
        return FileRun("sequelize", NONE, why="Sequelize: no transaction unless it opens one")
    return FileRun(runner, NONE)
