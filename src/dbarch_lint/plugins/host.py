"""The plugin manager: built-ins first, then entry points, then modules named in config."""

from __future__ import annotations

import importlib
import os
import sys
from collections import ChainMap
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any, cast

import pluggy

from dbarch_lint.linting.rule_base import CODE_PATTERN, NAME_PATTERN, Rule
from dbarch_lint.model.errors import PluginError
from dbarch_lint.parsing.stage import Parser
from dbarch_lint.plugins import hookspecs
from dbarch_lint.reporting import Reporter

BUILTIN_PLUGINS = (
    "dbarch_lint.rules",
    "dbarch_lint.reporting.builtin",
    "dbarch_lint.runners.builtin",
    "dbarch_lint.parsing.builtin",
)
ENTRY_POINT_GROUP = "dbarch_lint"


class _Manager(pluggy.PluginManager):
    """pluggy's manager, told that a built-in plugin's hooks are the functions named after
    them: it looks at every other name of their modules (each import among them) the slow,
    safe way (`inspect.getattr_static`), on every start. A plugin's names are all looked at
    (it may implement a hook under another name, `specname`)."""

    def __init__(self) -> None:
        super().__init__("dbarch_lint")
        self.builtins: list[object] = []

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if not name.startswith("dbarch_lint_") and any(plugin is b for b in self.builtins):
            return None
        return super().parse_hookimpl_opts(plugin, name)


class PluginHost:
    """A typed facade over the pluggy manager."""

    def __init__(self, extra_modules: Sequence[str] = (), autoload: bool = True) -> None:
        self.pm = _Manager()
        self.pm.add_hookspecs(hookspecs)
        for name in BUILTIN_PLUGINS:
            builtin = importlib.import_module(name)
            self.pm.builtins.append(builtin)
            self.pm.register(builtin, name)
        if autoload and _may_have_entry_points():
            from importlib.metadata import entry_points

            for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                self._register(entry.name, entry.load, f"entry point {entry.value!r}")
        for module in extra_modules:
            self._register(
                module, lambda m=module: importlib.import_module(m), f"module {module!r}"
            )
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as error:
            raise PluginError(f"a plugin implements an unknown hook: {error}") from None
        self._rules: tuple[type[Rule], ...] | None = None
        self._classes: tuple[type[Rule], ...] | None = None

    def _register(self, name: str, load: Any, what: str) -> None:
        if self.pm.has_plugin(name):
            return
        try:
            plugin = load()
            self.pm.register(plugin, name)
        except Exception as error:  # a broken plugin is a clear error, never a log line
            raise PluginError(f"could not load plugin {name!r} ({what}): {error}") from None

    def rules(self, registered: bool = False) -> tuple[type[Rule], ...]:
        """Every rule class, validated, sorted by code: each rule's own class, or with
        `registered`, as its plugin registered it (what a run takes: a built-in rule then
        imports its module when it first checks something, `dbarch_lint.rules`)."""
        if self._rules is None:
            found: dict[str, type[Rule]] = {}
            names: dict[str, str] = {}
            for impl in reversed(self.pm.hook.dbarch_lint_rules.get_hookimpls()):
                plugin = impl.plugin_name
                provided = cast(Sequence[type[Rule]], impl.function() or ())
                for rule in provided:
                    _validate_rule(rule, plugin)
                    if rule.code in found or rule.name in names:
                        raise PluginError(
                            f"plugin {plugin!r}: rule {rule.code} {rule.name} is defined twice"
                        )
                    found[rule.code] = rule
                    names[rule.name] = rule.code
            self._rules = tuple(found[code] for code in sorted(found))
        if registered:
            return self._rules
        if self._classes is None:
            self._classes = tuple(rule.rule_class() for rule in self._rules)
        return self._classes

    def reporters(self) -> Mapping[str, type[Reporter]]:
        """Every output format by name (a later plugin's wins; the built-in ones are imported
        when looked up)."""
        found = self.pm.hook.dbarch_lint_reporters()  # (the last registered first)
        return ChainMap(*(cast(MutableMapping[str, type[Reporter]], m) for m in found))

    def parsers(self) -> dict[str, Parser]:
        """Every dialect's parser by name."""
        merged: dict[str, Parser] = {}
        for mapping in reversed(self.pm.hook.dbarch_lint_parsers()):
            merged.update(mapping)
        return merged


def _validate_rule(rule: type[Rule], plugin: str) -> None:
    builtin = plugin == "dbarch_lint.rules"
    code = getattr(rule, "code", "")
    if not CODE_PATTERN.match(code) or (code.startswith("DBA") and not builtin):
        raise PluginError(
            f"plugin {plugin!r}: rule code {code!r} must be 2-5 capital letters and 3 digits"
            + ("" if builtin else ", with a prefix of its own (DBA is reserved)")
        )
    if not NAME_PATTERN.match(getattr(rule, "name", "")):
        raise PluginError(f"plugin {plugin!r}: rule {code} name must be kebab-case")
    if rule.name.startswith(("ban-", "require-")):
        raise PluginError(f"plugin {plugin!r}: rule {code} name must name the flagged pattern")


def _may_have_entry_points() -> bool:
    """Whether an installed package may declare a plugin. `importlib.metadata` costs a sixth of
    the start-up budget to import, so first look for the group in the packages' metadata files
    (a zipped or unusual path entry counts as "may")."""
    marker = f"[{ENTRY_POINT_GROUP}]"
    for entry in sys.path:
        directory = entry or "."
        if not os.path.isdir(directory):
            if os.path.exists(directory):
                return True  # a zip archive: let importlib.metadata look inside
            continue
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(directory, name, "entry_points.txt"), "rb") as f:
                        if marker.encode() in f.read():
                            return True
                except OSError:
                    continue
    return False
