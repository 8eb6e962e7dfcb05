"""Linting in shards on several processes gives exactly what one process gives."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from dbarch_lint.caching.store import Cache
from dbarch_lint.inputs import config as cfg
from dbarch_lint.linting import shards, workers
from dbarch_lint.model.findings import LintResult
from dbarch_lint.orchestration import run as lint_run
from tests.conftest import ROOT, open_cache

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="needs fork")
CORPUS = ROOT.parent / "shared" / "corpus"


def _lint(paths: list[str], jobs: int, cache: Cache | None = None) -> LintResult:
    config = cfg.Config()
    cfg.apply(config, "jobs", jobs)
    return lint_run.execute(lint_run.prepare(paths, config, cwd=str(ROOT)), cache)


@pytest.mark.parametrize("jobs", [2, 3, 5])
def test_shards_cover_the_files_in_order(jobs: int) -> None:
    weights = [3000, 10, 500_000, 1, 0, 250_000, 700_000, 90_000, 5] * 3
    bounds = shards.divide(weights, jobs)
    assert 1 < len(bounds) <= jobs
    assert bounds[0][0] == 0 and bounds[-1][1] == len(weights)
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(bounds))


def test_a_small_run_is_one_shard() -> None:
    assert shards.divide([1000, 2000], 8) == [(0, 2)]


@pytest.mark.parametrize("jobs", [2, 3])
def test_sharded_lint_equals_one_process(monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    """Shards replay what the shards before them parsed (down migrations, renames, later
    indexes, suppressions and schema rules all depend on it)."""
    paths = [str(CORPUS / "lemmy")] if CORPUS.is_dir() else ["docs/examples"]
    alone = _lint(paths, 1)
    monkeypatch.setattr(shards, "MIN_SHARD_WORK", 1)
    assert len(shards.divide([1] * 10, jobs)) == jobs
    sharded = _lint(paths, jobs)
    assert sharded == alone
    assert alone.findings


def test_every_shard_fills_the_parse_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(6):
        (tmp_path / f"{n:04}.sql").write_text(f"CREATE TABLE t{n} (id serial PRIMARY KEY);\n")
    monkeypatch.setattr(shards, "MIN_SHARD_WORK", 1)
    cache = open_cache(tmp_path)
    config = cfg.Config()
    cfg.apply(config, "jobs", 3)
    run = lint_run.prepare([str(tmp_path)], config, cwd=str(tmp_path))
    lint_run.execute(run, cache)
    assert all(cache.get_parsed(item.digest) is not None for item in run.inputs)


def _publish_number(number: int, exchange: workers.Exchange) -> list[int]:
    exchange.publish(bytes([number]))
    return [data[0] for data in exchange.gather()]


def test_each_shard_gathers_what_the_earlier_ones_published() -> None:
    results = workers.run_shards(4, _publish_number, bytes, list)
    assert results == [[], [0], [0, 1], [0, 1, 2]]


def _fails_in_a_worker(number: int, exchange: workers.Exchange) -> bytes:
    if number == 1:
        raise ValueError("broken shard")
    return b""


def _dies_in_a_worker(number: int, exchange: workers.Exchange) -> bytes:
    if number == 1:
        os._exit(3)
    return b""


def test_a_failing_worker_fails_the_run_with_its_traceback() -> None:
    with pytest.raises(RuntimeError, match="ValueError: broken shard"):
        workers.run_shards(2, _fails_in_a_worker, bytes, bytes)
    with pytest.raises(RuntimeError, match="exit code 3"):
        workers.run_shards(2, _dies_in_a_worker, bytes, bytes)
