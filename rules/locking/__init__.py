"""DBA4xx: locks that stall production traffic and table rewrites (PostgreSQL)."""

from dbarch_lint.rules.locking.dba401_non_concurrent_index_creation import (
    NonConcurrentIndexCreation,
)
from dbarch_lint.rules.locking.dba402_non_concurrent_index_drop import NonConcurrentIndexDrop
from dbarch_lint.rules.locking.dba403_non_concurrent_reindex import NonConcurrentReindex
from dbarch_lint.rules.locking.dba404_concurrent_operation_in_transaction import (
    ConcurrentOperationInTransaction,
)
from dbarch_lint.rules.locking.dba405_rewriting_column_default import RewritingColumnDefault
from dbarch_lint.rules.locking.dba406_stored_generated_column_addition import (
    StoredGeneratedColumnAddition,
)
from dbarch_lint.rules.locking.dba407_column_type_change import ColumnTypeChange
from dbarch_lint.rules.locking.dba408_set_not_null_with_scan import SetNotNullWithScan
from dbarch_lint.rules.locking.dba409_constraint_without_not_valid import (
    ConstraintWithoutNotValid,
)
from dbarch_lint.rules.locking.dba410_validate_in_same_transaction import (
    ValidateInSameTransaction,
)
from dbarch_lint.rules.locking.dba411_unique_constraint_without_index import (
    UniqueConstraintWithoutIndex,
)
from dbarch_lint.rules.locking.dba412_exclusion_constraint_addition import (
    ExclusionConstraintAddition,
)
from dbarch_lint.rules.locking.dba413_missing_lock_timeout import MissingLockTimeout
from dbarch_lint.rules.locking.dba414_blocking_table_rewrite import BlockingTableRewrite
from dbarch_lint.rules.locking.dba415_non_concurrent_materialized_view_refresh import (
    NonConcurrentMaterializedViewRefresh,
)
from dbarch_lint.rules.locking.dba416_non_concurrent_partition_detach import (
    NonConcurrentPartitionDetach,
)
from dbarch_lint.rules.locking.dba417_enum_value_added_in_transaction import (
    EnumValueAddedInTransaction,
)
from dbarch_lint.rules.locking.dba418_backfill_in_ddl_transaction import (
    BackfillInDdlTransaction,
)
from dbarch_lint.rules.locking.dba419_multiple_tables_locked_exclusively import (
    MultipleTablesLockedExclusively,
)
from dbarch_lint.rules.locking.dba420_unique_constraint_on_existing_data import (
    UniqueConstraintOnExistingData,
)
from dbarch_lint.rules.locking.dba421_repeated_table_alteration import RepeatedTableAlteration

RULES = (
    NonConcurrentIndexCreation,
    NonConcurrentIndexDrop,
    NonConcurrentReindex,
    ConcurrentOperationInTransaction,
    RewritingColumnDefault,
    StoredGeneratedColumnAddition,
    ColumnTypeChange,
    SetNotNullWithScan,
    ConstraintWithoutNotValid,
    ValidateInSameTransaction,
    UniqueConstraintWithoutIndex,
    ExclusionConstraintAddition,
    MissingLockTimeout,
    BlockingTableRewrite,
    NonConcurrentMaterializedViewRefresh,
    NonConcurrentPartitionDetach,
    EnumValueAddedInTransaction,
    BackfillInDdlTransaction,
    MultipleTablesLockedExclusively,
    UniqueConstraintOnExistingData,
    RepeatedTableAlteration,
)
