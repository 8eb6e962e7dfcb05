"""This release's version (also in pyproject.toml; tests/test_packaging.py keeps them equal)."""

__version__ = "0.1.0"
