"""The names PostgreSQL invents for unnamed constraints and indexes.

Pure knowledge of PostgreSQL's naming: the caller (the schema) says which names are taken, these
functions say what PostgreSQL would call the new object.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

from dbarch_lint.model import ir

MAX_IDENTIFIER_BYTES = 63

# The constraints PostgreSQL backs with an index, whose name they share.
INDEX_BACKED: tuple[ir.ConstraintKind, ...] = ("primary-key", "unique", "exclude")


def make_object_name(name1: str, name2: str | None, label: str) -> str:
    """PostgreSQL's `makeObjectName`: `name1_name2_label`, shortening the longer name first so
    the whole fits in 63 bytes and the label survives."""
    made = f"{name1}_{label}" if name2 is None else f"{name1}_{name2}_{label}"
    if len(made.encode()) <= MAX_IDENTIFIER_BYTES:  # (most names: nothing to shorten)
        return made
    one, two = name1.encode(), name2.encode() if name2 is not None else b""
    available = MAX_IDENTIFIER_BYTES - len(label.encode()) - 1 - (1 if name2 is not None else 0)
    len1, len2 = len(one), len(two)
    while len1 + len2 > available:
        if len1 > len2:
            len1 -= 1
        else:
            len2 -= 1
    parts = [one[:len1].decode(errors="ignore")]
    if name2 is not None:
        parts.append(two[:len2].decode(errors="ignore"))
    return "_".join([*parts, label])


def choose_name(name1: str, name2: str | None, label: str, taken: Container[str]) -> str:
    """PostgreSQL's `ChooseRelationName`/`ChooseConstraintName`: numbered on a clash."""
    name, counter = make_object_name(name1, name2, label), 0
    while name in taken:
        counter += 1
        name = make_object_name(name1, name2, f"{label}{counter}")
    return name


def index_column_names(keys: Sequence[str]) -> list[str]:
    """PostgreSQL's `ChooseIndexColumnNames`: each key's name (`IndexElem.name_part`, the
    INCLUDE columns after the keys), numbered when an earlier key took it (`(a, a)`: `a`, `a1`)."""
    names: list[str] = []
    for key in keys:
        name, counter = key, 0
        while name in names:
            counter += 1
            suffix = str(counter).encode()
            cut = key.encode()[: MAX_IDENTIFIER_BYTES - len(suffix)].decode(errors="ignore")
            name = cut + suffix.decode()
        names.append(name)
    return names


def named_columns(constraint: ir.Constraint) -> list[str]:
    """The columns PostgreSQL names an unnamed constraint after (a table CHECK: those it uses)."""
    if constraint.kind == "check" and not constraint.column_level:
        return list(constraint.check_columns)
    return list(constraint.columns)


def invented_constraint_name(
    table: str,
    kind: ir.ConstraintKind,
    columns: Sequence[str],
    constraints: Container[str],
    relations: Container[str],
) -> str:
    """The name PostgreSQL gives an unnamed constraint of `kind` on `table` over `columns`
    (`named_columns`): `<table>_pkey`, `<table>_<columns>_key`, `_fkey`, `_excl`, `_check`.

    `constraints`: the names the table's constraints take; `relations`: the names taken in the
    table's schema, which an index-backed constraint must also avoid (its index shares its name).
    """
    label = {"primary-key": "pkey", "unique": "key", "foreign-key": "fkey"}.get(kind, "")
    if kind == "primary-key":
        detail = None
    elif kind == "check":
        distinct = list(dict.fromkeys(columns))
        detail, label = (distinct[0] if len(distinct) == 1 else None), "check"
    else:
        detail, label = "_".join(columns) or None, label or "excl"
    taken = _Either(constraints, relations) if kind in INDEX_BACKED else constraints
    return choose_name(table, detail, label, taken)


def either(first: Container[str], second: Container[str]) -> Container[str]:
    """The names taken in either of two namespaces."""
    return _Either(first, second)


class _Either:
    """`name in either`: taken in either of two namespaces."""

    def __init__(self, first: Container[str], second: Container[str]) -> None:
        self.first, self.second = first, second

    def __contains__(self, name: object) -> bool:
        # (two tests, no generator: asked of every name tried)
        return name in self.first or name in self.second
