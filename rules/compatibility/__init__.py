"""DBA5xx: compatibility (breaks running code or loses data)."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("dba501_column_drop", "ColumnDrop"),
        ("dba502_column_rename", "ColumnRename"),
        ("dba503_table_rename", "TableRename"),
        ("dba504_table_drop", "TableDrop"),
        ("dba505_schema_or_database_drop", "SchemaOrDatabaseDrop"),
        ("dba506_truncate", "Truncate"),
        ("dba507_required_column_addition", "RequiredColumnAddition"),
        ("dba508_not_null_drop", "NotNullDrop"),
        ("dba509_object_drop", "ObjectDrop"),
        ("dba510_object_rename", "ObjectRename"),
        ("dba511_cascade_drop", "CascadeDrop"),
    ),
)
