"""The path patterns of the configuration (`exclude`, `extend-exclude`, `per-file-ignores`,
`per-file-dialect`): one matcher for all of them, with git's `.gitignore` rules."""

from __future__ import annotations

import os
from collections.abc import Sequence

from dbarch_lint.model.errors import UsageError


class PathPatterns:
    """Patterns relative to a folder (the config file's), matched as git matches `.gitignore`
    lines (pathspec's `GitIgnoreSpec`): `*` never crosses `/`; `**` spans folders; a pattern
    without a `/` but at its end matches at any depth (`*.sql`, `vendor`), one with a `/`
    only from the folder (`db/*.sql`, `/0001.sql`); a matching folder matches all below it;
    `!` re-includes. Paths outside the folder never match."""

    def __init__(self, patterns: Sequence[str], root: str, where: str) -> None:
        from pathspec import GitIgnoreSpec  # (only a run with patterns loads it)

        try:
            self._spec = GitIgnoreSpec.from_lines(patterns)
        except ValueError as error:
            raise UsageError(f"{where}: {error}") from None
        self._inside = os.path.join(os.path.abspath(root), "")

    def matches(self, path: str, folder: bool = False) -> bool:
        """Whether an absolute path (of a folder, if `folder`) matches."""
        if not path.startswith(self._inside):
            return False
        relative = path[len(self._inside) :].replace(os.sep, "/")
        return self._spec.match_file(relative + "/" if folder else relative)
