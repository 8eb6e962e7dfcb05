"""DBA1xx: column types (the house conventions)."""

from dbarch_lint.rules.types.dba101_serial_column import SerialColumn

RULES = (SerialColumn,)
