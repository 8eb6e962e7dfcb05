"""DBA2xx: keys, constraints and naming."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("dba201_unnamed_constraint", "UnnamedConstraint"),
        ("dba202_unnamed_index", "UnnamedIndex"),
        ("dba203_constraint_name_pattern", "ConstraintNamePattern"),
        ("dba204_index_name_pattern", "IndexNamePattern"),
        ("dba205_foreign_key_without_on_delete", "ForeignKeyWithoutOnDelete"),
        ("dba206_table_without_primary_key", "TableWithoutPrimaryKey"),
        ("dba207_identifier_too_long", "IdentifierTooLong"),
        ("dba208_non_snake_case_identifier", "NonSnakeCaseIdentifier"),
        ("dba209_missing_required_columns", "MissingRequiredColumns"),
    ),
)
