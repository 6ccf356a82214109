from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from aerich_lint.effects import AddColumn, ColumnInfo, CreateTable, DropColumn, DropTable
from aerich_lint.model import DOWNGRADE, UPGRADE, Severity, Statement
from aerich_lint.rules._rebuild import rebuild_drops
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class ProbableRenameRule(Rule):
    name = "probable-rename"
    code = "AL122"
    severity = Severity.ERROR
    summary = (
        "A column (or table) is dropped and one of the same or a wider type added: a lost rename?"
    )
    why = (
        "When a field is renamed, `aerich migrate` asks `Rename name to full_name? [True]`. "
        "Answered no, it writes ADD full_name + DROP name: the migration runs cleanly and "
        "every value of the old column is gone. A field renamed while its definition "
        "changed too is never asked about and always comes out that way. Tortoise ORM's "
        "native `makemigrations` never asks: a field renamed with its definition unchanged "
        "becomes a RenameField, one renamed while its type was widened or its max_length "
        "raised becomes AddField + RemoveField (on SQLite, a table rebuild whose copy "
        "leaves the old column out). So the added column may have the old one's type or a "
        "wider one of the same kind (VARCHAR(200) to VARCHAR(300) or TEXT, INT to BIGINT, "
        "a larger DECIMAL). A table dropped "
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
    native_hint = (
        "if this is a rename, write RenameField (then AlterField for the new definition) "
        "instead of AddField + RemoveField"
    )
    systems = ALL_SYSTEMS

    def check(self, ctx: Context) -> Iterator[Violation]:
        columns, tables = _pairs(ctx)
        native = ctx.system == "native"
        for pair in columns:
            same = pair.type == pair.new_type
            if pair.convincing:
                if not native:
                    why = "aerich's rename prompt answered no?"
                elif same:
                    why = "a RenameField would have kept it"
                else:
                    why = (
                        "tortoise writes a field renamed with a new definition as AddField + "
                        "RemoveField, without asking"
                    )
                kind = (
                    f"the same type {pair.type}"
                    if same
                    else f"type {pair.new_type} (was {pair.type})"
                )
                how = " (left out of the table rebuild's copy)" if pair.drop_kind else ""
                yield Violation(
                    f"drops column {pair.table}.{pair.old}{how} and adds "
                    f"{pair.table}.{pair.new} of {kind} at line {pair.add.line}: if this is "
                    f"a rename, the data in {pair.old} is lost ({why})",
                    pair.drop,
                    UPGRADE,
                )
            else:  # (unrelated names pair only with the same type)
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
    type: str  # the dropped column's
    drop: Statement
    add: Statement
    convincing: bool
    new_type: str = ""  # the added column's: the same, or a wider one of its kind
    drop_kind: str = ""  # "rebuild": left out of a SQLite table rebuild's copy


def renamed_columns(ctx: Context) -> list[Pair]:
    """Each dropped column of a live table paired with at most one added column of the
    same type, or a wider one of its kind, in the same table (the same type first, then
    the most alike name). A column a SQLite table rebuild leaves out is dropped too."""
    up = (UPGRADE,)
    drops = [
        (stmt, fact.table, fact.column, "")
        for _, stmt, fact in ctx.facts(DropColumn, up)
        if not ctx.is_new(UPGRADE, stmt, "column", f"{fact.table}.{fact.column}")
    ]
    drops += [
        (stmt, table, column, "rebuild")
        for stmt, table, column in rebuild_drops(ctx, UPGRADE)
        if not ctx.is_new(UPGRADE, stmt, "column", f"{table}.{column}")
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
        (stmt, table, column, kind, old)
        for stmt, table, column, kind in drops
        if (old := old_defs.get(f"{table}.{column}")) is not None
    ]
    out: list[Pair] = []
    used: set[int] = set()
    for drop_stmt, table, column, kind, old in typed:
        candidates = [
            (stmt, add)
            for stmt, add in adds
            if add.table == table
            and add.column.name != column
            and not transformed(column, add.column.name)
            # another type is evidence only with alike names (unrelated names and
            # the same type are already only a guess)
            and (
                add.column.type == old.type
                or (widens(old.type, add.column.type) and alike(column, add.column.name))
            )
            and id(add) not in used
        ]
        if not candidates:
            continue
        candidates.sort(
            key=lambda c: (c[1].column.type != old.type, -_likeness(column, c[1].column.name))
        )
        add_stmt, add = candidates[0]
        used.add(id(add))
        convincing = alike(column, add.column.name)
        out.append(
            Pair(
                table,
                column,
                add.column.name,
                old.type,
                drop_stmt,
                add_stmt,
                convincing,
                add.column.type,
                kind,
            )
        )
    return out


# Kinds of types a field keeps when its definition is widened, narrowest first.
_RANKS: tuple[tuple[str, ...], ...] = (
    ("TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT"),
    ("REAL", "FLOAT", "DOUBLE"),
    ("CHAR", "VARCHAR", "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT"),
)
_ALIASES = {
    "INTEGER": "INT",
    "INT4": "INT",
    "INT8": "BIGINT",
    "INT2": "SMALLINT",
    "FLOAT4": "REAL",
    "FLOAT8": "DOUBLE",
    "DOUBLE PRECISION": "DOUBLE",
    "CHARACTER VARYING": "VARCHAR",
    "CHARACTER": "CHAR",
    "NUMERIC": "DECIMAL",
}
_TYPE = re.compile(r"^\s*([A-Z][A-Z0-9 ]*?)\s*(?:\(([^()]*)\))?\s*$")


def widens(old: str, new: str) -> bool:
    """Is ``new`` the type ``old`` has, or a wider one of its kind: a longer string or
    TEXT, a larger integer, DOUBLE for FLOAT, more digits for DECIMAL? (What a field
    renamed while its max_length or type was widened comes out as.)"""
    if old == new:
        return True
    a, b = _TYPE.match(old.upper()), _TYPE.match(new.upper())
    if a is None or b is None:
        return False
    base_a, base_b = _ALIASES.get(a.group(1), a.group(1)), _ALIASES.get(b.group(1), b.group(1))
    args_a, args_b = _numbers(a.group(2)), _numbers(b.group(2))
    if args_a is None or args_b is None:
        return False
    if base_a == base_b:
        if base_a == "DECIMAL" and len(args_a) == len(args_b) == 2:
            # as many digits before the point and after it, or more: every value fits
            (p1, s1), (p2, s2) = args_a, args_b
            return s2 >= s1 and p2 - s2 >= p1 - s1
        return len(args_a) == len(args_b) and all(
            y >= x for x, y in zip(args_a, args_b, strict=True)
        )
    for rank in _RANKS:
        if base_a in rank and base_b in rank and rank.index(base_b) > rank.index(base_a):
            # a sized string into a longer one or into TEXT; integers and floats widen
            return not args_b or (bool(args_a) and args_b[0] >= args_a[0])
    return False


def _numbers(args: str | None) -> tuple[int, ...] | None:
    if not args:
        return ()
    try:
        return tuple(int(x) for x in args.split(","))
    except ValueError:
        return None


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


# Words that make the new column a transform of the old one, not its new name:
# ``password`` dropped for ``password_hash`` keeps no password on purpose.
_TRANSFORMS = frozenset({"hash", "hashed", "digest", "encrypted", "enc", "cipher", "salt"})


def transformed(old: str, new: str) -> bool:
    """Does the new name say it holds a transform of the old value (``code_hash``)?"""
    return bool((_words(new) - _words(old)) & _TRANSFORMS)


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
