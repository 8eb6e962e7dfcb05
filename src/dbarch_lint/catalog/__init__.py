"""The replayed schema (tables, columns, constraints, indexes over time) and what PostgreSQL
knows of the names it invents, the locks statements take and the volatility of functions."""
