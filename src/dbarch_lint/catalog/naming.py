"""The names PostgreSQL invents for unnamed constraints and indexes."""

from __future__ import annotations

from collections.abc import Container

MAX_IDENTIFIER_BYTES = 63


def make_object_name(name1: str, name2: str | None, label: str) -> str:
    """PostgreSQL's `makeObjectName`: `name1_name2_label`, shortening the longer name first so
    the whole fits in 63 bytes and the label survives."""
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
