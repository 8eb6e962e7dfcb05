"""Linting: the rule base and context rules see (`rule_base`, `context`), and the engine that
runs them, entered through `engine.lint`: shards and workers, the history and its replay,
checking (dispatch and rule isolation), turning reports into findings, and the one `selection`
module that decides what is reported (suppressions, per-file ignores, severity, DBA003).
`baseline` records a run's findings and hides them from later runs."""
