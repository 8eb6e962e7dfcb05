"""DBA9xx: MySQL 8.0 online DDL (what InnoDB cannot change while the table takes writes)."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("dba901_mysql_table_copying_alter", "MysqlTableCopyingAlter"),
        ("dba902_mysql_missing_online_ddl_clause", "MysqlMissingOnlineDdlClause"),
        ("dba903_mysql_blocking_index_addition", "MysqlBlockingIndexAddition"),
        ("dba904_mysql_inline_references_ignored", "MysqlInlineReferencesIgnored"),
    ),
)
