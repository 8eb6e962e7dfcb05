"""DBA6xx: transactions and migration hygiene."""

from dbarch_lint.rules.transactions.dba601_nested_transaction import NestedTransaction
from dbarch_lint.rules.transactions.dba602_unterminated_transaction import (
    UnterminatedTransaction,
)

RULES = (NestedTransaction, UnterminatedTransaction)
