"""DBA1xx: column types (the house conventions)."""

from dbarch_lint.rules.types.dba101_serial_column import SerialColumn
from dbarch_lint.rules.types.dba102_integer_key_column import IntegerKeyColumn
from dbarch_lint.rules.types.dba103_varchar_column import VarcharColumn
from dbarch_lint.rules.types.dba104_char_column import CharColumn
from dbarch_lint.rules.types.dba105_timestamp_without_time_zone import TimestampWithoutTimeZone
from dbarch_lint.rules.types.dba106_float_money_column import FloatMoneyColumn
from dbarch_lint.rules.types.dba107_money_type_column import MoneyTypeColumn
from dbarch_lint.rules.types.dba108_json_column import JsonColumn
from dbarch_lint.rules.types.dba109_uuid_primary_key import UuidPrimaryKey
from dbarch_lint.rules.types.dba110_identity_by_default import IdentityByDefault
from dbarch_lint.rules.types.dba111_enum_type import EnumType

RULES = (
    SerialColumn,
    IntegerKeyColumn,
    VarcharColumn,
    CharColumn,
    TimestampWithoutTimeZone,
    FloatMoneyColumn,
    MoneyTypeColumn,
    JsonColumn,
    UuidPrimaryKey,
    IdentityByDefault,
    EnumType,
)
