"""The `dbarch-lint` program (and `python -m dbarch_lint`): a command repeated with nothing
changed gets its last answer straight back (`shortcut`); any other runs the command line."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Answer from the shortcut, else run the command line (both leave the process)."""
    from dbarch_lint import shortcut

    code = shortcut.answer(sys.argv[1:])
    if code is None:
        from dbarch_lint.cli import run

        run()
    sys.stdout.flush()
    os._exit(code)  # (as the command line leaves: nothing to tear down)


if __name__ == "__main__":
    main()
