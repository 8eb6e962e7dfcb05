"""The Python API for tools that embed the linter: `lint_paths` and `lint_sql`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dbarch_lint.inputs import config as cfg
from dbarch_lint.inputs import discovery
from dbarch_lint.model.findings import Finding, LintResult
from dbarch_lint.orchestration.commands import load_config
from dbarch_lint.orchestration.run import execute, prepare


def lint_paths(
    paths: Sequence[str],
    *,
    config_path: str | None = None,
    cwd: str | None = None,
    **settings: Any,
) -> LintResult:
    """Lint files as `dbarch-lint check` would; `settings` override the config (snake_case keys)."""
    config = load_config(config_path, cwd)
    for key, value in settings.items():
        if value is not None:
            cfg.apply(config, key.replace("_", "-"), value, where="lint_paths()")
    return execute(prepare(paths, config, cwd))


def lint_sql(sql: str, *, path: str = "<string>.sql", **settings: Any) -> list[Finding]:
    """Lint one SQL text with default settings (plus `settings`); return its findings."""
    config = cfg.Config()
    for key, value in settings.items():
        cfg.apply(config, key.replace("_", "-"), value, where="lint_sql()")
    run = prepare([discovery.STDIN], config, stdin=sql, stdin_filename=path)
    return list(execute(run).findings)
