from __future__ import annotations

from aerich_lint.model import Severity
from aerich_lint.rules._status import StatusRule
from aerich_lint.rules.base import ALL_SYSTEMS


class AppliedFileMissingRule(StatusRule):
    name = "applied-file-missing"
    code = "AL501"
    severity = Severity.ERROR
    summary = "status: the database records a migration whose file is gone or renamed."
    why = (
        "aerich knows what it applied by the full file name it wrote into its `aerich` "
        "table (tortoise's native migrations: the name in `tortoise_migrations`). A file "
        "renamed after it ran (a new timestamp, a better name, a rebase that renumbered it) "
        "is a new migration to `aerich upgrade`: it runs again, and its CREATE TABLE or ADD "
        "COLUMN fails on objects that exist, or, worse, its data statements apply twice. A "
        "file deleted after it ran leaves a database whose schema no file explains: "
        "`aerich downgrade` cannot undo it and a new environment built from the files "
        "differs from this one. `aerich-lint status` compares the table with the files."
    )
    example = (
        "aerich table:  1_20240105120000_add_email.py\non disk:       1_20240107093000_add_email.py"
    )
    fix = (
        "Give the file back its recorded name (`git mv`), or, when the rename is wanted, "
        "update the row by hand in every database that applied it "
        "(`UPDATE aerich SET version = 'new name' WHERE version = 'old name'`). Restore a "
        "deleted file from git; never delete a migration a database has applied."
    )
    hint = "give the file back the name the aerich table records"
    systems = ALL_SYSTEMS
