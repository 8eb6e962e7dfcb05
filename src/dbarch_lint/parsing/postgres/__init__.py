"""PostgreSQL: pglast's parse lowered to the IR."""
