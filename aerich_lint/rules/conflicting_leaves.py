from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import FILE, Severity
from aerich_lint.rules._native import app_graph
from aerich_lint.rules.base import NATIVE, Context, Rule, Violation


class ConflictingLeavesRule(Rule):
    name = "conflicting-leaves"
    code = "AL241"
    systems = NATIVE
    severity = Severity.ERROR
    summary = "Two migrations of one app are both its newest (two branches merged): two leaves."
    why = (
        "Two branches each ran `tortoise makemigrations` on the same parent, and both files "
        "were merged. Tortoise applies both, one after the other, in an order nothing "
        "states (the leaves' names), without a word; databases migrated from either branch "
        "before the merge applied them in different orders, and the next `makemigrations` "
        "builds on one leaf and ignores the other. Reported once, on the last leaf by name."
    )
    example = (
        "migrations/models/0001_initial.py\n"
        "migrations/models/0002_add_sku.py\n"
        "migrations/models/0002_add_tags.py"
    )
    fix = (
        "Make one the parent of the other: in the later one, depend on both (`dependencies = "
        '[("models", "0003_add_sku"), ("models", "0003_add_tags")]`) or renumber it after '
        "the first, if no database has applied it; check that the two do not change the "
        "same model."
    )
    hint = "make the later leaf depend on the other (a merge) so the order is stated"

    def check(self, ctx: Context) -> Iterator[Violation]:
        _, graph = app_graph(ctx)
        if len(graph.leaves) < 2 or ctx.migration.name != graph.leaves[-1]:
            return
        others = ", ".join(graph.leaves[:-1])
        yield Violation(
            f"{ctx.migration.name} and {others} are both newest in this app: tortoise applies "
            "them in name order without saying so",
            section=FILE,
            line=1,
        )
