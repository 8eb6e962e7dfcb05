"""DBA605 out-of-order-migration."""

from __future__ import annotations

from collections.abc import Iterator

from dbarch_lint.rule import (
    APPLIES,
    REFUSES,
    SKIPS,
    UP,
    MigrationFile,
    RelatedSpan,
    Report,
    SchemaContext,
    SchemaRule,
    Severity,
    named,
)


class OutOfOrderMigration(SchemaRule):
    """A migration added since `--diff-base` sorts before one the base already has.

    ## What it does
    With `--diff-base`, flags a migration the merge base does not hold (new on this branch)
    that sorts, in its runner's order, before the newest migration of the same set that the
    base holds. Production has applied that newer migration already. An error where the
    runner skips or refuses the older one: Flyway (without `outOfOrder`), golang-migrate,
    sqitch, dbmate with `--strict`, and a runner it does not know (`plain`); a warning where the
    runner applies it after the newer ones (Diesel, dbmate, Flyway with `outOfOrder`): check
    it does not depend on their order. Down migrations, Flyway's repeatable `R__` migrations
    and sqitch's `verify/` scripts are not versioned migrations: never flagged, never compared.
    The sets are the runner's folders: the migrations of one folder (Diesel's and Prisma's
    version folders in theirs, a sqitch plan's scripts) are compared with each other.

    ## Why is this bad?
    The branch was written before a newer migration shipped; merged now, its migration is
    older than what production runs. golang-migrate keeps only the newest version it applied
    and never runs an older one, without a word; sqitch deploys only the changes after the
    last one deployed; Flyway's validation refuses to migrate at all. The database then lacks
    a change the code expects. A runner that applies it anyway (Diesel, dbmate) runs it after
    migrations that every developer's database ran after it: the two orders can end in
    different schemas.

    ## Example
    ```sql
    -- migrations/20240105000000_add_orders_note.sql, new on this branch, while the base
    -- already has migrations/20240110000000_add_invoices.sql
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## Use instead
    ```sql
    -- migrations/20240112000000_add_orders_note.sql: renamed to sort after every migration
    -- the base has
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## Options
    The runner's own settings decide the severity (`[tool.dbarch-lint.runners.<runner>]`):
    `flyway.out-of-order = true` (Flyway's `outOfOrder`) and `dbmate.strict = true` (dbmate
    `--strict`).

    ## Known limits
    Without `--diff-base` it says nothing. alembic and Django order by their revision graph,
    not by file names: not checked. Migrations of one runner spread over several folders
    (Flyway `locations`) are compared folder by folder.

    ## References
    - Flyway, `outOfOrder` setting:
      https://documentation.red-gate.com/flyway/reference/configuration/flyway-namespace/flyway-out-of-order-setting
      (and flyway/flyway#1363: validation fails on an unapplied older version)
    - golang-migrate keeps one version (`schema_migrations`); golang-migrate/migrate#179
    - dbmate README, `--strict`; amacneil/dbmate#159 (unapplied migrations are applied)
    - Diesel, `MigrationHarness::run_pending_migrations` (diesel_migrations)
    - sqitch-deploy documentation
    - Atlas, "non-linear changes" lint (`atlas migrate lint`)
    """

    code = "DBA605"
    name = "out-of-order-migration"
    family = "transactions"
    severity = Severity.ERROR

    def check(self, ctx: SchemaContext) -> Iterator[Report]:
        if not ctx.since_base:
            return
        newest: dict[str, MigrationFile] = {}  # set -> the last migration the base holds
        for migration in ctx.migrations:
            if migration.kind == UP and migration.new_since_base is False:
                newest[migration.folder] = migration
        for migration in ctx.migrations:
            if migration.kind != UP or not migration.new_since_base:
                continue
            if not ctx.reported(migration.origin):
                continue
            applied = newest.get(migration.folder)
            if migration.out_of_order is None or applied is None or applied.index < migration.index:
                continue
            yield _report(ctx, migration, applied)


def _report(ctx: SchemaContext, new: MigrationFile, applied: MigrationFile) -> Report:
    runner, verdict = named(new.runner), new.out_of_order
    head = f"This migration is new, but sorts before {applied.path}, which the base already has"
    rename = f"rename it to sort after {applied.path}"
    if verdict == APPLIES:
        message = (
            f"{head}: {runner} applies it after the newer migrations production already ran, "
            "in an order no other database ran them"
        )
        hint = f"check it does not depend on the migrations after it, or {rename}"
    elif verdict == REFUSES:
        message = f"{head}: {runner} refuses to apply an older migration after a newer one"
        hint = rename + (
            " (or allow it: `runners.flyway.out-of-order = true`, Flyway's outOfOrder)"
            if new.runner == "flyway"
            else ""
        )
    elif verdict == SKIPS:
        message = f"{head}: {runner} never applies a migration older than the newest it applied"
        hint = rename
    else:
        message = f"{head}: most runners skip or refuse a migration older than the newest applied"
        hint = rename
    return ctx.report(
        new.origin,
        message,
        hint,
        related=[RelatedSpan(applied.origin, "the newest migration the base already has")],
        severity=Severity.WARNING if verdict == APPLIES else None,
    )
