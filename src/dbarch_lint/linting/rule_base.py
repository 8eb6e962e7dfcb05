"""What a rule is: declared metadata, typed options, a docstring that is its documentation.

Two kinds of rule:

- `StatementRule`: `check(event, ctx)` runs for every event of a type listed in `targets`, in a
  target file, while the schema is replayed; `ctx.schema` is the schema just before the statement.
- `SchemaRule`: `check(ctx)` runs once after the whole replay, over every object the replay saw;
  findings point at the statement that created the object (findings outside target files are
  dropped).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from dbarch_lint.model.findings import RuleInfo, Severity
from dbarch_lint.model.ir import Event

if TYPE_CHECKING:
    from dbarch_lint.linting.context import Report, RuleContext, SchemaContext

DOCS_BASE = "https://dbarch-lint.readthedocs.io/en/latest/rules/"
CODE_PATTERN = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
# The statement rules that also check the statements of function and procedure bodies (which
# run later, outside the migration): types, naming and keys, security, consistency. Locking,
# compatibility and transaction rules do not (DO blocks run now: every rule checks them).
FUNCTION_BODY_FAMILIES = frozenset(("types", "constraints", "security", "consistency"))


@dataclass(frozen=True)
class NoOptions:
    """A rule without options."""


class Rule:
    """Base of all rules. Subclass `StatementRule` or `SchemaRule`, not this."""

    code: ClassVar[str]
    name: ClassVar[str]
    family: ClassVar[str]
    severity: ClassVar[Severity]
    default_enabled: ClassVar[bool] = True
    dialects: ClassVar[frozenset[str] | None] = None  # None: every dialect
    fixable: ClassVar[bool] = False
    Options: ClassVar[type[Any]] = NoOptions

    def __init__(self, options: Any = None) -> None:
        self.options = options if options is not None else self.Options()

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
            fixable=cls.fixable,
            dialects=tuple(sorted(cls.dialects)) if cls.dialects else ("all",),
            summary=doc.summary,
            description=doc.markdown,
            rationale=doc.sections.get("Why is this bad?", ""),
            url=cls.url(),
        )

    @classmethod
    def option_fields(cls) -> dict[str, dataclasses.Field[Any]]:
        """The rule's options, by their config spelling (`money-names` for `money_names`)."""
        return {f.name.replace("_", "-"): f for f in dataclasses.fields(cls.Options)}


class StatementRule(Rule):
    """A rule called for each targeted event in a target file, during the replay."""

    targets: ClassVar[tuple[type[Event], ...]] = ()

    def check(self, event: Any, ctx: RuleContext) -> Iterator[Report]:
        """Yield a report for each problem with `event`."""
        raise NotImplementedError


class SchemaRule(Rule):
    """A rule called once with the whole replayed schema."""

    def check(self, ctx: SchemaContext) -> Iterator[Report]:
        """Yield a report for each problem in the schema."""
        raise NotImplementedError


@dataclass(frozen=True)
class RuleDoc:
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
    for chunk in re.split(r"^## ", rest, flags=re.M)[1:]:
        title, _, body = chunk.partition("\n")
        sections[title.strip()] = body.strip()
    return RuleDoc(summary=summary.strip(), sections=sections, markdown=text)


class EngineRule(Rule):
    """A code the engine itself reports (DBA000-DBA004): documented and selectable like any
    rule, but with no `check` of its own."""
