"""DBA8xx: schema consistency (schema-aware)."""

from dbarch_lint.rules.consistency.dba801_unknown_column_reference import UnknownColumnReference
from dbarch_lint.rules.consistency.dba802_foreign_key_type_mismatch import ForeignKeyTypeMismatch
from dbarch_lint.rules.consistency.dba803_duplicate_definition import DuplicateDefinition
from dbarch_lint.rules.consistency.dba804_second_primary_key import SecondPrimaryKey
from dbarch_lint.rules.consistency.dba805_drop_of_unknown_object import DropOfUnknownObject

RULES = (
    UnknownColumnReference,
    ForeignKeyTypeMismatch,
    DuplicateDefinition,
    SecondPrimaryKey,
    DropOfUnknownObject,
)
