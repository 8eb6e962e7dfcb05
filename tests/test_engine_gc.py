"""A lint runs with no cyclic garbage collection (as the command line does), and leaves the
collector as it found it: the Python API and the language server lint with it on."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from dbarch_lint.api import lint_sql
from dbarch_lint.linting import shards


@pytest.fixture
def collector_seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    seen: list[bool] = []
    lint_in_shards = shards.lint_in_shards

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return lint_in_shards(*args, **kwargs)

    monkeypatch.setattr(shards, "lint_in_shards", spy)
    was = gc.isenabled()
    yield seen
    if was:
        gc.enable()
    else:
        gc.disable()


def test_a_lint_pauses_the_collector_and_turns_it_back_on(collector_seen: list[bool]) -> None:
    gc.enable()
    findings = lint_sql("CREATE TABLE t (id int PRIMARY KEY);")
    assert findings  # (it linted)
    assert collector_seen == [False]
    assert gc.isenabled()


def test_a_lint_leaves_a_paused_collector_paused(collector_seen: list[bool]) -> None:
    gc.disable()
    lint_sql("CREATE TABLE t (id int PRIMARY KEY);")
    assert collector_seen == [False]
    assert not gc.isenabled()


def test_a_lint_leaves_nothing_frozen(collector_seen: list[bool]) -> None:
    # (what it left alive goes to the oldest generation by way of gc.freeze and gc.unfreeze)
    gc.enable()
    lint_sql("CREATE TABLE t (id int PRIMARY KEY);")
    assert gc.get_freeze_count() == 0


def test_a_lint_leaves_the_programs_frozen_objects_frozen(collector_seen: list[bool]) -> None:
    gc.enable()
    mine = [object()]  # (tracked: frozen with the rest)
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 0
        lint_sql("CREATE TABLE t (id int PRIMARY KEY);")
        assert gc.get_freeze_count() > 0
        assert not any(item is mine for item in gc.get_objects())  # (still frozen)
    finally:
        gc.unfreeze()
    assert any(item is mine for item in gc.get_objects())
