"""DBA5xx: compatibility (breaks running code or loses data)."""

from dbarch_lint.rules.compatibility.dba501_column_drop import ColumnDrop
from dbarch_lint.rules.compatibility.dba502_column_rename import ColumnRename
from dbarch_lint.rules.compatibility.dba503_table_rename import TableRename
from dbarch_lint.rules.compatibility.dba504_table_drop import TableDrop
from dbarch_lint.rules.compatibility.dba505_schema_or_database_drop import SchemaOrDatabaseDrop
from dbarch_lint.rules.compatibility.dba506_truncate import Truncate
from dbarch_lint.rules.compatibility.dba507_required_column_addition import (
    RequiredColumnAddition,
)
from dbarch_lint.rules.compatibility.dba508_not_null_drop import NotNullDrop
from dbarch_lint.rules.compatibility.dba509_object_drop import ObjectDrop
from dbarch_lint.rules.compatibility.dba510_object_rename import ObjectRename
from dbarch_lint.rules.compatibility.dba511_cascade_drop import CascadeDrop

RULES = (
    ColumnDrop,
    ColumnRename,
    TableRename,
    TableDrop,
    SchemaOrDatabaseDrop,
    Truncate,
    RequiredColumnAddition,
    NotNullDrop,
    ObjectDrop,
    ObjectRename,
    CascadeDrop,
)
