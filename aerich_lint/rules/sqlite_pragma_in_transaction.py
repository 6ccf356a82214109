from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import Setting
from aerich_lint.model import DOWNGRADE, UPGRADE, Dialect, Severity
from aerich_lint.rules.base import Context, Rule, Violation


class SqlitePragmaInTransactionRule(Rule):
    name = "sqlite-pragma-in-transaction"
    code = "AL324"
    severity = Severity.WARNING
    summary = "PRAGMA foreign_keys in a migration that runs in a transaction: SQLite ignores it."
    why = (
        "SQLite only switches foreign key enforcement outside a transaction: inside one, "
        "`PRAGMA foreign_keys = OFF` (or ON) is silently a no-op. Aerich runs every upgrade "
        "in a transaction unless the file sets RUN_IN_TRANSACTION = False, and every "
        "downgrade in one. Tortoise opens SQLite connections with foreign_keys = ON, so the "
        "PRAGMA of the usual table rebuild (create the new table, copy, drop the old one, "
        "rename) does nothing and enforcement stays on: `DROP TABLE` of the old table then "
        "deletes the child rows of every `ON DELETE CASCADE` foreign key pointing at it (or "
        "fails on the others), and the data is gone once the migration commits. Likewise "
        "`PRAGMA foreign_keys = ON` inside a transaction does not enable checking on a "
        "connection that has it off."
    )
    example = (
        "RUN_IN_TRANSACTION = True\n\n"
        "async def upgrade(db):\n"
        '    return """\n'
        "        PRAGMA foreign_keys = OFF;\n"
        '        CREATE TABLE "category_new" (...);\n'
        '        INSERT INTO "category_new" SELECT * FROM "category";\n'
        '        DROP TABLE "category";  -- cascades into product\n'
        '        ALTER TABLE "category_new" RENAME TO "category";\n'
        '        PRAGMA foreign_keys = ON;"""'
    )
    fix = (
        "Put the rebuild in a migration of its own (`aerich migrate --empty --name "
        "rebuild_category`) with `RUN_IN_TRANSACTION = False`, and make it atomic yourself: "
        "`PRAGMA foreign_keys = OFF; BEGIN; ... rebuild ...; PRAGMA foreign_key_check; "
        "COMMIT; PRAGMA foreign_keys = ON;`. For a downgrade, which aerich always runs in a "
        "transaction, write the reverse rebuild as a new forward migration instead. Where "
        "the aim is only to defer checks to the commit, `PRAGMA defer_foreign_keys = ON` "
        "does work inside a transaction, but does not stop ON DELETE CASCADE."
    )
    hint = "run the PRAGMA outside a transaction: RUN_IN_TRANSACTION = False, own BEGIN/COMMIT"
    dialects = frozenset({Dialect.SQLITE})

    def check(self, ctx: Context) -> Iterator[Violation]:
        sections = (UPGRADE, DOWNGRADE) if ctx.migration.run_in_transaction else (DOWNGRADE,)
        for section, stmt, fact in ctx.facts(Setting, sections):
            if fact.pragma and fact.name == "foreign_keys" and fact.value:
                where = (
                    "the downgrade (aerich always runs it in a transaction)"
                    if section == DOWNGRADE
                    else "an upgrade with RUN_IN_TRANSACTION = True"
                )
                yield Violation(
                    f"PRAGMA foreign_keys = {fact.value.upper()} in {where} is a no-op: "
                    f"SQLite ignores it inside a transaction, so foreign keys stay as they were",
                    stmt,
                    section,
                )
