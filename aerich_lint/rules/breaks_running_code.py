from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aerich_lint.effects import (
    ChangeColumn,
    DropColumn,
    DropTable,
    RenameColumn,
    RenameTable,
)
from aerich_lint.model import UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules.base import Context, Rule, Violation


class BreaksRunningCodeRule(Rule):
    name = "breaks-running-code"
    code = "AL232"
    severity = Severity.ERROR
    summary = "The migration breaks the code still running during the deploy (with --since)."
    why = (
        "A deploy runs the migration while the previous release still serves: for seconds "
        "or minutes, the old code queries the new schema. Every aerich file's MODELS_STATE "
        "is exactly the models of the code that wrote it, so the newest one at the base of "
        "the branch (`--since REF`) is the running code's; this rule compares each "
        "migration the branch adds with it. Tortoise selects every field a model declares, "
        "so a column or table dropped or renamed while the old model still declares it "
        "makes every query of that model fail until the new release serves (a drop also "
        "deletes the data); a VARCHAR narrowed below the old field's max_length makes the "
        "old code's writes of longer values fail (on PostgreSQL and MySQL that is "
        "column-type-change's error already, so this rule says it on SQLite, or when that "
        "rule is off). (A field removed from the models without "
        "a migration leaves MODELS_STATE behind the code: `aerich-lint drift` catches that; "
        "see the fix for the release that stops using a column.) Without `--since` the "
        "running code is "
        "not known and the rule is quiet (drop-column, rename-column and the others still "
        "report the statements). A NOT NULL column the old code does not write is "
        "add-required-column's finding."
    )
    example = 'ALTER TABLE "customer" DROP COLUMN "nickname";'
    fix = (
        "Expand and contract, in two releases. Release 1: remove the field from the model, "
        "run `aerich migrate` and delete the DROP from the file it writes (its MODELS_STATE "
        "then records the field gone, so the next release's running code is known, and "
        "`aerich-lint drift` stays quiet); ship the code that no longer uses the column. "
        "Release 2: `aerich migrate --empty` and write the DROP in it. For a rename, add "
        "the new column (release 1: write both, read the old; "
        "backfill), switch reads (release 2), drop the old one (release 3), or keep the "
        "column and map the renamed field to it with `source_field`. Widen, never narrow, "
        "a column the running code writes."
    )
    hint = (
        "expand/contract: release 1 stops using it (migrate, delete the DROP); release 2 drops it"
    )

    def check(self, ctx: Context) -> Iterator[Violation]:
        for hit in running_code_hits(ctx):
            yield Violation(hit.message, hit.statement, UPGRADE)


@dataclass(frozen=True)
class Hit:
    kind: str  # "table" or "column": what drop-table / drop-column / the renames defer
    table: str
    column: str
    statement: Statement
    message: str


def running_code_hits(ctx: Context) -> list[Hit]:
    """What this file breaks of the running code's models, worked out once for this
    rule and for the rules that defer to it (drop-table, drop-column, the renames)."""
    if BreaksRunningCodeRule.name not in ctx.enabled or ctx.running_models is None:
        return []
    key = "breaks-running-code:hits"
    if key not in ctx.shared:
        ctx.shared[key] = _hits(ctx, _models(ctx.running_models))
    found: list[Hit] = ctx.shared[key]
    return found


@dataclass(frozen=True)
class _Field:
    model: str
    name: str
    max_length: int | None


def _models(state: Any) -> dict[str, tuple[str, dict[str, _Field]]]:
    """table -> (model name, db column -> field) of a MODELS_STATE (tortoise's describe())."""
    from aerich_lint.load.models_state import described_models

    out: dict[str, tuple[str, dict[str, _Field]]] = {}
    for table, model, described in described_models(state):
        name = str(model.get("name") or "").rsplit(".", 1)[-1]
        if name == "Aerich":
            continue  # (aerich's own table is aerich's business)
        fields: dict[str, _Field] = {}
        for field in described:
            constraints = field.get("constraints")
            limit = constraints.get("max_length") if isinstance(constraints, dict) else None
            fields[field["db_column"]] = _Field(
                name, str(field.get("name") or field["db_column"]),
                limit if isinstance(limit, int) else None,
            )  # fmt: skip
        out[table] = (name, fields)
    return out


_VARCHAR = re.compile(r"^\s*(?:VARCHAR|CHARACTER VARYING|CHAR)\s*\(\s*(\d+)\s*\)\s*$", re.I)


def _hits(ctx: Context, models: dict[str, tuple[str, dict[str, _Field]]]) -> list[Hit]:
    out: list[Hit] = []
    for _, stmt in ctx.each_statement((UPGRADE,)):
        for fact in ctx.effects(stmt):
            known = models.get(fact.table)
            if known is None or ctx.is_new(UPGRADE, stmt, "table", fact.table):
                continue
            if isinstance(fact, ChangeColumn) and _narrowing_told(ctx):
                continue
            hit = _hit(fact, stmt, *known)
            if hit is not None:
                out.append(hit)
    return out


_WINDOW = "until the new release serves"


def _narrowing_told(ctx: Context) -> bool:
    """On PostgreSQL and MySQL, column-type-change already makes a narrowed column an
    error (longer values fail the ALTER or are cut): one finding for the statement."""
    return ctx.dialect in (Dialect.POSTGRES, Dialect.MYSQL) and "column-type-change" in ctx.enabled


def _hit(fact: object, stmt: Statement, model: str, fields: dict[str, _Field]) -> Hit | None:
    if isinstance(fact, DropTable):
        return Hit("table", fact.table, "", stmt, (
            f"drops table {fact.table}, which the running code's model {model} still "
            f"uses: every query of {model} fails {_WINDOW}, and its rows are deleted"
        ))  # fmt: skip
    if isinstance(fact, RenameTable):
        return Hit("table", fact.table, "", stmt, (
            f"renames table {fact.table} to {fact.new} while the running code's model "
            f"{model} still uses {fact.table}: every query of {model} fails {_WINDOW}"
        ))  # fmt: skip
    if isinstance(fact, DropColumn) and fact.column in fields:
        field = fields[fact.column]
        return Hit("column", fact.table, fact.column, stmt, (
            f"drops column {fact.table}.{fact.column}, which the running code's "
            f"{model}.{field.name} still reads: every query of {model} fails {_WINDOW}, "
            "and the column's data is deleted"
        ))  # fmt: skip
    if isinstance(fact, RenameColumn) and fact.old in fields:
        field = fields[fact.old]
        return Hit("column", fact.table, fact.old, stmt, (
            f"renames column {fact.table}.{fact.old} to {fact.new} while the running "
            f"code's {model}.{field.name} still reads {fact.old}: every query of "
            f"{model} fails {_WINDOW}"
        ))  # fmt: skip
    if isinstance(fact, ChangeColumn) and fact.column in fields and fact.new_type:
        field, narrow = fields[fact.column], _VARCHAR.match(fact.new_type)
        if narrow and field.max_length and int(narrow.group(1)) < field.max_length:
            return Hit("type", fact.table, fact.column, stmt, (
                f"narrows {fact.table}.{fact.column} to {fact.new_type} while the running "
                f"code's {model}.{field.name} allows max_length={field.max_length}: its "
                f"writes of longer values fail {_WINDOW}"
            ))  # fmt: skip
    return None
