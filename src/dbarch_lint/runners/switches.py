"""A runner's per-migration switch that turns its transaction off, where it is a side file
(`--fix` for DBA404): Flyway's script configuration `<file>.sql.conf` with
`executeInTransaction=false` (Flyway 6.1 and later), Diesel's `metadata.toml` with
`run_in_transaction = false` beside `up.sql` and `down.sql` (it covers both). dbmate's is a
marker in the file itself (the rule's own edit); golang-migrate and Sqitch have none.

`transaction_off` answers with the side file (absolute path), what it holds now (None: there is
none) and its new text: the setting's line changed, or added, every other line kept. It reads
the side file as the runners do (`planned.read`).
"""

from __future__ import annotations

import os
import re

import msgspec

from dbarch_lint.runners import planned

# A Flyway properties line setting executeInTransaction (key=value, key: value or key value).
_FLYWAY_SETTING = re.compile(r"(?m)^[ \t\f]*executeInTransaction(?=[ \t\f]*[=:\s])[^\r\n]*")
# A top-level TOML key `run_in_transaction` (before any table header).
_DIESEL_SETTING = re.compile(
    r"(?m)^[ \t]*(?:run_in_transaction|\"run_in_transaction\")[ \t]*=[^\r\n]*"
)
_TOML_TABLE = re.compile(r"(?m)^[ \t]*\[")


class SideFile(msgspec.Struct, frozen=True):
    """A side file a fix writes: where (absolute), what it held (None: new) and its text."""

    where: str
    before: bytes | None
    text: str


def transaction_off(runner: str, where: str) -> SideFile | None:
    """The side file that turns `runner`'s transaction off for the migration at `where`
    (absolute), or None where the runner has no such file or it cannot be read or parsed."""
    if runner == "flyway":
        side = where + ".conf"
        setting, pattern = "executeInTransaction=false", _FLYWAY_SETTING
    elif runner == "diesel" and os.path.basename(where) in ("up.sql", "down.sql"):
        side = os.path.join(os.path.dirname(where), "metadata.toml")
        setting, pattern = "run_in_transaction = false", _DIESEL_SETTING
    else:
        return None
    try:
        before: bytes | None = planned.read(side)
    except FileNotFoundError:
        before = None
    except OSError:
        return None
    if before is None:
        return SideFile(side, None, setting + "\n")
    try:
        old = before.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if runner == "diesel":
        text = _diesel(old, setting)
    else:
        # (every such line: of a key given twice, Java's Properties keeps the last)
        found = pattern.search(old)
        text = _added(old, setting) if found is None else pattern.sub(setting, old)
    return SideFile(side, before, text) if text is not None and text != old else None


def _replaced(old: str, found: re.Match[str], setting: str) -> str:
    return old[: found.start()] + setting + old[found.end() :]


def _added(old: str, setting: str) -> str:
    """`setting` as the last line (after a line break the file may lack at its end)."""
    ending = "\r\n" if "\r\n" in old else "\n"
    return old + ("" if not old or old.endswith(("\n", "\r")) else ending) + setting + ending


def _diesel(old: str, setting: str) -> str | None:
    """The TOML with the top-level `run_in_transaction` set to false: its line changed, else
    the line added before the first table (a key below a header would belong to that table);
    None if the file is no TOML Diesel can use (then Diesel ignores it: no fix)."""
    import tomllib

    try:
        tomllib.loads(old)
    except tomllib.TOMLDecodeError:
        return None
    table = _TOML_TABLE.search(old)
    head_end = table.start() if table is not None else len(old)
    found = _DIESEL_SETTING.search(old, 0, head_end)
    if found is not None:
        text = _replaced(old, found, setting)
    elif table is None:
        text = _added(old, setting)
    else:
        ending = "\r\n" if "\r\n" in old else "\n"
        text = old[:head_end] + setting + ending + old[head_end:]
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    return text if parsed.get("run_in_transaction") is False else None
