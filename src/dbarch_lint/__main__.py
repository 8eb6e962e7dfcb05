"""The `dbarch-lint` program (and `python -m dbarch_lint`)."""

from __future__ import annotations

import gc
import os
import sys


def main() -> None:
    """Run the command line (it leaves the process)."""
    # No cyclic garbage collection from the start (as `run` says why): the collections the
    # imports would set off only go over the modules and classes they make, which stay.
    gc.disable()
    from dbarch_lint.cli import run

    run()


def _without_working_directory(path: list[str]) -> list[str]:
    """`sys.path` without the entry `python -m` puts first: the working directory. Through it a
    checkout's own modules, or a planted `*.dist-info` declaring a plugin, would be imported as
    plugins: code from the linted files would run. (The `dbarch-lint` program has the folder of
    its script there instead.)"""
    if path and not sys.flags.safe_path and os.path.abspath(path[0] or ".") == os.getcwd():
        return path[1:]
    return path


if __name__ == "__main__":
    sys.path[:] = _without_working_directory(sys.path)
    main()
