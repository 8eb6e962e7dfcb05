"""`python -m dbarch_lint` runs the command line."""

from dbarch_lint.cli import run

run()
