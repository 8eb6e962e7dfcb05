"""Parsing every input: from the cache when it holds the file, else in worker processes.

Files are independent until the replay, so the ones the cache lacks are parsed in parallel (`-j`);
workers hand the IR back as msgpack, which is cheap to decode. One file, or `-j 1`, never starts
a process pool.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

from dbarch_lint.cache import Cache, decode_parsed, encode_parsed
from dbarch_lint.discovery import Input
from dbarch_lint.ir import ParsedFile
from dbarch_lint.parsing.postgres import parse_postgres
from dbarch_lint.source import SourceFile

_CHUNKS_PER_JOB = 4  # smaller chunks balance the load; fewer cost less to hand over

_Task = tuple[int, str, str, str]  # input index, path, text, content hash


def iter_parsed(inputs: Sequence[Input], jobs: int, cache: Cache | None) -> Iterator[ParsedFile]:
    """The parse of every input, in order, each as soon as it is ready (an unreadable input
    carries its DBA004). With workers, the caller replays early files while later ones parse."""
    ready: dict[int, ParsedFile] = {}
    tasks: list[_Task] = []
    for index, item in enumerate(inputs):
        if item.text is None:
            ready[index] = ParsedFile((), (item.problem,) if item.problem else (), ())
            continue
        hit = cache.get_parsed(item.digest) if cache is not None else None
        if hit is not None:
            ready[index] = hit
        else:
            tasks.append((index, item.path, item.text, item.digest))
    if jobs <= 1 or len(tasks) <= 1:
        for index in range(len(inputs)):
            if index not in ready:
                item = inputs[index]
                parsed = parse_postgres(SourceFile(item.path, item.text or ""))
                if cache is not None:
                    cache.put_parsed(item.digest, encode_parsed(parsed))
                ready[index] = parsed
            yield ready.pop(index)
        return
    import multiprocessing  # costs start-up time; a single file never needs it

    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    work = functools.partial(_parse_chunk, cache=cache)
    with context.Pool(min(jobs, len(tasks))) as pool:
        arriving = pool.imap(work, _chunks(tasks, jobs * _CHUNKS_PER_JOB))
        for index in range(len(inputs)):
            while index not in ready:
                for done, encoded in next(arriving):
                    ready[done] = decode_parsed(encoded)
            yield ready.pop(index)


def _parse_chunk(tasks: list[_Task], cache: Cache | None) -> list[tuple[int, bytes]]:
    """In a worker: parse files and return their IR encoded (stored in the cache too)."""
    results = []
    for index, path, text, content in tasks:
        encoded = encode_parsed(parse_postgres(SourceFile(path, text)))
        if cache is not None:
            cache.put_parsed(content, encoded)
        results.append((index, encoded))
    return results


def _chunks(tasks: list[_Task], count: int) -> list[list[_Task]]:
    """Consecutive runs of tasks of about equal text size."""
    size = max(1, sum(len(t[2]) for t in tasks) // count)
    chunks: list[list[_Task]] = [[]]
    filled = 0
    for task in tasks:
        if filled >= size:
            chunks.append([])
            filled = 0
        chunks[-1].append(task)
        filled += len(task[2])
    return chunks
