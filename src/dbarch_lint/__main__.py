"""The `dbarch-lint` program (and `python -m dbarch_lint`)."""

from __future__ import annotations

from dbarch_lint.cli import run


def main() -> None:
    """Run the command line (it leaves the process)."""
    run()


if __name__ == "__main__":
    main()
