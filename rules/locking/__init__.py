"""DBA4xx: locks that stall production traffic and table rewrites (PostgreSQL)."""

from dbarch_lint.rules.locking.dba401_non_concurrent_index_creation import (
    NonConcurrentIndexCreation,
)
from dbarch_lint.rules.locking.dba402_non_concurrent_index_drop import NonConcurrentIndexDrop

RULES = (NonConcurrentIndexCreation, NonConcurrentIndexDrop)
