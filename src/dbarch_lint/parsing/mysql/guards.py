"""Catalog guards in MySQL conditions: what an `IF(...)`, `CASE WHEN`, or a procedure's `IF`
says about the schema.

MySQL histories test the catalog before they change it (MySQL 8.0 Reference Manual, 28.3
"INFORMATION_SCHEMA Tables": `COLUMNS`, `TABLES`, `STATISTICS`, `TABLE_CONSTRAINTS`,
`KEY_COLUMN_USAGE`): `(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA =
DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = 'c') = 0` (also `> 0`, `< 1`, `>= 1`, `<> 0`,
`[NOT] EXISTS (SELECT ...)`, and a variable assigned such a count earlier). A condition that is
a conjunction of such tests becomes `Guard`s; the replay then knows which alternative runs when
its schema can tell. Anything else (an `OR`, a test of another catalog column) makes the
condition unknown: no guard, every alternative may run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from sqlglot import exp

from dbarch_lint.model.ir import Guard, QName

_CATALOGS = {
    "columns": "column",
    "tables": "table",
    "statistics": "index",
    "table_constraints": "constraint",
    "key_column_usage": "constraint",
}
_ROLES = {
    "table_name": "table",
    "column_name": "member",
    "index_name": "member",
    "constraint_name": "member",
}
# Tests of the schema (the migration's database: the replay's names are its own) left out.
_SCHEMAS = ("table_schema", "index_schema", "constraint_schema", "table_catalog")
# Tests that narrow the rows: a guard on them says "exists" when true, nothing when false.
_NARROWING = ("constraint_type", "non_unique", "seq_in_index", "data_type", "column_type")


class Test(NamedTuple):
    """What a condition says: the guards that hold when it is true, and whether they are all of
    it (then their negation holds when it is false)."""

    guards: tuple[Guard, ...]
    exact: bool


class Reader:
    """Reads conditions; `counts` holds the variables assigned a catalog count (`@n` or a
    procedure's local `n`, as a count query's guard for "count > 0"), `values` the variables
    holding one known string (`TABLE_NAME = @tablename`)."""

    def __init__(self, counts: Mapping[str, Test], values: Mapping[str, str]) -> None:
        self.counts, self.values = counts, values

    def test(self, condition: exp.Expr | None, outer: exp.Select | None = None) -> Test | None:
        """The guards of `condition` (None: it says nothing the replay can decide). `outer`:
        the query whose `COUNT(*)` a bare `COUNT(*)` in the condition is
        (`SELECT IF(COUNT(*) = 0, ...) INTO @s FROM information_schema.COLUMNS WHERE ...`)."""
        condition = _unwrapped(condition if isinstance(condition, exp.Expression) else None)
        if condition is None:
            return None
        if isinstance(condition, exp.And):
            left, right = self.test(condition.this, outer), self.test(condition.expression, outer)
            if left is None or right is None:
                return None
            return Test(left.guards + right.guards, left.exact and right.exact)
        if isinstance(condition, exp.Not):
            inner = self.test(condition.this, outer)
            return negated(inner)
        if isinstance(condition, exp.Exists):
            return self.query(condition.this)
        if isinstance(condition, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
            return self.comparison(condition, outer)
        if isinstance(condition, (exp.Column, exp.Parameter, exp.Var)):
            return self.counts.get(condition.name.lower())  # (IF(@n, ...): n > 0)
        return None

    def comparison(self, condition: exp.Expression, outer: exp.Select | None) -> Test | None:
        left, right = _unwrapped(condition.this), _unwrapped(condition.expression)
        flip: dict[type, type] = {
            exp.GT: exp.LT,
            exp.LT: exp.GT,
            exp.GTE: exp.LTE,
            exp.LTE: exp.GTE,
        }
        kind: type = type(condition)
        if isinstance(left, exp.Literal) and not isinstance(right, exp.Literal):
            left, right = right, left
            kind = flip.get(kind, kind)
        if not (isinstance(right, exp.Literal) and right.is_number):
            return None
        try:
            number = int(right.this)
        except ValueError:
            return None
        count = self.count(left, outer)
        if count is None:
            return None
        # (a count of rows is never negative: each test is "some row", "no row", or less)
        if (kind, number) in ((exp.GT, 0), (exp.GTE, 1), (exp.NEQ, 0)):
            return count
        if (kind, number) in ((exp.EQ, 0), (exp.LT, 1), (exp.LTE, 0)):
            return negated(count)
        if (kind in (exp.EQ, exp.GTE) and number > 0) or (kind is exp.GT and number > 0):
            return Test(count.guards, False)  # (= 1, > 1: some row, and more)
        return None

    def count(self, value: exp.Expression | None, outer: exp.Select | None) -> Test | None:
        """The guard for "count > 0" of a count `value` stands for."""
        if isinstance(value, (exp.Column, exp.Parameter, exp.Var)):
            return self.counts.get(value.name.lower())
        if isinstance(value, exp.Count) and outer is not None:
            return self.query(outer)
        if (
            isinstance(value, exp.Select)
            and len(value.expressions) == 1
            and isinstance(_unaliased(value.expressions[0]), exp.Count)
        ):
            return self.query(value)
        return None

    def query(self, query: exp.Expression | None) -> Test | None:
        """The guard for "this query over a catalog table finds a row"."""
        query = _unwrapped(query)
        if not isinstance(query, exp.Select) or query.args.get("joins"):
            return None
        source = query.args.get("from_") or query.args.get("from")
        table = source.this if isinstance(source, exp.From) else None
        if not isinstance(table, exp.Table) or table.db.lower() != "information_schema":
            return None
        kind = _CATALOGS.get(table.name.lower())
        where = query.args.get("where")
        if kind is None or not isinstance(where, exp.Where):
            return None
        roles: dict[str, str] = {}
        exact = True
        for test in _conjuncts(where.this):
            if not isinstance(test, exp.EQ):
                return None
            column, value = _unwrapped(test.this), _unwrapped(test.expression)
            if isinstance(column, (exp.Literal, exp.Parameter)) and isinstance(value, exp.Column):
                column, value = value, column
            if not isinstance(column, exp.Column):
                return None
            name = column.name.lower()
            if name in _SCHEMAS:
                continue
            text = self.text(value)
            if name in _NARROWING:
                exact = False
                continue
            role = _ROLES.get(name)
            if role is None or text is None or role in roles:
                return None
            if kind == "table" and role == "member":
                return None
            roles[role] = text
        table_name, member = roles.get("table"), roles.get("member")
        if table_name is None:
            return None
        table_qname = QName(None, table_name.lower())
        if kind == "table":
            guard = Guard("table", table_qname)
        elif member is None:
            return None
        elif kind == "column":
            guard = Guard("column", table_qname, member.lower())
        elif kind == "index":
            if member.upper() == "PRIMARY":
                return None
            guard = Guard("index", QName(None, member.lower()))
        else:
            name = "PRIMARY" if member.upper() == "PRIMARY" else member.lower()  # (MySQL's name)
            guard = Guard("constraint", table_qname, name)
        return Test((guard,), exact)

    def text(self, value: exp.Expression | None) -> str | None:
        """A string literal's value, or a variable's that holds one known string."""
        if isinstance(value, exp.Literal) and value.is_string:
            return str(value.this)
        if isinstance(value, (exp.Parameter, exp.Var)):
            return self.values.get(value.name.lower())
        return None


def negated(test: Test | None) -> Test | None:
    """What holds when a condition is false: only an exact one-guard condition says something."""
    if test is None or not test.exact or len(test.guards) != 1:
        return None
    guard = test.guards[0]
    return Test((Guard(guard.kind, guard.name, guard.member, not guard.exists),), True)


def _unwrapped(value: exp.Expression | None) -> exp.Expression | None:
    while isinstance(value, (exp.Paren, exp.Subquery)):
        value = value.this
    return value


def _unaliased(value: exp.Expression) -> exp.Expression:
    return value.this if isinstance(value, exp.Alias) else value


def _conjuncts(value: exp.Expression) -> list[exp.Expression]:
    value = _unwrapped(value) or value
    if isinstance(value, exp.And):
        return [*_conjuncts(value.this), *_conjuncts(value.expression)]
    return [value]
