"""DBA8xx: schema consistency (schema-aware)."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("dba801_unknown_column_reference", "UnknownColumnReference"),
        ("dba802_foreign_key_type_mismatch", "ForeignKeyTypeMismatch"),
        ("dba803_duplicate_definition", "DuplicateDefinition"),
        ("dba804_second_primary_key", "SecondPrimaryKey"),
        ("dba805_drop_of_unknown_object", "DropOfUnknownObject"),
    ),
)
