"""What a rule is: declared metadata, typed options, a docstring that is its documentation.

Two kinds of rule:

- `StatementRule`: `check(event, ctx)` runs for every event of a type listed in `targets`, in a
  target file, while the schema is replayed; `ctx.schema` is the schema just before the statement.
- `SchemaRule`: `check(ctx)` runs once after the whole replay, over every object the replay saw;
  findings point at the statement that created the object (findings outside target files are
  dropped).

A rule with options names their class (a frozen msgspec Struct, or a frozen dataclass) as the
type argument of its base,
`StatementRule[ItsOptions]`: `self.options` is then an `ItsOptions`, built from the rule's
`[rules.<CODE>]` table (the configuration checks names and types against its fields, and its
`__post_init__` may refuse a value with a `ValueError`).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, Self

import msgspec

from dbarch_lint.model.findings import Applicability, FixAvailability, RuleInfo, Severity
from dbarch_lint.model.ir import Event

if TYPE_CHECKING:
    # (a type argument with a default, PEP 696, is in `typing` from Python 3.13 on)
    from typing_extensions import TypeVar

    from dbarch_lint.linting.context import Report, RuleContext, SchemaContext

DOCS_BASE = "https://dbarch-lint.readthedocs.io/en/latest/rules/"
CODE_PATTERN = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
# The statement rules that also check the statements of function and procedure bodies (which
# run later, outside the migration): types, naming and keys, security, consistency. Locking,
# compatibility and transaction rules do not (DO blocks run now: every rule checks them).
FUNCTION_BODY_FAMILIES = frozenset(("types", "constraints", "security", "consistency"))
# The convention rules' families (DBA1xx, DBA2xx): they judge an object once per migration, so
# a statement that the replay knows changes nothing is not theirs to judge again.
CONVENTION_FAMILIES = frozenset(("types", "constraints"))


class NoOptions(msgspec.Struct, frozen=True):
    """The options of a rule without options."""


class OptionField(NamedTuple):
    """One option of a rule: its attribute, and its default value (`REQUIRED`: none)."""

    attribute: str
    default: Any


REQUIRED: Any = dataclasses.MISSING  # (an option with no default)


# A rule's options type. Covariant, so that every rule is a `Rule` (`Rule[object]`, the
# default): the engine and the configuration hold rules of every options type side by side.
if TYPE_CHECKING:
    OptionsT = TypeVar("OptionsT", covariant=True, default=object)
else:
    OptionsT = typing.TypeVar("OptionsT", covariant=True)


class Rule(Generic[OptionsT]):
    """Base of all rules. Subclass `StatementRule` or `SchemaRule`, not this."""

    code: ClassVar[str]
    name: ClassVar[str]
    family: ClassVar[str]
    severity: ClassVar[Severity]
    default_enabled: ClassVar[bool] = True
    dialects: ClassVar[frozenset[str] | None] = None  # None: every dialect
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NEVER
    fix_applicability: ClassVar[Applicability] = Applicability.SAFE  # (of every fix it makes)
    # The class `options` are an instance of: the type argument (`StatementRule[ItsOptions]`).
    options_type: ClassVar[type[Any]] = NoOptions

    def __init__(self, options: OptionsT | None = None) -> None:
        self.options: OptionsT = options if options is not None else self.options_type()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "Options" in vars(cls):  # (how options were declared before they were typed)
            raise TypeError(
                f"rule {cls.__qualname__}: name its options dataclass as the type argument of "
                f"its base, `StatementRule[{cls.__name__}Options]` (or `SchemaRule[...]`), "
                "not as a nested `Options` class"
            )
        # Only a class written with a type argument has `__orig_bases__` of its own; the rest
        # inherit `options_type` (a type variable, as in a generic base, is no options type).
        for base in vars(cls).get("__orig_bases__", ()):
            arguments = typing.get_args(base)
            if arguments and isinstance(arguments[0], type):
                cls.options_type = arguments[0]

    @classmethod
    def rule_class(cls) -> type[Rule]:
        """The class that checks: the rule's own (a built-in rule is registered by its
        manifest entry, and its module imported when asked: `dbarch_lint.rules`)."""
        return cls

    def checking(self) -> Self:
        """The instance whose `check` checks: this one (a built-in rule is registered by its
        manifest entry, which gives its own rule's instance, its module imported when first
        asked: `dbarch_lint.rules`). The engine calls that instance's `check` directly."""
        return self

    @classmethod
    def applies_to(cls, dialect: str) -> bool:
        """Whether the rule checks files of this SQL dialect."""
        return cls.dialects is None or dialect in cls.dialects

    @classmethod
    def doc(cls) -> RuleDoc:
        """The parsed documentation of this rule."""
        return _parse_doc(cls.__doc__ or "")

    @classmethod
    def url(cls) -> str | None:
        """The rule's documentation page (built-ins only; plugins may override)."""
        return f"{DOCS_BASE}{cls.code}/" if cls.code.startswith("DBA") else None

    @classmethod
    def info(cls) -> RuleInfo:
        """Metadata for reporters and listings."""
        doc = cls.doc()
        return RuleInfo(
            code=cls.code,
            name=cls.name,
            family=cls.family,
            severity=cls.severity,
            enabled_by_default=cls.default_enabled,
            fix_availability=cls.fix_availability,
            fix_applicability=cls.fix_applicability,
            dialects=tuple(sorted(cls.dialects)) if cls.dialects else ("all",),
            summary=doc.summary,
            description=doc.markdown,
            rationale=doc.sections.get("Why is this bad?", ""),
            url=cls.url(),
        )

    @classmethod
    def option_fields(cls) -> dict[str, OptionField]:
        """The rule's options, by their config spelling (`money-names` for `money_names`): the
        fields of its options type, a msgspec Struct (the built-in rules': a dataclass's
        methods are compiled when its class is made) or a dataclass."""
        kind = cls.options_type
        found: list[tuple[str, Any, Any]]  # name, default, default factory
        if dataclasses.is_dataclass(kind):
            found = [(f.name, f.default, f.default_factory) for f in dataclasses.fields(kind)]
            none: Any = dataclasses.MISSING
        else:
            found = [(f.name, f.default, f.default_factory) for f in msgspec.structs.fields(kind)]
            none = msgspec.NODEFAULT
        return {
            name.replace("_", "-"): OptionField(
                name,
                default if default is not none else REQUIRED if factory is none else factory(),
            )
            for name, default, factory in found
        }


