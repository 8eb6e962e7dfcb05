"""DBA3xx: indexing."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("dba301_unindexed_foreign_key", "UnindexedForeignKey"),
        ("dba302_redundant_index", "RedundantIndex"),
    ),
)
