from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import FILE, Severity
from aerich_lint.rules._native import app_graph, native_file
from aerich_lint.rules.base import NATIVE, Context, Rule, Violation


class MissingDependencyRule(Rule):
    name = "missing-dependency"
    code = "AL242"
    systems = NATIVE
    severity = Severity.ERROR
    summary = "A migration depends on a migration of its app that does not exist."
    why = (
        "Tortoise builds the graph of every migration before it applies any: a dependency "
        "on a file that is not there (renamed, deleted, or never committed) stops `tortoise "
        "migrate` for the whole project, not only this app."
    )
    example = (
        "from tortoise import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("models", "0002_never_committed")]\n\n'
        "    operations = []"
    )
    fix = (
        "Commit the missing migration, or point `dependencies` at the migration this one "
        "really follows (the app's previous newest)."
    )
    hint = "commit the missing migration or depend on the one this really follows"

    def check(self, ctx: Context) -> Iterator[Violation]:
        _, graph = app_graph(ctx)
        native = native_file(ctx)
        for name, (app, parent) in graph.missing:
            if name == ctx.migration.name:
                yield Violation(
                    f"depends on {app}.{parent}, which is not in this app's migrations",
                    section=FILE,
                    line=native.dependencies_line or 1,
                )
