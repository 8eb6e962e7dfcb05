"""Built-in reporters, registered through the same hook as third-party formats."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from dbarch_lint.plugins.markers import hookimpl
from dbarch_lint.reporting import Reporter

# Each built-in format by `--format` name: its module and class, imported when it is used (a
# run renders one or two formats).
_FORMATS = {
    "text": ("text", "TextReporter"),
    "json": ("json_report", "JsonReporter"),
    "sarif": ("sarif", "SarifReporter"),
    "github": ("github", "GithubReporter"),
    "gcc": ("gcc", "GccReporter"),
    "gitlab": ("gitlab", "GitlabReporter"),
}


class _Formats(Mapping[str, type[Reporter]]):
    """The built-in formats by name, each imported on first use."""

    def __getitem__(self, name: str) -> type[Reporter]:
        module, cls = _FORMATS[name]
        found: type[Reporter] = getattr(
            importlib.import_module(f"dbarch_lint.reporting.{module}"), cls
        )
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(_FORMATS)

    def __len__(self) -> int:
        return len(_FORMATS)


def reporters() -> Mapping[str, type[Reporter]]:
    """Every built-in format by `--format` name (each imported when it is looked up)."""
    return _Formats()


@hookimpl
def dbarch_lint_reporters() -> Mapping[str, type[Reporter]]:
    """Built-in formats."""
    return reporters()
