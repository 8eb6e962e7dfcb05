"""Errors that stop a run with exit code 2 and a one-line message (never a traceback)."""


class DbarchLintError(Exception):
    """Base of the tool's own errors."""


class UsageError(DbarchLintError):
    """A bad command line or configuration."""


class PluginError(DbarchLintError):
    """A plugin failed to load or broke the plugin contract."""
