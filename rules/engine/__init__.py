"""DBA0xx: codes the engine reports itself (internal errors and input problems)."""

from dbarch_lint.rules import family

# The family's rules, in code order (module, class): imported when `RULES` is first read (a
# run imports a rule's module only when the rule first checks something: `dbarch_lint.rules`).
__getattr__ = family(
    __name__,
    (
        ("codes", "InternalError"),
        ("codes", "SyntaxError_"),
        ("codes", "UnrecognizedStatement"),
        ("codes", "UnusedSuppression"),
        ("codes", "UnreadableFile"),
    ),
)
