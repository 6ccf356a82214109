from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import AddColumn, CreateTable, DropColumn, DropTable
from aerich_lint.model import DOWNGRADE, UPGRADE, Severity
from aerich_lint.rules.base import Context, Rule, Violation


class ProbableRenameRule(Rule):
    name = "probable-rename"
    code = "AL122"
    severity = Severity.ERROR
    summary = "A column (or table) is dropped and one of the same type added: a lost rename?"
    why = (
        "When a field is renamed, `aerich migrate` asks `Rename name to title? [True]`. "
        "Answered no (or run with --no-input on a change it does not recognise), it writes "
        "ADD title + DROP name: the migration runs cleanly and every value of the old column "
        "is gone. The same happens when a field changed more than its name. A table dropped "
        "while another with the same columns is created is the same signature for models. "
        "The dropped column's type is taken from the downgrade, which aerich writes to re-add "
        "it; without it the pair is not reported (too many unrelated changes look alike)."
    )
    example = (
        'ALTER TABLE "product" ADD "title" VARCHAR(200) NOT NULL;\n'
        'ALTER TABLE "product" DROP COLUMN "name";'
    )
    fix = (
        "If it is a rename, regenerate the migration and answer yes to the prompt, or write "
        '`ALTER TABLE "product" RENAME COLUMN "name" TO "title";` (see rename-column for a '
        "zero-downtime sequence). If the new column is unrelated, copy what must survive "
        'before the drop: `UPDATE "product" SET "title" = "name";`. If losing the data is '
        "intended, suppress with `-- aerich-lint: ignore probable-rename <reason>`."
    )
    hint = "if this is a rename, regenerate answering yes to aerich's prompt (RENAME keeps data)"

    def check(self, ctx: Context) -> Iterator[Violation]:
        yield from self._columns(ctx)
        yield from self._tables(ctx)

    def _columns(self, ctx: Context) -> Iterator[Violation]:
        up = (UPGRADE,)
        drops = [
            (stmt, fact)
            for _, stmt, fact in ctx.facts(DropColumn, up)
            if not ctx.is_new(UPGRADE, stmt, "column", f"{fact.table}.{fact.column}")
        ]
        adds = [
            (stmt, fact)
            for _, stmt, fact in ctx.facts(AddColumn, up)
            if not ctx.is_new(UPGRADE, stmt, "table", fact.table)
        ]
        if not drops or not adds:
            return
        # aerich's downgrade re-adds a dropped column with its old definition
        old_defs = {
            f"{fact.table}.{fact.column.name}": fact.column
            for _, _, fact in ctx.facts(AddColumn, (DOWNGRADE,))
        }
        used: set[int] = set()
        for drop_stmt, drop in drops:
            old = old_defs.get(f"{drop.table}.{drop.column}")
            if old is None:
                continue  # type unknown: an unrelated add and drop are too common to guess
            for add_stmt, add in adds:
                if id(add) in used or add.table != drop.table or add.column.type != old.type:
                    continue
                used.add(id(add))
                yield Violation(
                    f"adds column {add.table}.{add.column.name} and drops {drop.table}."
                    f"{drop.column} of the same type {old.type} at line {drop_stmt.line}: "
                    f"if this is a rename, "
                    f"the data in {drop.column} is lost (aerich's rename prompt answered no?)",
                    add_stmt,
                    UPGRADE,
                )
                break

    def _tables(self, ctx: Context) -> Iterator[Violation]:
        dropped = {fact.table: stmt for _, stmt, fact in ctx.facts(DropTable, (UPGRADE,))}
        if not dropped:
            return
        old_shapes = {
            fact.table: _shape(fact)
            for _, _, fact in ctx.facts(CreateTable, (DOWNGRADE,))
            if fact.table in dropped
        }
        for _, stmt, fact in ctx.facts(CreateTable, (UPGRADE,)):
            if fact.table in dropped:
                continue
            for old_name, shape in old_shapes.items():
                if shape and shape == _shape(fact):
                    yield Violation(
                        f"creates table {fact.table} with the same columns as table "
                        f"{old_name}, dropped at line {dropped[old_name].line}: if this is "
                        f"a rename, every row of {old_name} is lost",
                        stmt,
                        UPGRADE,
                    )


def _shape(table: CreateTable) -> frozenset[tuple[str, str]]:
    return frozenset((c.name, c.type) for c in table.columns)
