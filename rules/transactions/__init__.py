"""DBA6xx: transactions and migration hygiene."""

from dbarch_lint.rules.transactions.dba601_nested_transaction import NestedTransaction
from dbarch_lint.rules.transactions.dba602_unterminated_transaction import (
    UnterminatedTransaction,
)
from dbarch_lint.rules.transactions.dba603_missing_statement_timeout import (
    MissingStatementTimeout,
)
from dbarch_lint.rules.transactions.dba604_non_idempotent_ddl import NonIdempotentDdl
from dbarch_lint.rules.transactions.dba605_out_of_order_migration import OutOfOrderMigration
from dbarch_lint.rules.transactions.dba606_statement_outside_transaction import (
    StatementOutsideTransaction,
)

RULES = (
    NestedTransaction,
    UnterminatedTransaction,
    MissingStatementTimeout,
    NonIdempotentDdl,
    OutOfOrderMigration,
    StatementOutsideTransaction,
)
