"""Parsing every input: from the cache when it holds the file, else in worker processes.

Files are independent until the replay, so the ones the cache lacks are parsed in parallel (`-j`);
workers hand the IR back as msgpack, which is cheap to decode. One file, or `-j 1`, never starts
a process pool.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from dbarch_lint.cache import Cache, decode_parsed, encode_parsed
from dbarch_lint.discovery import Input
from dbarch_lint.ir import ParsedFile
from dbarch_lint.parsing.postgres import parse_postgres
from dbarch_lint.source import SourceFile

_CHUNKS_PER_JOB = 4  # smaller chunks balance the load; fewer cost less to hand over

_Task = tuple[int, str, str, str]  # input index, path, text, content hash


def parse_inputs(inputs: Sequence[Input], jobs: int, cache: Cache | None) -> list[ParsedFile]:
    """The parse of every input, in order (an unreadable one carries its DBA004)."""
    parsed: dict[int, ParsedFile] = {}
    tasks: list[_Task] = []
    for index, item in enumerate(inputs):
        if item.text is None:
            parsed[index] = ParsedFile((), (item.problem,) if item.problem else (), ())
            continue
        hit = cache.get_parsed(item.digest) if cache is not None else None
        if hit is not None:
            parsed[index] = hit
        else:
            tasks.append((index, item.path, item.text, item.digest))
    if jobs > 1 and len(tasks) > 1:
        import multiprocessing

        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        work = functools.partial(_parse_chunk, cache=cache)
        with context.Pool(min(jobs, len(tasks))) as pool:
            for results in pool.imap(work, _chunks(tasks, jobs * _CHUNKS_PER_JOB)):
                for index, encoded in results:
                    parsed[index] = decode_parsed(encoded)
    else:
        for index, path, text, content in tasks:
            result = parse_postgres(SourceFile(path, text))
            if cache is not None:
                cache.put_parsed(content, encode_parsed(result))
            parsed[index] = result
    return [parsed[index] for index in range(len(inputs))]


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
