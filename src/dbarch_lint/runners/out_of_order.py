"""What each runner does with a migration that sorts before the newest one it has applied (a
branch merged after a newer migration shipped): DBA605 out-of-order-migration says it.

Sources (the runner's documentation, each behaviour at its documented default):

- Flyway `outOfOrder` (default false): "If you already have versions 1.0 and 3.0 applied, and
  now a version 2.0 is found, it will be applied too instead of being rejected"; without it
  `validateOnMigrate` fails on the unapplied older version ("Detected resolved migration not
  applied to database", flyway/flyway#1363). Config: `runners.flyway.out-of-order`.
- golang-migrate keeps one version per database (`schema_migrations` holds the current
  version); `up` runs the migrations above it, so an older one is never run, with no error
  (golang-migrate/migrate#179 asks for the history it lacks).
- dbmate applies every migration whose version `schema_migrations` lacks, in version order,
  older ones included (amacneil/dbmate#159); `--strict` "fail[s] if migrations would be applied
  out of order" (README, since 2.8). Config: `runners.dbmate.strict`.
- Diesel records every version it ran in `__diesel_schema_migrations`; `migration run` runs the
  pending ones, those not recorded, whatever their version (`MigrationHarness::
  run_pending_migrations`, diesel_migrations).
- sqitch deploys the changes after the last deployed one in `sqitch.plan` order (`sqitch
  deploy`): a change inserted above it is never deployed.
- umzug (sequelize-cli) runs every migration its `SequelizeMeta` table does not list, in
  file-name order (`Umzug.pending`), older ones included.
- Prisma records every migration it applied in `_prisma_migrations`; `migrate deploy` applies
  every one not recorded, in folder-name order, older ones included.
- alembic and Django order by their revision graph, not by file names: no verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

APPLIES = "applies"
"""The runner applies it, after the newer migrations production already has."""
REFUSES = "refuses"
"""The runner stops with an error until someone renames it or allows it."""
SKIPS = "skips"
"""The runner never applies it, and says nothing."""
UNKNOWN = "unknown"
"""The runner is not known (`plain`): most skip or refuse such a migration."""


def out_of_order(runner: str, options: Mapping[str, Mapping[str, Any]]) -> str | None:
    """What `runner` (with its `[runners.<runner>]` options) does with a migration that sorts
    before the newest one applied; None when its order is not the files' (alembic, django)."""
    own = options.get(runner, {})
    if runner == "flyway":
        return APPLIES if own.get("out-of-order", False) else REFUSES
    if runner == "dbmate":
        return REFUSES if own.get("strict", False) else APPLIES
    return _FIXED.get(runner, UNKNOWN)


_FIXED: dict[str, str | None] = {
    "golang-migrate": SKIPS,
    "diesel": APPLIES,
    "sqitch": SKIPS,
    "sequelize": APPLIES,
    "prisma": APPLIES,
    "alembic": None,
    "django": None,
}
