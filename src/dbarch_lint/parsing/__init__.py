"""Parsers: SQL text to IR statements.

Importing pglast imports its enums and AST classes (thousands of classes, about 30 ms: a fifth of
the single-file budget), which only `pglast.parse_sql` uses; we call `parse_sql_json` and
`split`. So those two modules are registered deferred: they load on first attribute use, and
code that uses them (pglast's own `parse_sql`, a plugin) sees no difference.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import types
from typing import Any

_DEFERRED = ("pglast.enums", "pglast.ast")


class _DeferredModule(types.ModuleType):
    """A module whose code runs on first access to one of its attributes."""

    def __getattr__(self, name: str) -> Any:  # only called for attributes not yet set
        self.__class__ = types.ModuleType  # type: ignore[assignment]  # a plain module from now on
        self.__spec__.loader.exec_module(self)  # type: ignore[union-attr]
        return getattr(self, name)


def _defer_pglast_modules() -> None:
    if "pglast" in sys.modules:
        return
    package = importlib.util.find_spec("pglast")
    if package is None or not package.submodule_search_locations:
        return
    for name in _DEFERRED:
        spec = importlib.machinery.PathFinder.find_spec(name, package.submodule_search_locations)
        if spec is None:
            continue
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _DeferredModule
        sys.modules[name] = module


_defer_pglast_modules()
