"""`--diff-base GIT_REF`: which files were added or changed since a git ref.

A pull request's files are those that differ between the work tree and the point where the
branch left the ref (`git merge-base`): commits made on the ref's branch since then are not the
pull request's. Uncommitted and untracked files count too (a new migration not yet added). A
file the merge base does not hold is new (DBA605 compares the new migrations with those the
base already has).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable

from dbarch_lint.model.errors import UsageError

_TIMEOUT_SECONDS = 60


class Comparison:
    """The work tree compared with the merge base of a ref."""

    def __init__(self, top: str, changed: set[str], at_base: frozenset[str]) -> None:
        self.top = top  # the work tree's top folder (its real path)
        self.changed = changed  # real paths of the files added or changed since the base
        self._at_base = at_base  # the files the base holds, relative to `top` (git's names)

    def on_base(self, path: str) -> bool:
        """Whether the base holds the file at `path` (a file added since is not on it)."""
        relative = os.path.relpath(os.path.realpath(path), self.top)
        return relative.replace(os.sep, "/") in self._at_base


def compare(ref: str, cwd: str) -> Comparison:
    """The files added or changed since the merge base of `ref` and HEAD, and what it holds."""
    top = _git(["rev-parse", "--show-toplevel"], cwd, "needs a git work tree").strip()
    if _git_ok(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd) is None:
        raise UsageError(
            f"--diff-base: git knows no commit {ref!r} here (fetch it first, e.g. "
            f"`git fetch origin main`, and check the spelling)"
        )
    base = (_git_ok(["merge-base", ref, "HEAD"], cwd) or ref).strip()
    changed = _git(
        ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", base, "--"],
        top,
        "could not compare with the ref",
    )
    untracked = _git(
        ["ls-files", "--others", "--exclude-standard", "--full-name", "-z"],
        top,
        "could not list untracked files",
    )
    held = _git(
        ["ls-tree", "-r", "-z", "--name-only", "--full-tree", base],
        top,
        "could not list the files of the merge base",
    )
    names = [name for name in f"{changed}\0{untracked}".split("\0") if name]
    changed_paths = {os.path.realpath(os.path.join(top, name)) for name in names}
    at_base = frozenset(name for name in held.split("\0") if name)
    return Comparison(os.path.realpath(top), changed_paths, at_base)


def committed(paths: Iterable[str], cwd: str) -> set[str] | None:
    """The real paths of those of `paths` that the current commit holds: a migration git has
    seen committed may have been applied. None outside a git work tree (nobody can tell)."""
    top = _git_ok(["rev-parse", "--show-toplevel"], cwd)
    if top is None:
        return None
    top = top.strip()
    if _git_ok(["rev-parse", "--verify", "--quiet", "HEAD"], cwd) is None:
        return set()  # (no commit yet)
    wanted = [os.path.relpath(os.path.realpath(os.path.join(cwd, p)), top) for p in paths]
    listed = _git_ok(
        ["ls-tree", "-r", "-z", "--full-tree", "--name-only", "HEAD", "--", *wanted], top
    )
    names = (listed or "").split("\0")
    return {os.path.realpath(os.path.join(top, name)) for name in names if name}


def _git(args: list[str], cwd: str, what: str) -> str:
    """git's output; a usage error saying what failed and why."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, timeout=_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise UsageError(f"--diff-base needs git, which could not run: {error}") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        detail = reason[-1] if reason else f"git exited with {done.returncode}"
        raise UsageError(f"--diff-base {what} ({cwd}): {detail}")
    return done.stdout.decode(errors="surrogateescape")


def _git_ok(args: list[str], cwd: str) -> str | None:
    """git's output, or None if it failed."""
    try:
        return _git(args, cwd, "")
    except UsageError:
        return None
