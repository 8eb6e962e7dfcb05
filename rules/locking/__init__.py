"""DBA4xx: locks that stall production traffic and table rewrites (PostgreSQL)."""

from dbarch_lint.rules.locking.dba401_non_concurrent_index_creation import (
    NonConcurrentIndexCreation,
)
from dbarch_lint.rules.locking.dba402_non_concurrent_index_drop import NonConcurrentIndexDrop
from dbarch_lint.rules.locking.dba409_constraint_without_not_valid import (
    ConstraintWithoutNotValid,
)
from dbarch_lint.rules.locking.dba411_unique_constraint_without_index import (
    UniqueConstraintWithoutIndex,
)
from dbarch_lint.rules.locking.dba412_exclusion_constraint_addition import (
    ExclusionConstraintAddition,
)

RULES = (
    NonConcurrentIndexCreation,
    NonConcurrentIndexDrop,
    ConstraintWithoutNotValid,
    UniqueConstraintWithoutIndex,
    ExclusionConstraintAddition,
)
