from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import FILE, Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class DeletedMigrationRule(Rule):
    name = "deleted-migration"
    code = "AL231"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "A migration that existed at the base was deleted or renamed (only with --since)."
    why = (
        "Aerich records each applied migration by its file name in the `aerich` table. "
        "A renamed file is a new migration to `aerich upgrade`: every database that applied "
        "it under the old name runs it again, and its CREATE TABLE or ADD COLUMN fails on "
        "objects that are already there (or, with IF NOT EXISTS, silently does part of the "
        "work twice). A deleted file leaves every database that applied it ahead of the code: "
        "the schema has what the file made, the next `aerich migrate` is computed from "
        "MODELS_STATE that no longer includes it, and `aerich downgrade` cannot go back past "
        "it. Only active with `--since REF`: a migration counts when it existed at "
        "`git merge-base REF HEAD` and is gone from the working tree (a rename is found by "
        "git's rename detection, or by an added file with the same bytes)."
    )
    example = (
        "# on the base branch, applied in production:\n"
        "migrations/models/3_20240301000000_add_sku.py\n"
        "# this branch renames it:\n"
        "git mv migrations/models/3_20240301000000_add_sku.py \\\n"
        "       migrations/models/3_20240301000000_add_product_sku.py"
    )
    fix = (
        "Restore the file under its old name (`git checkout REF -- <path>`) and put any change "
        "in a new migration. Squashing history is only safe when every database is rebuilt "
        "or re-baselined: then delete the rows of the removed files from the `aerich` table "
        "in the same deploy, and suppress this finding with `--ignore deleted-migration` (or "
        "`per-file-ignores`) for that one change. A rename that was never deployed anywhere can "
        "be suppressed in the renamed file: `# aerich-lint: ignore-file deleted-migration "
        "<reason>`."
    )
    hint = "restore the file under its old name; put changes in a new migration"

    def check(self, ctx: Context) -> Iterator[Violation]:
        if ctx.deleted:
            yield Violation(
                "this migration existed at the base and is deleted on this branch: every "
                "database that applied it stays ahead of the code, and aerich can no longer "
                "downgrade past it",
                section=FILE,
                line=1,
            )
        elif ctx.renamed_from:
            yield Violation(
                f"renamed from {ctx.renamed_from}: aerich records applied migrations by file "
                f"name, so every database that applied {ctx.renamed_from} runs this file again",
                section=FILE,
                line=1,
            )
