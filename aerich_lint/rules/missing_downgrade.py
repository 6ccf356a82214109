from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import CreateIndex, CreateTable, Ddl
from aerich_lint.model import DOWNGRADE, UPGRADE, Severity
from aerich_lint.naming import AERICH_TABLE
from aerich_lint.rules.base import Context, Rule, Violation

_DUMP = frozenset({"CREATE TABLE", "CREATE INDEX", "COMMENT"})


class MissingDowngradeRule(Rule):
    name = "missing-downgrade"
    code = "AL110"
    severity = Severity.WARNING
    summary = "The upgrade changes the schema but the downgrade is absent or does nothing."
    why = (
        "`aerich downgrade` runs the downgrade SQL and then deletes the migration's row from "
        'the aerich table. When the downgrade returns an empty string it stops with "No '
        'downgrade items found" (without a downgrade function it fails), so the migration '
        "cannot be rolled back when it is needed, and `downgrade -v` stops half-way. A "
        "downgrade of only comments or semicolons is worse: aerich runs it and (on "
        "PostgreSQL and SQLite) reports a successful rollback that undid nothing, so the "
        "database keeps the new schema while aerich believes it is back at the previous "
        "version, and the next upgrade fails or applies twice. Aerich's init (`init-db`, "
        "`init-migrations`) never writes a downgrade, so an init is reported as info only: a "
        "file that creates aerich's own `aerich` table, whatever its number or name (a "
        "history squashed or initialised again); the app's first file when it is version 0 "
        "or only creates tables and indexes (the earlier files were deleted); and a file "
        "named `<version>_<timestamp>_None` that only creates tables: `aerich init-db` names "
        "its file so when the database already has migrations of the app (its folder was "
        "deleted or emptied)."
    )
    example = (
        "async def upgrade(db):\n"
        '    return \'ALTER TABLE "product" ADD "stock" INT NOT NULL DEFAULT 0;\'\n\n'
        "async def downgrade(db):\n"
        '    return ""'
    )
    fix = (
        "Write the inverse of every upgrade statement, in reverse order: "
        '`ALTER TABLE "product" DROP COLUMN "stock";`. If the change truly cannot be undone, '
        "make the downgrade fail loudly instead of silently "
        '(`raise RuntimeError("irreversible migration")`) and suppress this rule for the file '
        "with `# aerich-lint: ignore-file missing-downgrade`."
    )
    hint = "write the inverse statements in downgrade(), in reverse order"

    def check(self, ctx: Context) -> Iterator[Violation]:
        upgrade = ctx.statements(UPGRADE)
        if not upgrade:
            return
        section = ctx.migration.section(DOWNGRADE)
        if section.error or ctx.statements(DOWNGRADE) or DOWNGRADE in ctx.migration.not_executed:
            return
        returned = "".join(c.sql for c in section.chunks if c.via == "return").strip()
        if not section.defined:
            how = "has no downgrade"
        elif section.dynamic:
            how = "has a downgrade() that runs no SQL"
        elif returned:
            how = "has a downgrade of nothing but comments or semicolons"
        else:
            how = "has an empty downgrade"
        if not section.defined and ctx.migration.format.startswith("py"):
            then = "`aerich downgrade` fails on it (the module has no downgrade)"
        elif returned:
            then = "`aerich downgrade` runs it and undoes nothing"
        else:
            then = '`aerich downgrade` stops at it with "No downgrade items found"'
        count = len(upgrade)
        message = (
            f"the upgrade runs {count} statement{'s' if count != 1 else ''} but the migration "
            f"{how}: {then}"
        )
        severity = None
        init = _init(ctx)
        if init:
            message += f" ({init})"
            severity = Severity.INFO
        yield Violation(
            message,
            section=DOWNGRADE,
            line=section.line if section.defined else 1,
            severity=severity,
        )


def _init(ctx: Context) -> str:
    """Why the file is one of aerich's inits (which never have a downgrade), or ""."""
    facts = [fact for stmt in ctx.statements(UPGRADE) for fact in ctx.effects(stmt)]
    if any(isinstance(f, CreateTable) and f.table == AERICH_TABLE for f in facts):
        if ctx.is_first:
            return "first migration of the app: aerich's init has no downgrade"
        return "it creates the aerich table: an init of aerich, which has no downgrade"
    # What aerich's schema dump holds: CREATE TABLE, CREATE INDEX and COMMENT ON.
    only_creates = any(isinstance(f, CreateTable) for f in facts) and all(
        isinstance(f, (CreateTable, CreateIndex)) or (isinstance(f, Ddl) and f.verb in _DUMP)
        for f in facts
    )
    if ctx.is_first and (ctx.migration.version == 0 or only_creates):
        return "first migration of the app: aerich's init has no downgrade"
    if only_creates and ctx.migration.name.endswith("_None"):
        return (
            "named _None and only creating tables: aerich's init-db on a database that had "
            "migrations, which has no downgrade"
        )
    return ""
