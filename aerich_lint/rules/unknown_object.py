from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import UPGRADE, Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class UnknownObjectRule(Rule):
    name = "unknown-object"
    code = "AL201"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "An upgrade statement uses a table, column or index that does not exist then."
    why = (
        "Replaying every earlier migration in order gives the schema this upgrade runs "
        "against. A statement that alters, drops or indexes something missing from it (or "
        "creates something already there, without IF NOT EXISTS) fails on every database "
        "that followed this history: the history was edited after the fact, or a migration "
        "was lost in a merge. Objects never seen in the history are reported only when it "
        "starts at version 0, and nothing is reported after a statement the linter could not "
        "understand.\n\n"
        "The replay knows the names the server gives what a statement leaves unnamed: "
        "PostgreSQL's `<table>_<columns>_fkey` / `_key` / `_pkey` (cut to 63 bytes, numbered "
        "past a name in use) for an inline REFERENCES, UNIQUE or PRIMARY KEY, MySQL's "
        "`<table>_ibfk_N`. So it reports a DROP CONSTRAINT (MySQL: DROP FOREIGN KEY) of a "
        "name the history never gave, e.g. aerich's `fk_balance_person_a8a4fbbc` for a "
        "foreign key PostgreSQL named `balance_person_id_id_fkey` (aerich issues 204, 253), "
        "and a PostgreSQL DROP INDEX of the index of a UNIQUE or PRIMARY KEY constraint, "
        "which the server refuses while the constraint needs it (aerich issues 180, 407). "
        "A CREATE TABLE (or ADD CONSTRAINT) whose foreign key references a table that the "
        "same migration creates only later fails too: PostgreSQL `relation ... does not "
        "exist`, MySQL errno 150 (aerich issues 224, 517); SQLite resolves foreign keys "
        "late and MySQL after `SET foreign_key_checks = 0` does not look, so neither is "
        "reported."
    )
    example = (
        "-- 3_..._update.py, after 2_..._drop.py dropped product.sku\n"
        'ALTER TABLE "product" ALTER COLUMN "sku" TYPE VARCHAR(30);'
    )
    fix = (
        "Find the migration that should have created the object (`git log -- migrations/`), "
        "restore it, or regenerate this migration from the models with `aerich migrate`. "
        "Never edit migrations that databases have already applied: aerich records them by "
        "file name and will not run an edited file again."
    )
    needs_history = True
    hint = "restore the migration that creates it, or regenerate this one"

    def check(self, ctx: Context) -> Iterator[Violation]:
        step = ctx.history
        if step is None or not step.reliable:
            return
        for found in step.upgrade_problems:
            yield Violation(found.problem.message, found.statement, UPGRADE)