class StatementRule(Rule[OptionsT]):
    """A rule called for each targeted event in a target file, during the replay."""

    targets: ClassVar[tuple[type[Event], ...]] = ()
    # Whether `check` also sees an `ADD COLUMN` / `CREATE INDEX ... IF NOT EXISTS` the replay
    # skips (it has the column, or the index name): rules about the table lock, which the
    # server takes before it finds the object there. Other rules never see such an event.
    sees_skipped: ClassVar[bool] = False

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        """Yield a report for each problem with `event`."""
        raise NotImplementedError


class SchemaRule(Rule[OptionsT]):
    """A rule called once with the whole replayed schema."""

    def check(self, ctx: SchemaContext) -> Iterator[Report]:
        """Yield a report for each problem in the schema."""
        raise NotImplementedError


# (A Struct, not a dataclass: a dataclass's methods are compiled when its class is made, on every
# start of the command line.)
class RuleDoc(msgspec.Struct, frozen=True):
    """A rule docstring split into its summary line and `## ` sections."""

    summary: str
    sections: dict[str, str]
    markdown: str

    def sql_block(self, section: str) -> str | None:
        """The first ```sql block of a section."""
        match = re.search(r"```sql\n(.*?)```", self.sections.get(section, ""), re.S)
        return match.group(1) if match else None


@cache
def _parse_doc(docstring: str) -> RuleDoc:
    text = inspect.cleandoc(docstring)
    summary, _, rest = text.partition("\n")
    sections: dict[str, str] = {}
    # (`re.split(r"^## ", rest, flags=re.M)`, by `str.split`: every rule's documentation is
    # read on every run, for the result's rule metadata)
    for chunk in ("\n" + rest).split("\n## ")[1:]:
        title, _, body = chunk.partition("\n")
        sections[title.strip()] = body.strip()
    return RuleDoc(summary=summary.strip(), sections=sections, markdown=text)


class EngineRule(Rule):
    """A code the engine itself reports (DBA000-DBA004): documented and selectable like any
    rule, but with no `check` of its own."""
