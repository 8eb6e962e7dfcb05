"""The built-in rules, one module per rule in family packages, registered as a plugin.

The plugin registers each rule by what `manifest.py` records of it (its metadata, the events it
targets, its documentation as reporters show it), without importing its module: a run imports
a rule's module when the rule first checks something, so a file of a few statements loads the
few rules its events need (and the schema rules). `manifest.py` is generated from the modules
(`tests/test_rules.py` fails when it is stale; `DBARCH_UPDATE_MANIFEST=1` rewrites it).
`PluginHost.rules()` gives each rule's own class (`Rule.rule_class`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

from dbarch_lint.model import ir
from dbarch_lint.model.findings import Applicability, FixAvailability, RuleInfo, Severity
from dbarch_lint.rule import (
    EngineRule,
    Report,
    Rule,
    RuleContext,
    SchemaContext,
    SchemaRule,
    StatementRule,
    hookimpl,
)

FAMILIES = (
    "engine",
    "types",
    "constraints",
    "indexing",
    "locking",
    "compatibility",
    "transactions",
    "security",
    "consistency",
    "mysql",
)


@hookimpl
def dbarch_lint_rules() -> Sequence[type[Rule]]:
    """Every built-in rule, as its manifest entry registers it."""
    return _registered()


def family(package: str, members: Sequence[tuple[str, str]]) -> Callable[[str], Any]:
    """A family package's `__getattr__`: its `RULES` (the classes of `members`, (module, class)
    pairs), imported when first read."""

    def __getattr__(name: str) -> Any:
        if name != "RULES":
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        found = tuple(
            getattr(importlib.import_module(f"{package}.{module}"), cls) for module, cls in members
        )
        sys.modules[package].RULES = found  # type: ignore[attr-defined]
        return found

    return __getattr__


def __getattr__(name: str) -> Any:
    """A registered rule's class by its class's name (how pickle finds it in a worker)."""
    for rule in _registered():
        if rule.__name__ == name:
            return rule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Registered:
    """A built-in rule as its manifest entry registers it: its module is imported when it
    first checks something, or when its own class is asked for."""

    module: ClassVar[str]
    class_name: ClassVar[str]
    recorded: ClassVar[RuleInfo]
    loaded: ClassVar[type[Rule] | None] = None
    options_type: ClassVar[type[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Nothing to check: a class per manifest entry, made on every run, skips what
        `Rule.__init_subclass__` and `Generic`'s check of a rule written by hand."""

    def __init__(self, options: Any = None) -> None:
        self.options = options  # (None: the rule's own default options)
        self._rule: Any = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.options,))

    @classmethod
    def rule_class(cls) -> type[Rule]:
        """The rule's own class, its module imported."""
        if cls.loaded is None:
            loaded: type[Rule] = getattr(importlib.import_module(cls.module), cls.class_name)
            cls.options_type = loaded.options_type
            cls.loaded = loaded
        return cls.loaded

    @classmethod
    def info(cls) -> RuleInfo:
        return cls.recorded

    @classmethod
    def doc(cls) -> Any:
        return cls.rule_class().doc()

    @classmethod
    def option_fields(cls) -> dict[str, Any]:
        return cls.rule_class().option_fields()

    def checking(self) -> Any:
        """The rule's own instance, with the same options."""
        if self._rule is None:
            self._rule = self.rule_class()(self.options)
        return self._rule


class _RegisteredStatementRule(_Registered, StatementRule):
    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        # (not on the run's path: the engine calls the loaded rule's own check, `checking`)
        checks: Iterator[Report] = self.checking().check(event, ctx)
        return checks


class _RegisteredSchemaRule(_Registered, SchemaRule):
    def check(self, ctx: SchemaContext) -> Iterator[Report]:
        checks: Iterator[Report] = self.checking().check(ctx)
        return checks


class _RegisteredEngineRule(_Registered, EngineRule):
    pass


_BASES: dict[str, type[Rule]] = {
    "statement": _RegisteredStatementRule,
    "schema": _RegisteredSchemaRule,
    "engine": _RegisteredEngineRule,
}
_REGISTERED: list[type[Rule]] = []


def _registered() -> list[type[Rule]]:
    """A class for each entry of the manifest (made once)."""
    if not _REGISTERED:
        from dbarch_lint.rules.manifest import RULES

        _REGISTERED.extend(_class(*entry) for entry in RULES)
    return _REGISTERED


def _class(
    module: str,
    class_name: str,
    kind: str,
    metadata: tuple[str, str, str, str, bool, tuple[str, ...] | None, str, str],
    targets: tuple[str, ...],
    sees_skipped: bool,
    documentation: tuple[str, str, str],
) -> type[Rule]:
    code, name, family, severity, enabled, dialects, availability, applicability = metadata
    attributes: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": class_name,
        "module": module,
        "class_name": class_name,
        "code": code,
        "name": name,
        "family": family,
        "severity": Severity(severity),
        "default_enabled": enabled,
        "dialects": None if dialects is None else frozenset(dialects),
        "fix_availability": FixAvailability(availability),
        "fix_applicability": Applicability(applicability),
    }
    if kind == "statement":
        attributes["targets"] = tuple(getattr(ir, target) for target in targets)
        attributes["sees_skipped"] = sees_skipped
    rule: Any = type(class_name, (_BASES[kind],), attributes)
    summary, description, rationale = documentation
    rule.recorded = RuleInfo(
        code=code,
        name=name,
        family=family,
        severity=rule.severity,
        enabled_by_default=enabled,
        fix_availability=rule.fix_availability,
        fix_applicability=rule.fix_applicability,
        dialects=tuple(sorted(dialects)) if dialects else ("all",),
        summary=summary,
        description=description,
        rationale=rationale,
        url=rule.url(),
    )
    registered: type[Rule] = rule
    return registered
