"""Sequelize migrations (JavaScript and TypeScript, through tree-sitter) lowered to the IR."""
