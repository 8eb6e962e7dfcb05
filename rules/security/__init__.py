"""DBA7xx: security."""

from dbarch_lint.rules.security.dba701_plaintext_password import PlaintextPassword
from dbarch_lint.rules.security.dba702_security_definer_without_search_path import (
    SecurityDefinerWithoutSearchPath,
)
from dbarch_lint.rules.security.dba703_overly_broad_grant import OverlyBroadGrant

RULES = (PlaintextPassword, SecurityDefinerWithoutSearchPath, OverlyBroadGrant)
