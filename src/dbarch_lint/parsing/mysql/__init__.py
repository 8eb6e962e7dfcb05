"""MySQL: sqlglot's parse lowered to the IR."""
