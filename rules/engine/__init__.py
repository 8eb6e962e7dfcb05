"""DBA0xx: codes the engine reports itself (internal errors and input problems)."""

from dbarch_lint.rules.engine.codes import (
    InternalError,
    SyntaxError_,
    UnreadableFile,
    UnrecognizedStatement,
    UnusedSuppression,
)

RULES = (InternalError, SyntaxError_, UnrecognizedStatement, UnusedSuppression, UnreadableFile)
