"""DBA1xx: column types (the house conventions)."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("dba101_serial_column", "SerialColumn"),
        ("dba102_integer_key_column", "IntegerKeyColumn"),
        ("dba103_varchar_column", "VarcharColumn"),
        ("dba104_char_column", "CharColumn"),
        ("dba105_timestamp_without_time_zone", "TimestampWithoutTimeZone"),
        ("dba106_float_money_column", "FloatMoneyColumn"),
        ("dba107_money_type_column", "MoneyTypeColumn"),
        ("dba108_json_column", "JsonColumn"),
        ("dba109_uuid_primary_key", "UuidPrimaryKey"),
        ("dba110_identity_by_default", "IdentityByDefault"),
        ("dba111_enum_type", "EnumType"),
    ),
)
