"""DBA2xx: keys, constraints and naming."""

from dbarch_lint.rules.constraints.dba201_unnamed_constraint import UnnamedConstraint
from dbarch_lint.rules.constraints.dba202_unnamed_index import UnnamedIndex
from dbarch_lint.rules.constraints.dba203_constraint_name_pattern import ConstraintNamePattern
from dbarch_lint.rules.constraints.dba204_index_name_pattern import IndexNamePattern
from dbarch_lint.rules.constraints.dba205_foreign_key_without_on_delete import (
    ForeignKeyWithoutOnDelete,
)
from dbarch_lint.rules.constraints.dba206_table_without_primary_key import TableWithoutPrimaryKey
from dbarch_lint.rules.constraints.dba207_identifier_too_long import IdentifierTooLong
from dbarch_lint.rules.constraints.dba208_non_snake_case_identifier import NonSnakeCaseIdentifier
from dbarch_lint.rules.constraints.dba209_missing_required_columns import MissingRequiredColumns

RULES = (
    UnnamedConstraint,
    UnnamedIndex,
    ConstraintNamePattern,
    IndexNamePattern,
    ForeignKeyWithoutOnDelete,
    TableWithoutPrimaryKey,
    IdentifierTooLong,
    NonSnakeCaseIdentifier,
    MissingRequiredColumns,
)
