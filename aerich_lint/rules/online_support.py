"""Helpers shared by the MySQL / SQLite / all-dialect online-safety rules (AL320-AL339)."""

from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import Effect
from aerich_lint.history.schema import Applier, Known, Schema
from aerich_lint.model import UPGRADE, Statement
from aerich_lint.rules.base import Context
from aerich_lint.targets import Target


def older_than(target: Target, *version: int) -> bool:
    """Is the target server older than ``version``? Only as many parts as the target
    names are compared: ``mysql:8.0`` means any 8.0.x, so it is not older than 8.0.19
    (the configured version is the line the project runs, not its first release)."""
    return target.version < version[: len(target.version)]


def walk(ctx: Context, section: str) -> Iterator[tuple[Statement, Effect, Schema]]:
    """Each fact of a section with the replayed schema as it is just before that fact
    (the upgrade starts from the schema before the migration, the downgrade from the one
    after its upgrade). Nothing when the history is unknown or no longer reliable. The
    schema is changed after each yield: read it before asking for the next fact."""
    step = ctx.history
    if step is None or not step.reliable:
        return
    schema = (step.before if section == UPGRADE else step.after).copy()
    applier = Applier(schema, Known(complete=False))
    for stmt in ctx.statements(section):
        for fact in ctx.effects(stmt):
            yield stmt, fact, schema
            applier.apply(fact)
