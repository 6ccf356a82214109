from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import AddColumn, AddConstraint
from aerich_lint.model import Dialect, Severity
from aerich_lint.rules._online import LOCKING_SECTIONS, live_table, validated_later
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class ConstraintNotValidRule(Rule):
    name = "constraint-not-valid"
    code = "AL303"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "A FOREIGN KEY or CHECK constraint is added to a live table without NOT VALID."
    why = (
        "Adding the constraint makes PostgreSQL check every existing row before the "
        "statement returns, while it holds its lock until the migration commits. A CHECK "
        "takes an ACCESS EXCLUSIVE lock: no reads or writes on the table for the whole "
        "scan. A FOREIGN KEY takes SHARE ROW EXCLUSIVE on the table and on the table it "
        "references: reads go on, but writes to both tables wait. An inline REFERENCES in "
        "ADD COLUMN does the same check under the ADD COLUMN's ACCESS EXCLUSIVE lock. One "
        "row that violates the constraint fails the migration after the whole wait.\n\n"
        "With NOT VALID the constraint is added without looking at existing rows (it is "
        "enforced for new and updated rows at once), so the lock lasts milliseconds. "
        "ALTER TABLE ... VALIDATE CONSTRAINT then checks the old rows under SHARE UPDATE "
        "EXCLUSIVE, which does not block reads or writes; it must run in a later "
        "transaction, or the ADD's stronger lock is still held while it scans. aerich "
        "writes ADD CONSTRAINT ... FOREIGN KEY when a ForeignKeyField is added to an "
        "existing model. Tables created earlier in the same migration are empty and are not "
        "reported, nor are downgrades (the rollback path re-creating what the upgrade "
        "dropped)."
    )
    example = (
        'ALTER TABLE "product" ADD CONSTRAINT "fk_product_category_b9cd9984" FOREIGN KEY '
        '("category_id") REFERENCES "category" ("id") ON DELETE CASCADE;'
    )
    fix = (
        "Append NOT VALID in the generated migration, and validate in the next one (`aerich "
        "migrate --empty --name validate_fk_product_category`):\n\n"
        'ALTER TABLE "product" ADD CONSTRAINT "fk_product_category_b9cd9984" FOREIGN KEY '
        '("category_id") REFERENCES "category" ("id") ON DELETE CASCADE NOT VALID;\n\n'
        "-- next migration:\n\n"
        'ALTER TABLE "product" VALIDATE CONSTRAINT "fk_product_category_b9cd9984";\n\n'
        "For an inline REFERENCES, add the column without it and add the constraint with a "
        "separate ADD CONSTRAINT ... NOT VALID. The same applies to a CHECK constraint."
    )
    hint = "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration"
    dialects = frozenset({Dialect.POSTGRES})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt, fact in ctx.facts(AddConstraint, LOCKING_SECTIONS):
            c = fact.constraint
            if c.kind not in {"FOREIGN KEY", "CHECK"}:
                continue
            if not live_table(ctx, section, stmt, fact.table):
                continue
            label = f"{c.kind} {c.name}" if c.name else c.kind
            if c.kind == "FOREIGN KEY":
                blocked = f"writes to {fact.table}" + (
                    f" and {c.references}" if c.references and c.references != fact.table else ""
                )
            else:
                blocked = f"all reads and writes of {fact.table}"
            if not fact.not_valid:
                yield Violation(
                    f"adds {label} to {fact.table} without NOT VALID: every existing row is "
                    f"checked while {blocked} wait",
                    stmt,
                    section,
                )
            elif validated_later(ctx, section, stmt, fact.table, c.name):
                yield Violation(
                    f"{label} is added NOT VALID and validated in the same transaction: the "
                    f"ADD's lock is still held during the validation scan, so {blocked} wait",
                    stmt,
                    section,
                )
        for section, stmt, added in ctx.facts(AddColumn, LOCKING_SECTIONS):
            column = added.column
            if column.references is None or not live_table(ctx, section, stmt, added.table):
                continue
            yield Violation(
                f"adds column {added.table}.{column.name} with an inline REFERENCES "
                f"{column.references}: the foreign key is checked against every row under an "
                f"ACCESS EXCLUSIVE lock",
                stmt,
                section,
            )
