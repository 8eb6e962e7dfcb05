"""Sequelize migrations (sequelize-cli, umzug): JavaScript and TypeScript files in a migrations
folder, applied in file-name order, outside any transaction unless the migration opens one.

sequelize-cli (`src/core/migrator.js`) hands umzug the `migrations-path` folder (default
`migrations/`, or `.sequelizerc`'s `migrations-path`) and umzug applies the files in the order of
their names; each migration's `up` runs its `queryInterface` calls one by one, each a query of
its own, with no transaction around them (`docs/sequelize.md`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from dbarch_lint.caching.files import read_regular
from dbarch_lint.model.regex import lazy

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


_PATH = lazy(
    r"""['"]?migrations-path['"]?\s*:\s*(?:path\.(?:resolve|join)\s*\(([^)]*)\)|(['"][^'"]*['"]))"""
)
_STRING = lazy(r"""'([^']*)'|"([^"]*)"|(__dirname)""")


def configured_folder(rc_path: str) -> tuple[str | None, str | None]:
    """The migrations folder a `.sequelizerc` configures (absolute), or None with why not: it is
    JavaScript, so only a plain string or `path.resolve(...)`/`path.join(...)` of strings (and
    `__dirname`) is read."""
    try:
        text = read_regular(rc_path)[1].decode("utf-8")
    except OSError as error:  # (never opened if it is not a regular file: a FIFO would block)
        return None, f"cannot read {rc_path}: {error.strerror or error}"
    except UnicodeError as error:
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


# --- hints in Sequelize's terms -------------------------------------------------------------

_NAMED = lazy(r"CONSTRAINT (\S+)")
_TIMEOUT = "`await queryInterface.sequelize.query(\"SET lock_timeout = '2s'\")` first in `up`"
_OUTSIDE = "outside `sequelize.transaction(...)` (Sequelize runs a call without `{ transaction }` "


def hint(code: str, message: str, sql_hint: str | None, raw_sql: bool) -> str | None:
    """A rule's hint said in Sequelize's terms, for a finding in a Sequelize migration (the SQL
    hint where there is none, or where the finding is in raw SQL, `sequelize.query('...')`)."""
    if raw_sql:
        return sql_hint
    said = _HINTS.get(code)
    found = said(message, sql_hint or "") if said is not None else None
    return found if found is not None else sql_hint


def _dba201(message: str, sql_hint: str) -> str:
    name = _NAMED.search(sql_hint)
    named = f", name: '{name.group(1).strip('`')}'" if name else ", name: '...'"
    kind = "foreign key" if "FOREIGN" in message else "unique" if "UNIQUE" in message else None
    if "PRIMARY KEY" in message:
        return (
            "Sequelize names neither `primaryKey: true` nor an inline `unique`/`references`: add "
            f"it with `queryInterface.addConstraint(table, {{ type: 'primary key', fields: [...]"
            f"{named} }})`"
        )
    return (
        f"declare it with `queryInterface.addConstraint(table, {{ type: '{kind or 'unique'}', "
        f"fields: [...]{named} }})` instead of "
        + ("`references` in the attribute" if kind == "foreign key" else "`unique: true`")
    )


def _dba509(message: str, sql_hint: str) -> str | None:
    if "default" not in message.lower():
        return None
    return (
        "changeColumn drops the column's default when the new definition has no "
        "`defaultValue`: repeat the `defaultValue` (and `allowNull`) in the changeColumn"
    )


_HINTS = {
    "DBA101": lambda m, h: (
        "declare it `type: Sequelize.BIGINT, autoIncrement: true, autoIncrementIdentity: true` "
        "(an identity column; `autoIncrement` alone makes a serial)"
    ),
    "DBA102": lambda m, h: (
        "declare it `type: Sequelize.BIGINT` (with `autoIncrementIdentity: true`)"
    ),
    "DBA103": lambda m, h: (
        "declare it `type: Sequelize.TEXT`, with a check constraint (`addConstraint(table, { "
        "type: 'check', ... })`) if the limit is real"
    ),
    "DBA111": lambda m, h: (
        "declare it `type: Sequelize.TEXT` with a check constraint (`addConstraint(table, { "
        "type: 'check', ... })`), or a lookup table with `references`"
    ),
    "DBA201": _dba201,
    "DBA206": lambda m, h: (
        "add one, e.g. `id: { type: Sequelize.BIGINT, primaryKey: true, autoIncrement: true, "
        "autoIncrementIdentity: true }` in the createTable"
    ),
    "DBA301": lambda m, h: (
        "`await queryInterface.addIndex(table, [column], { concurrently: true })`, "
        + _OUTSIDE
        + "on its own)"
    ),
    "DBA401": lambda m, h: (
        "`queryInterface.addIndex(table, fields, { concurrently: true })`, "
        + _OUTSIDE
        + "on its own)"
    ),
    "DBA402": lambda m, h: (
        "`queryInterface.removeIndex(table, name, { concurrently: true })`, "
        + _OUTSIDE
        + "on its own)"
    ),
    "DBA404": lambda m, h: "move the call " + _OUTSIDE + "on its own, outside any transaction)",
    "DBA411": lambda m, h: (
        "first `queryInterface.addIndex(table, fields, { unique: true, concurrently: true, "
        "name })` "
        + _OUTSIDE
        + "on its own), then `sequelize.query('ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING "
        "INDEX name')`"
    ),
    "DBA413": lambda m, h: _TIMEOUT + " (with `{ transaction: t }` inside a transaction)",
    "DBA507": lambda m, h: (
        "add it with `allowNull: true` (backfill it, then changeColumn to `allowNull: false`), "
        "or with a `defaultValue`"
    ),
    "DBA509": _dba509,
}
