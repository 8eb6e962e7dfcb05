"""The command line run in this process, as click's `CliRunner` ran it: arguments in; stdout,
stderr (and both as the user saw them, interleaved), the exit code and any exception out."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any


class _Recorded(io.BytesIO):
    """A stream's bytes, also added to what both streams showed."""

    def __init__(self, shown: bytearray) -> None:
        super().__init__()
        self.shown = shown

    def write(self, data: Any) -> int:
        self.shown += data
        return super().write(data)


class Result:
    def __init__(
        self, exit_code: int, out: bytes, err: bytes, shown: bytes, exception: BaseException | None
    ) -> None:
        self.exit_code = exit_code
        self.stdout_bytes = out
        self.stderr_bytes = err
        self.output_bytes = shown
        self.exception = exception

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", "replace").replace("\r\n", "\n")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", "replace").replace("\r\n", "\n")

    @property
    def output(self) -> str:
        """stdout and stderr interleaved, as a terminal shows them."""
        return self.output_bytes.decode("utf-8", "replace").replace("\r\n", "\n")


class CliRunner:
    """`CliRunner().invoke(main, ["check", ...], input=..., env=..., catch_exceptions=...)`."""

    def invoke(
        self,
        main: Callable[[Sequence[str]], Any],
        args: Sequence[str] = (),
        input: str | bytes | None = None,
        env: Mapping[str, str | None] | None = None,
        catch_exceptions: bool = True,
    ) -> Result:
        shown = bytearray()
        out, err = _Recorded(shown), _Recorded(shown)
        data = input.encode("utf-8") if isinstance(input, str) else input or b""
        streams = (
            io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"),
            io.TextIOWrapper(out, encoding="utf-8"),
            io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace"),
        )
        exception: BaseException | None = None
        with _environment(env or {}), _streams(*streams):
            try:
                main(list(args))
                code = 0
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else 0 if done.code is None else 1
                if done.code is not None and not isinstance(done.code, int):
                    streams[1].write(f"{done.code}\n")
                if code != 0:
                    exception = done
            except Exception as error:  # (what the test then looks at)
                if not catch_exceptions:
                    raise
                exception, code = error, 1
            finally:
                for stream in streams[1:]:
                    stream.flush()
        return Result(code, out.getvalue(), err.getvalue(), bytes(shown), exception)


@contextmanager
def _streams(stdin: Any, stdout: Any, stderr: Any) -> Iterator[None]:
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


@contextmanager
def _environment(env: Mapping[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env}
    try:
        for name, value in env.items():
            _set(name, value)
        yield
    finally:
        for name, value in saved.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
