"""Checking: the rule base and context, the engine (replay, dispatch, rule isolation), the
workers, and the selection of what is reported (suppressions, per-file ignores, severity)."""
