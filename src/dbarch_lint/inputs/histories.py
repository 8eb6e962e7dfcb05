"""The migration history a file named on its own belongs to (pre-commit and editors name files
one by one): the folder a runner's layout or the files' versioned names make a history.

A file is linted after replaying what came before it, and the schema rules see the end state,
so a file named alone is linted with its whole history as context (INTERFACE.md, "Commands").
Only names are looked at, never contents: the history's files are read once, by the run.
"""

from __future__ import annotations

import os

import msgspec
from msgspec import field

from dbarch_lint.model.regex import lazy
from dbarch_lint.runners import flyway
from dbarch_lint.runners.sqitch import Plans

# A name that begins with a version: digits (golang-migrate, dbmate, Diesel, Prisma, Django,
# most hand-rolled histories; a timestamp starts with them too) or Flyway's `V<version>__`
# (`U` for its undo migrations).
_VERSIONED = lazy(r"\d|[VU]\d+(?:[._]\d+)*__")


# (Structs, not dataclasses: a dataclass's methods are compiled when its class is made, on every
# start of the command line.)
class History(msgspec.Struct):
    """A folder whose files replay as one history, and the files named in it."""

    folder: str  # absolute
    why: str  # what made it a history (`-v` says it)
    named: list[str] = field(default_factory=list)  # the named files in it, as given
    files: list[str] = field(default_factory=list)  # the files found in it (by the run)


class Located(msgspec.Struct):
    """Where the named files belong: inferred histories, and the named files in none, by folder
    (each such folder's named files replay together, alone)."""

    histories: dict[str, History] = field(default_factory=dict)  # by folder
    alone: dict[str, list[str]] = field(default_factory=dict)  # folder -> named files


def sorts_as_history(entry: str) -> bool:
    """Whether a name in a folder (a file, or a migration's own folder) begins with a version."""
    return _VERSIONED.match(entry) is not None or flyway.matches(entry)


def locate(named: list[tuple[str, str]], top: str, cwd: str) -> Located:
    """The history of each named file (`(as given, absolute path)`): the folder above it that a
    `sqitch.plan` heads, else the nearest folder, from its own up to `top`, in which the entry
    leading to it (the file, or the folder holding it) begins with a version. A file outside
    `top` is looked at in its own folder only: above the project, a folder named `2024-work`
    says nothing of migrations."""
    plans = Plans(cwd)
    located = Located()
    # (by folder, and whether the file's own name is versioned: pre-commit names thousands)
    seen: dict[tuple[str, bool], tuple[str, str] | None] = {}
    for given, absolute in named:
        folder, name = os.path.split(absolute)
        key = (folder, sorts_as_history(name))
        if key not in seen:
            seen[key] = _history_folder(absolute, top, plans)
        found = seen[key]
        if found is None:
            located.alone.setdefault(os.path.dirname(absolute), []).append(given)
            continue
        folder, why = found
        located.histories.setdefault(folder, History(folder, why)).named.append(given)
    return located


def _history_folder(path: str, top: str, plans: Plans) -> tuple[str, str] | None:
    plan = plans.locate(path)
    if plan is not None:
        return os.path.dirname(plan[0]), "its sqitch.plan"
    inside = os.path.join(top, "")
    folder, entry = os.path.split(path)
    kind = "file"
    while True:
        if sorts_as_history(entry):
            return folder, f"{kind} names that begin with a version"
        if folder == top or not folder.startswith(inside):
            return None
        folder, entry = os.path.split(folder)
        kind = "folder"  # (Diesel's, Prisma's: a folder per migration)
