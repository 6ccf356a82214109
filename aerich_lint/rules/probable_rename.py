from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from aerich_lint.effects import AddColumn, ColumnInfo, CreateTable, DropColumn, DropTable
from aerich_lint.model import DOWNGRADE, UPGRADE, Severity, Statement
from aerich_lint.rules.base import Context, Rule, Violation


class ProbableRenameRule(Rule):
    name = "probable-rename"
    code = "AL122"
    severity = Severity.ERROR
    summary = "A column (or table) is dropped and one of the same type added: a lost rename?"
    why = (
        "When a field is renamed, `aerich migrate` asks `Rename name to full_name? [True]`. "
        "Answered no, it writes ADD full_name + DROP name: the migration runs cleanly and "
        "every value of the old column is gone. A field renamed while its definition "
        "changed too is never asked about and always comes out that way (with another "
        "type, which this rule does not pair). A table dropped "
        "while another with the same columns is created is the same signature for models. "
        "The dropped column's type is taken from the downgrade, which aerich writes to re-add "
        "it; without it the pair is not reported (too many unrelated changes look alike).\n\n"
        "A pair is convincing, and an error reported on the DROP (instead of drop-column's "
        "finding: one hazard, one finding), when the names are alike (`name` / `full_name`, "
        "`adress` / `address`, `email` / `email_address`). With unrelated names it is a "
        "guess: aerich 0.8+ asks `Rename a to b? [True]` only for a field whose definition "
        "is otherwise identical, so an ADD + DROP of unrelated names usually is the "
        "answer no given on purpose. Then it is reported at info on the ADD, and the drop "
        "keeps its own drop-column error. A table dropped while one with the same columns "
        "is created is convincing by itself."
    )
    example = (
        'ALTER TABLE "customer" ADD "full_name" VARCHAR(200) NOT NULL;\n'
        'ALTER TABLE "customer" DROP COLUMN "name";'
    )
    fix = (
        "If it is a rename, regenerate the migration and answer yes to the prompt, or write "
        '`ALTER TABLE "customer" RENAME COLUMN "name" TO "full_name";` (see rename-column for '
        "a zero-downtime sequence). If the new column is unrelated, copy what must survive "
        'before the drop: `UPDATE "customer" SET "full_name" = "name";`. If losing the data is '
        "intended, suppress with `-- aerich-lint: ignore probable-rename <reason>`."
    )
    hint = "if this is a rename, regenerate answering yes to aerich's prompt (RENAME keeps data)"

    def check(self, ctx: Context) -> Iterator[Violation]:
        columns, tables = _pairs(ctx)
        for pair in columns:
            if pair.convincing:
                yield Violation(
                    f"drops column {pair.table}.{pair.old} and adds {pair.table}.{pair.new} of "
                    f"the same type {pair.type} at line {pair.add.line}: if this is a rename, "
                    f"the data in {pair.old} is lost (aerich's rename prompt answered no?)",
                    pair.drop,
                    UPGRADE,
                )
            else:
                yield Violation(
                    f"adds column {pair.table}.{pair.new} of the same type {pair.type} as "
                    f"{pair.table}.{pair.old}, dropped at line {pair.drop.line}: if this was a "
                    f"rename (the names are not alike), the data in {pair.old} is lost",
                    pair.add,
                    UPGRADE,
                    severity=Severity.INFO,
                )
        for table_pair in tables:
            yield Violation(
                f"drops table {table_pair.old} and creates table {table_pair.new} with the same "
                f"columns at line {table_pair.add.line}: if this is a rename, every row of "
                f"{table_pair.old} is lost",
                table_pair.drop,
                UPGRADE,
            )


@dataclass(frozen=True)
class Pair:
    """A dropped column (or table) and an added one that may be its new name."""

    table: str
    old: str
    new: str
    type: str
    drop: Statement
    add: Statement
    convincing: bool


def renamed_columns(ctx: Context) -> list[Pair]:
    """Each dropped column of a live table paired with at most one added column of the
    same type in the same table (the most alike name first)."""
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
        return []
    # aerich's downgrade re-adds a dropped column with its old definition
    old_defs: dict[str, ColumnInfo] = {
        f"{fact.table}.{fact.column.name}": fact.column
        for _, _, fact in ctx.facts(AddColumn, (DOWNGRADE,))
    }
    typed = [
        (stmt, drop, old)
        for stmt, drop in drops
        if (old := old_defs.get(f"{drop.table}.{drop.column}")) is not None
    ]
    out: list[Pair] = []
    used: set[int] = set()
    for drop_stmt, drop, old in typed:
        candidates = [
            (stmt, add)
            for stmt, add in adds
            if add.table == drop.table and add.column.type == old.type and id(add) not in used
        ]
        if not candidates:
            continue
        candidates.sort(key=lambda c: -_likeness(drop.column, c[1].column.name))
        add_stmt, add = candidates[0]
        used.add(id(add))
        convincing = alike(drop.column, add.column.name)
        out.append(
            Pair(
                drop.table, drop.column, add.column.name, old.type, drop_stmt, add_stmt, convincing
            )
        )
    return out


def renamed_tables(ctx: Context) -> list[Pair]:
    """Dropped tables paired with a created table of exactly the same columns."""
    dropped = {fact.table: stmt for _, stmt, fact in ctx.facts(DropTable, (UPGRADE,))}
    if not dropped:
        return []
    old_shapes = {
        fact.table: _shape(fact)
        for _, _, fact in ctx.facts(CreateTable, (DOWNGRADE,))
        if fact.table in dropped
    }
    out: list[Pair] = []
    for _, stmt, fact in ctx.facts(CreateTable, (UPGRADE,)):
        if fact.table in dropped:
            continue
        for old_name, shape in old_shapes.items():
            if shape and shape == _shape(fact):
                out.append(Pair("", old_name, fact.table, "", dropped[old_name], stmt, True))
                break
    return out


def convincing_drops(ctx: Context) -> set[tuple[str, str]]:
    """(table, column) of the drops this rule reports as an error: drop-column and
    drop-table leave them to it when it is in force. Column "" for a table."""
    if ProbableRenameRule.name not in ctx.enabled:
        return set()
    columns, tables = _pairs(ctx)
    return {(p.table, p.old) for p in columns if p.convincing} | {(p.old, "") for p in tables}


def _pairs(ctx: Context) -> tuple[list[Pair], list[Pair]]:
    """The column and table pairs of this file, worked out once for this rule and for
    drop-column and drop-table."""
    key = "probable-rename:pairs"
    if key not in ctx.shared:
        ctx.shared[key] = (renamed_columns(ctx), renamed_tables(ctx))
    found: tuple[list[Pair], list[Pair]] = ctx.shared[key]
    return found


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])", name.lower()) if w}


def _likeness(old: str, new: str) -> float:
    return difflib.SequenceMatcher(None, old.lower(), new.lower()).ratio()


def alike(old: str, new: str) -> bool:
    """Names a rename would plausibly give: one contains the other, they share a word
    other than the usual affixes ("id", "at", "is" ...), or they are spelt alike."""
    a, b = old.lower(), new.lower()
    if a in b or b in a:
        return True
    shared = (_words(a) & _words(b)) - {"id", "at", "is", "has", "no", "num", "by", "on"}
    return bool(shared) or _likeness(a, b) >= 0.75


def _shape(table: CreateTable) -> frozenset[tuple[str, str]]:
    return frozenset((c.name, c.type) for c in table.columns)
