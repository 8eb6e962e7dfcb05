"""A rule's documentation split into sections (`rule_base._parse_doc`)."""

from __future__ import annotations

import inspect
import re

from dbarch_lint.linting.rule_base import _parse_doc
from dbarch_lint.plugins.host import PluginHost


def _sections_by_regex(docstring: str) -> dict[str, str]:
    """The sections as `## ` at the start of a line splits them."""
    rest = inspect.cleandoc(docstring).partition("\n")[2]
    sections = {}
    for chunk in re.split(r"^## ", rest, flags=re.M)[1:]:
        title, _, body = chunk.partition("\n")
        sections[title.strip()] = body.strip()
    return sections


def test_every_rule_documentation_is_split_at_each_heading() -> None:
    for rule in PluginHost(autoload=False).rules():
        doc = rule.__doc__ or ""
        assert _parse_doc(doc).sections == _sections_by_regex(doc), rule.code


def test_headings_anywhere() -> None:
    for doc in ("## A\nx\n## B\n", "s\n## A\n\n## B\ny ## C\n##  D\n  z\n", "s\n\n## \n", "s"):
        assert _parse_doc(doc).sections == _sections_by_regex(doc)
