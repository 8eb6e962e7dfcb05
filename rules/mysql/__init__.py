"""DBA9xx: MySQL 8.0 online DDL (what InnoDB cannot change while the table takes writes)."""

from dbarch_lint.rules.mysql.dba901_mysql_table_copying_alter import MysqlTableCopyingAlter
from dbarch_lint.rules.mysql.dba902_mysql_missing_online_ddl_clause import (
    MysqlMissingOnlineDdlClause,
)
from dbarch_lint.rules.mysql.dba903_mysql_blocking_index_addition import (
    MysqlBlockingIndexAddition,
)
from dbarch_lint.rules.mysql.dba904_mysql_inline_references_ignored import (
    MysqlInlineReferencesIgnored,
)

RULES = (
    MysqlTableCopyingAlter,
    MysqlMissingOnlineDdlClause,
    MysqlBlockingIndexAddition,
    MysqlInlineReferencesIgnored,
)
