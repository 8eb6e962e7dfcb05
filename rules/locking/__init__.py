"""DBA4xx: locks that stall production traffic and table rewrites (PostgreSQL)."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("dba401_non_concurrent_index_creation", "NonConcurrentIndexCreation"),
        ("dba402_non_concurrent_index_drop", "NonConcurrentIndexDrop"),
        ("dba403_non_concurrent_reindex", "NonConcurrentReindex"),
        ("dba404_concurrent_operation_in_transaction", "ConcurrentOperationInTransaction"),
        ("dba405_rewriting_column_default", "RewritingColumnDefault"),
        ("dba406_stored_generated_column_addition", "StoredGeneratedColumnAddition"),
        ("dba407_column_type_change", "ColumnTypeChange"),
        ("dba408_set_not_null_with_scan", "SetNotNullWithScan"),
        ("dba409_constraint_without_not_valid", "ConstraintWithoutNotValid"),
        ("dba410_validate_in_same_transaction", "ValidateInSameTransaction"),
        ("dba411_unique_constraint_without_index", "UniqueConstraintWithoutIndex"),
        ("dba412_exclusion_constraint_addition", "ExclusionConstraintAddition"),
        ("dba413_missing_lock_timeout", "MissingLockTimeout"),
        ("dba414_blocking_table_rewrite", "BlockingTableRewrite"),
        ("dba415_non_concurrent_materialized_view_refresh", "NonConcurrentMaterializedViewRefresh"),
        ("dba416_non_concurrent_partition_detach", "NonConcurrentPartitionDetach"),
        ("dba417_enum_value_added_in_transaction", "EnumValueAddedInTransaction"),
        ("dba418_backfill_in_ddl_transaction", "BackfillInDdlTransaction"),
        ("dba419_multiple_tables_locked_exclusively", "MultipleTablesLockedExclusively"),
        ("dba420_unique_constraint_on_existing_data", "UniqueConstraintOnExistingData"),
        ("dba421_repeated_table_alteration", "RepeatedTableAlteration"),
    ),
)
