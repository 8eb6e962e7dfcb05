"""Sequelize migrations (sequelize-cli, umzug): JavaScript and TypeScript files in a migrations
folder, applied in file-name order, outside any transaction unless the migration opens one.

sequelize-cli (`src/core/migrator.js`) hands umzug the `migrations-path` folder (default
`migrations/`, or `.sequelizerc`'s `migrations-path`) and umzug applies the files in the order of
their names; each migration's `up` runs its `queryInterface` calls one by one, each a query of
its own, with no transaction around them (`docs/sequelize.md`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

EXTENSIONS = (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts")
FOLDER = "migrations"


def is_script(path: str) -> bool:
    """Whether a path names a JavaScript or TypeScript file (not a `.d.ts` declaration)."""
    lower = path.lower()
    return lower.endswith(EXTENSIONS) and not lower.endswith((".d.ts", ".d.cts", ".d.mts"))


def is_migration(path: str, folders: Sequence[str] = ()) -> bool:
    """Whether a script is in a Sequelize migrations folder: one named `migrations`, or one of
    `folders` (absolute: what `.sequelizerc` files configure)."""
    if not is_script(path):
        return False
    folder = os.path.dirname(path)
    if os.path.basename(folder) == FOLDER:
        return True
    return bool(folders) and os.path.normpath(os.path.abspath(folder)) in folders


def order(paths: Sequence[str]) -> list[str]:
    """umzug's order: by file name (JavaScript's default string sort), then the path."""
    return sorted(paths, key=lambda p: (os.path.basename(p), p))


_PATH = re.compile(
    r"""['"]?migrations-path['"]?\s*:\s*(?:path\.(?:resolve|join)\s*\(([^)]*)\)|(['"][^'"]*['"]))"""
)
_STRING = re.compile(r"""'([^']*)'|"([^"]*)"|(__dirname)""")


def configured_folder(rc_path: str) -> tuple[str | None, str | None]:
    """The migrations folder a `.sequelizerc` configures (absolute), or None with why not: it is
    JavaScript, so only a plain string or `path.resolve(...)`/`path.join(...)` of strings (and
    `__dirname`) is read."""
    try:
        with open(rc_path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeError) as error:
        return None, f"cannot read {rc_path}: {error}"
    if "migrations-path" not in text:
        return None, None
    match = _PATH.search(text)
    base = os.path.dirname(os.path.abspath(rc_path))
    if match is None:
        return None, f"{rc_path}: its `migrations-path` is computed; `migrations/` is assumed"
    if match.group(2):
        return os.path.normpath(os.path.join(base, match.group(2)[1:-1])), None
    parts = []
    for piece in _STRING.finditer(match.group(1)):
        parts.append(base if piece.group(3) else piece.group(1) or piece.group(2) or "")
    if not parts:
        return None, f"{rc_path}: its `migrations-path` is computed; `migrations/` is assumed"
    return os.path.normpath(os.path.join(base, *parts)), None
