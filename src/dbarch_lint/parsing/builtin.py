"""The built-in parsers, registered as a plugin (`plugins.host.BUILTIN_PLUGINS`)."""

from __future__ import annotations

from collections.abc import Mapping

from dbarch_lint.model.ir import ParsedFile
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.parser import parse_postgres
from dbarch_lint.parsing.stage import Parser
from dbarch_lint.plugins.markers import hookimpl


def parse_mysql(source: SourceFile) -> ParsedFile:
    """MySQL, through sqlglot (which loads only for it: a PostgreSQL run never imports it)."""
    from dbarch_lint.parsing.mysql.parser import parse_mysql as parse

    return parse(source)


def parse_sequelize(source: SourceFile) -> ParsedFile:
    """Sequelize migrations (JavaScript, TypeScript), through tree-sitter (loaded only for them)."""
    from dbarch_lint.parsing.sequelize.parser import parse_sequelize as parse

    return parse(source)


PARSERS: Mapping[str, Parser] = {
    "postgres": parse_postgres,
    "mysql": parse_mysql,
    "sequelize": parse_sequelize,
}


@hookimpl
def dbarch_lint_parsers() -> Mapping[str, Parser]:
    return PARSERS
