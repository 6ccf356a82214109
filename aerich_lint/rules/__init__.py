"""Stage 5: the rules. Their logic is in one module per rule, listed by ``registry``.

This module is the catalog: what choosing rules needs (names, codes, defaults),
without importing the rules' logic, their facts and the history they read. A warm
run takes its findings from the cache and never runs a rule, so it never imports
them. ``CATALOG`` is written from the rule classes (``python -m
aerich_lint.rules.registry`` prints it) and ``tests/test_rule_catalog.py`` keeps the
two equal.
"""

from __future__ import annotations

from typing import NamedTuple

from aerich_lint.errors import UsageError


class Entry(NamedTuple):
    name: str
    code: str
    enabled_by_default: bool
    needs_history: bool
    verify_only: bool


# fmt: off
CATALOG: tuple[Entry, ...] = (
    Entry("sql-syntax", "AL001", True, False, False),
    Entry("unrecognized-sql", "AL002", True, False, False),
    Entry("invalid-migration", "AL003", True, False, False),
    Entry("unknown-suppression", "AL004", True, False, False),
    Entry("unused-suppression", "AL005", True, False, False),
    Entry("not-executed", "AL006", True, False, False),
    Entry("drop-table", "AL101", True, True, False),
    Entry("drop-column", "AL102", True, True, False),
    Entry("truncate", "AL103", True, False, False),
    Entry("delete-without-where", "AL104", True, False, False),
    Entry("drop-database", "AL105", True, False, False),
    Entry("missing-downgrade", "AL110", True, False, False),
    Entry("non-transactional", "AL111", True, False, False),
    Entry("rename-column", "AL120", True, False, False),
    Entry("rename-table", "AL121", True, False, False),
    Entry("probable-rename", "AL122", True, False, False),
    Entry("unknown-object", "AL201", True, True, False),
    Entry("downgrade-broken", "AL202", True, True, False),
    Entry("downgrade-mismatch", "AL203", True, True, False),
    Entry("models-state-mismatch", "AL204", True, True, False),
    Entry("no-op-statement", "AL205", True, True, False),
    Entry("duplicate-version", "AL210", True, False, False),
    Entry("version-name", "AL211", True, False, False),
    Entry("old-format", "AL212", True, False, False),
    Entry("data-migration", "AL220", True, False, False),
    Entry("python-hazard", "AL221", True, False, False),
    Entry("frozen-default", "AL222", True, False, False),
    Entry("edited-migration", "AL230", True, False, False),
    Entry("deleted-migration", "AL231", True, False, False),
    Entry("breaks-running-code", "AL232", True, False, False),
    Entry("irreversible-migration", "AL240", True, False, False),
    Entry("conflicting-leaves", "AL241", True, False, False),
    Entry("missing-dependency", "AL242", True, False, False),
    Entry("sql-generation-failed", "AL243", True, False, False),
    Entry("mixed-migration-systems", "AL244", True, False, False),
    Entry("non-concurrent-index", "AL301", True, True, False),
    Entry("concurrently-in-transaction", "AL302", True, False, False),
    Entry("constraint-not-valid", "AL303", True, True, False),
    Entry("set-not-null", "AL304", True, True, False),
    Entry("column-type-change", "AL305", True, True, False),
    Entry("volatile-default", "AL306", True, True, False),
    Entry("add-unique", "AL307", True, True, False),
    Entry("add-primary-key", "AL308", True, True, False),
    Entry("lock-timeout", "AL309", False, True, False),
    Entry("implicit-commit", "AL320", True, False, False),
    Entry("change-loses-attributes", "AL321", True, True, False),
    Entry("mysql-unsupported-syntax", "AL322", True, False, False),
    Entry("sqlite-unsupported-alter", "AL323", True, True, False),
    Entry("sqlite-pragma-in-transaction", "AL324", True, False, False),
    Entry("add-required-column", "AL325", True, False, False),
    Entry("mysql-add-foreign-key", "AL326", True, True, False),
    Entry("rebuild-drops-index", "AL327", True, True, False),
    Entry("upgrade-failed", "AL401", True, False, True),
    Entry("downgrade-failed", "AL402", True, False, True),
    Entry("roundtrip-mismatch", "AL403", True, False, True),
    Entry("exclusive-lock", "AL404", True, False, True),
    Entry("applied-file-missing", "AL501", True, False, True),
    Entry("applied-state-differs", "AL502", True, False, True),
    Entry("schema-drift", "AL503", True, False, True),
)
# fmt: on

BY_NAME: dict[str, Entry] = {e.name: e for e in CATALOG}
BY_CODE: dict[str, Entry] = {e.code.upper(): e for e in CATALOG}


def rule_name(name_or_code: str) -> str | None:
    """The rule a name or code (any case) means, or None."""
    key = name_or_code.strip()
    entry = BY_NAME.get(key.lower()) or BY_CODE.get(key.upper())
    return entry.name if entry is not None else None


def resolve(names: list[str], where: str) -> set[str]:
    """Rule names from names, codes, code prefixes (AL1) or ALL; unknown -> UsageError."""
    out: set[str] = set()
    for raw in names:
        key = raw.strip()
        if not key:
            continue
        if key.upper() == "ALL":
            out.update(BY_NAME)
            continue
        name = rule_name(key)
        if name is not None:
            out.add(name)
            continue
        prefixed = [e.name for e in CATALOG if e.code.upper().startswith(key.upper())]
        if key.upper().startswith("AL") and prefixed:
            out.update(prefixed)
            continue
        raise UsageError(f"{where}: unknown rule {raw!r} (see `aerich-lint rules`)")
    return out


__all__ = ["BY_CODE", "BY_NAME", "CATALOG", "Entry", "resolve", "rule_name"]
