"""DBA7xx: security."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("dba701_plaintext_password", "PlaintextPassword"),
        ("dba702_security_definer_without_search_path", "SecurityDefinerWithoutSearchPath"),
        ("dba703_overly_broad_grant", "OverlyBroadGrant"),
    ),
)
