"""The language server (`dbarch-lint server`): diagnostics, code actions and hover over LSP."""
