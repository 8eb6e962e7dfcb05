"""DBA5xx: compatibility (breaks running code or loses data)."""

from dbarch_lint.rules.compatibility.dba502_column_rename import ColumnRename
from dbarch_lint.rules.compatibility.dba503_table_rename import TableRename

RULES = (ColumnRename, TableRename)
