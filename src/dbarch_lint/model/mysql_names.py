"""MySQL's names as a statement must write them: backquoted only where needed.

MySQL folds no identifier when it parses one; how it compares them is the server's business
(MySQL 8.0 Reference Manual, 11.2.3 "Identifier Case Sensitivity",
https://dev.mysql.com/doc/refman/8.0/en/identifier-case-sensitivity.html): table names are
case-sensitive where `lower_case_table_names=0` (the default on Linux and other Unix), stored in
lower case with 1 (Windows) and kept as written but compared in lower case with 2 (macOS);
column and index names are case-insensitive on every platform. So the catalog compares
MySQL names folded (a history written on macOS or Windows may spell one table two ways), and
shows each as the history first wrote it: that spelling works on every server.
"""

from __future__ import annotations

import functools

from dbarch_lint.model.regex import lazy

# Unquoted identifiers use [0-9a-zA-Z$_] (11.2 "Schema Object Names"); one of digits only, or
# digits then `e` (read as a number), must be quoted too.
_PLAIN = lazy(r"[A-Za-z0-9_$]+")
_NUMBER = lazy(r"[0-9]+([eE][0-9+-]*)?")


def quote_mysql_ident(name: str) -> str:
    """Render a MySQL identifier the way a user would have to write it: as spelt, backquoted
    where it is a reserved word, holds a character outside `[A-Za-z0-9_$]` or reads as a
    number."""
    if _PLAIN.fullmatch(name) and not _NUMBER.fullmatch(name) and name.lower() not in _reserved():
        return name
    return "`" + name.replace("`", "``") + "`"


@functools.cache
def _reserved() -> frozenset[str]:
    """MySQL 8.0's reserved words (11.3 "Keywords and Reserved Words"), which must be
    backquoted as identifiers: the list sqlglot's MySQL generator quotes (imported when a MySQL
    name is first shown: a run of PostgreSQL files never loads sqlglot)."""
    from sqlglot.dialects.mysql import MySQL

    return frozenset(word.lower() for word in MySQL.Generator.RESERVED_KEYWORDS)
