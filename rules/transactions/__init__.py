"""DBA6xx: transactions and migration hygiene."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("dba601_nested_transaction", "NestedTransaction"),
        ("dba602_unterminated_transaction", "UnterminatedTransaction"),
        ("dba603_missing_statement_timeout", "MissingStatementTimeout"),
        ("dba604_non_idempotent_ddl", "NonIdempotentDdl"),
        ("dba605_out_of_order_migration", "OutOfOrderMigration"),
        ("dba606_statement_outside_transaction", "StatementOutsideTransaction"),
    ),
)
