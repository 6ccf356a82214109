from __future__ import annotations

from aerich_lint.model import Severity
from aerich_lint.rules._status import StatusRule


class AppliedStateDiffersRule(StatusRule):
    name = "applied-state-differs"
    code = "AL502"
    severity = Severity.WARNING
    summary = (
        "status: the models aerich recorded when it applied a file differ from its MODELS_STATE."
    )
    why = (
        "When `aerich upgrade` applies a file it stores the file's MODELS_STATE in the "
        "`content` column of its table, and `aerich migrate` diffs the models against the "
        "newest content to write the next migration. A file edited after it was applied "
        "(its SQL or its MODELS_STATE changed by hand, a merge that rewrote it) no longer "
        "says what ran: the database holds the old schema, the file describes another, "
        "and the next `aerich migrate` on a machine with the other state writes the wrong "
        "difference. `aerich-lint status` decodes both and names the models and fields "
        "that differ."
    )
    example = (
        "aerich.content of 2_20240110_add_phone.py: models.Customer has phone\n"
        "its MODELS_STATE now:                      models.Customer has phone, vip"
    )
    fix = (
        "Restore the applied file from git (`git log -p` on it shows the edit) and put the "
        "change in a new migration (`aerich migrate`). If the edit only fixed the "
        "MODELS_STATE and the database is right, re-record it: `aerich fix-migrations` "
        "where it applies, or update the row's content by hand."
    )
    hint = "restore the applied file and make the change a new migration"
