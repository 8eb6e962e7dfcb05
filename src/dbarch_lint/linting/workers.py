"""Running the shards of a lint on every core: shard 0 in this process, the others in forked
workers, which inherit everything prepared so far (inputs, config, rules) without copying.

Shards are ordered (the replay order) and a later shard needs what earlier ones produced (their
parsed files, to replay them before its own): each shard `publish`es bytes to every later shard
and `gather`s what every earlier shard published.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

T = TypeVar("T")
_POLL_SECONDS = 0.05  # how often a waiting parent checks that its workers are alive


def can_fork() -> bool:
    """Whether this platform can fork workers (else every run is one shard)."""
    import multiprocessing  # (costs start-up time: a small run never needs it)

    return "fork" in multiprocessing.get_all_start_methods()


class Exchange:
    """A shard's view of the others: what it publishes reaches every later shard."""

    def __init__(self, number: int, inboxes: list[Any]) -> None:
        self.number, self.inboxes = number, inboxes

    def publish(self, data: bytes) -> None:
        """Send `data` to every later shard (without waiting for them to read it)."""
        for inbox in self.inboxes[self.number + 1 :]:
            inbox.put((self.number, data))

    def gather(self) -> list[bytes]:
        """What every earlier shard published, in shard order (waits for all of them)."""
        if self.number == 0:
            return []
        received = [self.inboxes[self.number].get() for _ in range(self.number)]
        return [data for _, data in sorted(received)]


def run_shards(
    count: int,
    job: Callable[[int, Exchange], T],
    encode: Callable[[T], bytes],
    decode: Callable[[bytes], T],
) -> list[T]:
    """`job(number, exchange)` for every shard number, in order; workers hand results back
    encoded. A worker that fails raises here, with its traceback."""
    if count == 1:
        return [job(0, Exchange(0, []))]
    import multiprocessing  # (these cost start-up time: a small run never needs them)
    import traceback

    context = multiprocessing.get_context("fork")
    inboxes = [context.Queue() for _ in range(count)]
    results = context.Queue()

    def child(number: int) -> None:
        try:
            outcome: tuple[bytes | None, str | None] = (
                encode(job(number, Exchange(number, inboxes))),
                None,
            )
        except BaseException:
            outcome = (None, traceback.format_exc())
        results.put((number, *outcome))

    workers = [context.Process(target=child, args=(n,), daemon=True) for n in range(1, count)]
    for worker in workers:
        worker.start()
    try:
        first = job(0, Exchange(0, inboxes))
        received = _collect(results, workers)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
    return [first, *(decode(received[n]) for n in range(1, count))]


def _collect(results: Any, workers: Sequence[BaseProcess]) -> dict[int, bytes]:
    import queue

    received: dict[int, bytes] = {}
    while len(received) < len(workers):
        try:
            number, data, failure = results.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            dead = [w for w in workers if w.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(
                    f"a worker process died (exit code {dead[0].exitcode})"
                ) from None
            continue
        if failure is not None:
            raise RuntimeError(f"a worker process failed:\n{failure}")
        received[number] = data
    return received
