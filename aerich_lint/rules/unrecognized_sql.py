from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class UnrecognizedSqlRule(Rule):
    name = "unrecognized-sql"
    code = "AL002"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "A statement the SQL parser does not understand: the linter cannot vouch for it."
    why = (
        "sqlglot keeps statements it has no grammar for as opaque commands. No rule can see "
        "what such a statement does, so a dangerous one would pass silently; it is reported "
        "instead. Statements known to be valid that sqlglot keeps opaque (CREATE EXTENSION, "
        "ALTER TYPE ... ADD VALUE, ALTER TABLE ... VALIDATE CONSTRAINT, VACUUM, DO blocks, "
        "CREATE DOMAIN, CREATE FOREIGN TABLE, GRANT and role statements, MySQL RENAME TABLE, "
        "...) are recognised and not reported. On PostgreSQL every statement reported here is "
        "valid for the server's own parser (one it refuses is sql-syntax instead): it may still "
        "fail when it runs, on an object or a type that does not exist."
    )
    example = 'ALTER TABLE "product" INHERIT "base_product";'
    fix = (
        "Review the statement by hand and, once satisfied, suppress it: "
        "`-- aerich-lint: ignore unrecognized-sql <what it does>`. Check that the dialect "
        "is right (`--dialect`)."
    )
    hint = "review it by hand, then suppress with a reason"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt in ctx.each_statement():
            if stmt.command == "":
                words = " ".join(stmt.sql.split()[:4])
                yield Violation(
                    f"the {ctx.dialect.value} parser does not understand "
                    f"'{words} ...': no rule can check this statement",
                    stmt,
                    section,
                )
