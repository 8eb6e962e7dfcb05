"""DBA3xx: indexing."""

from dbarch_lint.rules.indexing.dba301_unindexed_foreign_key import UnindexedForeignKey
from dbarch_lint.rules.indexing.dba302_redundant_index import RedundantIndex

RULES = (UnindexedForeignKey, RedundantIndex)
