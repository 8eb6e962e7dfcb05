"""DBA701 plaintext-password."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.model import ir
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.model.regex import lazy
from dbarch_lint.rule import Report, RuleContext, Severity, StatementRule

_B64 = r"[A-Za-z0-9+/]+={0,2}"
_VERIFIER = lazy(rf"md5[0-9a-f]{{32}}|SCRAM-SHA-256\$\d+:{_B64}\${_B64}:{_B64}")


class PlaintextPassword(StatementRule):
    """A role's password is written in the migration in plain text.

    ## What it does
    Flags `CREATE ROLE/USER ... PASSWORD 'literal'` and `ALTER ROLE/USER ... PASSWORD 'literal'`
    unless the literal is exactly a pre-hashed verifier: `md5` followed by 32 lowercase hex
    digits, or a well-formed `SCRAM-SHA-256$<iterations>:<salt>$<storedkey>:<serverkey>`.
    `PASSWORD NULL` is fine.

    ## Why is this bad?
    Anything else is the password itself, which the server hashes on arrival: the secret now
    sits in the repository, in its history forever, in CI logs and in the server's statement
    log. Give the server a verifier computed elsewhere, or set passwords outside migrations.

    ## Example
    ```sql
    CREATE ROLE reporting LOGIN PASSWORD 'hunter2';
    ```

    ## Use instead
    ```sql
    -- a SCRAM verifier computed outside the repository (e.g. by psql's \\password command):
    CREATE ROLE reporting LOGIN
        PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVka2V5:c2VydmVya2V5';
    ```

    ## References
    - PostgreSQL documentation, "Password Authentication", `CREATE ROLE`
    """

    code = "DBA701"
    name = "plaintext-password"
    family = "security"
    dialects = frozenset({"postgres"})
    severity = Severity.ERROR
    targets = (ir.RolePassword,)

    def check(self, event: ir.RolePassword, ctx: RuleContext) -> Iterator[Report]:
        if event.password is None or _VERIFIER.fullmatch(event.password):
            return
        yield ctx.report(
            event.span,
            f"Role {quote_ident(event.role)} gets a plaintext password: it stays in the "
            "repository's history and in server and CI logs",
            hint=(
                "use a SCRAM-SHA-256 verifier computed outside the repository, or set the "
                "password outside migrations"
            ),
        )
