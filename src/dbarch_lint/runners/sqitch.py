"""Sqitch: `deploy/<change>.sql` in the order of the `sqitch.plan` beside the `deploy/` folder,
`revert/<change>.sql` as their down migrations, `verify/<change>.sql` after them. Sqitch runs
each script with `psql --file` (statement by statement, no transaction of its own: its
templates write BEGIN/COMMIT)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from dbarch_lint.caching.files import read_regular
from dbarch_lint.model.regex import lazy
from dbarch_lint.runners.naming import natural_key, order_by

SCRIPT_DIRS = ("deploy", "revert", "verify")
_CHANGE = lazy(r"[+-]?\s*([^\s\[#@:\\]+)")  # a change line's name (App::Sqitch::Plan)
_TAG = lazy(r"@([^\s\[#@:\\/]+)")


class Plans:
    """Where the plan governing a script is, looked up once per directory, and each plan's
    order, read once."""

    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        self._plans: dict[str, str | None] = {}
        self._orders: dict[str, tuple[dict[str, int], str | None]] = {}  # and why not

    def locate(self, path: str) -> tuple[str, str, str] | None:
        """For a script path: (its plan, `deploy`/`revert`/`verify`, the change's script stem),
        if a `sqitch.plan` sits beside the nearest such folder above it."""
        for top, kind, stem in _places(path):
            plan = self._plan(top)
            if plan is not None:
                return plan, kind, stem
        return None

    def candidates(self, path: str) -> tuple[str, ...]:
        """Every plan that would govern a script path if it existed (absolute paths)."""
        return tuple(os.path.join(self.cwd, top, "sqitch.plan") for top, _, _ in _places(path))

    def _plan(self, top: str) -> str | None:
        if top not in self._plans:
            plan = os.path.join(top, "sqitch.plan")
            # (a plan there that cannot be read, a FIFO say, is a problem to report, not none)
            exists = os.path.lexists(os.path.join(self.cwd, plan))
            self._plans[top] = plan if exists else None
        return self._plans[top]

    def position(self, plan: str, stem: str) -> int | None:
        """Where a change's script comes in the plan (None: the plan does not list it)."""
        return self._order(plan)[0].get(stem)

    def problem(self, path: str) -> str | None:
        """Why the plan governing a script cannot be read, if it cannot."""
        found = self.locate(path)
        return self._order(found[0])[1] if found else None

    def _order(self, plan: str) -> tuple[dict[str, int], str | None]:
        if plan not in self._orders:
            try:
                text = read_regular(os.path.join(self.cwd, plan))[1].decode("utf-8", "replace")
                self._orders[plan] = plan_order(text), None
            except OSError as error:
                self._orders[plan] = {}, f"{plan}: cannot be read ({error.strerror or error})"
        return self._orders[plan]


def _places(path: str) -> list[tuple[str, str, str]]:
    """(top folder, script folder, stem) for each `deploy`/`revert`/`verify` folder above a
    script, nearest first."""
    parts = path.replace(os.sep, "/").split("/")
    if not parts[-1].endswith(".sql"):
        return []
    return [
        ("/".join(parts[:index]) or ".", parts[index], "/".join(parts[index + 1 :])[:-4])
        for index in range(len(parts) - 2, -1, -1)
        if parts[index] in SCRIPT_DIRS
    ]


def plan_order(text: str) -> dict[str, int]:
    """The position of each change's scripts in a plan, by script stem. A reworked change's
    earlier instances use `<change>@<tag>` scripts, named after a tag between the instances."""
    entries: list[tuple[str, str]] = []  # ("change" | "tag", name)
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        match = _TAG.match(line)
        if match:
            entries.append(("tag", match[1]))
        elif match := _CHANGE.match(line):
            entries.append(("change", match[1]))
    positions: dict[str, int] = {}
    last: dict[str, int] = {}  # change -> index of its latest instance in `entries`
    for index, (kind, name) in enumerate(entries):
        if kind != "change":
            continue
        if name in last:
            earlier = last[name]
            for between, tag in entries[earlier + 1 : index]:
                if between == "tag":
                    positions.setdefault(f"{name}@{tag}", positions[name])
        positions[name] = index
        last[name] = index
    return positions


def order(paths: Sequence[str], cwd: str) -> list[str]:
    """Scripts in plan order (deploy, revert, verify for each change), plans in natural order;
    then the rest."""
    plans = Plans(cwd)

    def key(path: str) -> tuple[str, int, int] | None:
        found = plans.locate(path)
        position = plans.position(found[0], found[2]) if found else None
        if found is None or position is None:
            return None
        plan, kind, _stem = found
        return natural_key(plan), position, SCRIPT_DIRS.index(kind)

    return order_by(paths, key)
