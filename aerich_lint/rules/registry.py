"""Stage 5: the rules' logic. One module per rule, registered here in code order.

To add a rule: write ``rules/<rule_name>.py`` with a ``Rule`` subclass (metadata,
documentation and ``check``), add it to ``RULES`` below, add its case file
``tests/rules/<rule_name>.toml``, and refresh the catalog in ``rules/__init__.py``
(``python -m aerich_lint.rules.registry`` prints it; a test compares).
"""

from __future__ import annotations

from aerich_lint.rules import rule_name
from aerich_lint.rules.add_primary_key import AddPrimaryKeyRule
from aerich_lint.rules.add_required_column import AddRequiredColumnRule
from aerich_lint.rules.add_unique import AddUniqueRule
from aerich_lint.rules.applied_file_missing import AppliedFileMissingRule
from aerich_lint.rules.applied_state_differs import AppliedStateDiffersRule
from aerich_lint.rules.base import Context, Rule, Violation
from aerich_lint.rules.breaks_running_code import BreaksRunningCodeRule
from aerich_lint.rules.change_loses_attributes import ChangeLosesAttributesRule
from aerich_lint.rules.column_type_change import ColumnTypeChangeRule
from aerich_lint.rules.concurrently_in_transaction import ConcurrentlyInTransactionRule
from aerich_lint.rules.conflicting_leaves import ConflictingLeavesRule
from aerich_lint.rules.constraint_not_valid import ConstraintNotValidRule
from aerich_lint.rules.data_migration import DataMigrationRule
from aerich_lint.rules.delete_without_where import DeleteWithoutWhereRule
from aerich_lint.rules.deleted_migration import DeletedMigrationRule
from aerich_lint.rules.downgrade_broken import DowngradeBrokenRule
from aerich_lint.rules.downgrade_failed import DowngradeFailedRule
from aerich_lint.rules.downgrade_mismatch import DowngradeMismatchRule
from aerich_lint.rules.drop_column import DropColumnRule
from aerich_lint.rules.drop_database import DropDatabaseRule
from aerich_lint.rules.drop_table import DropTableRule
from aerich_lint.rules.duplicate_version import DuplicateVersionRule
from aerich_lint.rules.edited_migration import EditedMigrationRule
from aerich_lint.rules.exclusive_lock import ExclusiveLockRule
from aerich_lint.rules.frozen_default import FrozenDefaultRule
from aerich_lint.rules.implicit_commit import ImplicitCommitRule
from aerich_lint.rules.invalid_migration import InvalidMigrationRule
from aerich_lint.rules.irreversible_migration import IrreversibleMigrationRule
from aerich_lint.rules.lock_timeout import LockTimeoutRule
from aerich_lint.rules.missing_dependency import MissingDependencyRule
from aerich_lint.rules.missing_downgrade import MissingDowngradeRule
from aerich_lint.rules.mixed_migration_systems import MixedMigrationSystemsRule
from aerich_lint.rules.models_state_mismatch import ModelsStateMismatchRule
from aerich_lint.rules.mysql_add_foreign_key import MysqlAddForeignKeyRule
from aerich_lint.rules.mysql_unsupported_syntax import MysqlUnsupportedSyntaxRule
from aerich_lint.rules.no_op_statement import NoOpStatementRule
from aerich_lint.rules.non_concurrent_index import NonConcurrentIndexRule
from aerich_lint.rules.non_transactional import NonTransactionalRule
from aerich_lint.rules.not_executed import NotExecutedRule
from aerich_lint.rules.old_format import OldFormatRule
from aerich_lint.rules.probable_rename import ProbableRenameRule
from aerich_lint.rules.python_hazard import PythonHazardRule
from aerich_lint.rules.rebuild_drops_index import RebuildDropsIndexRule
from aerich_lint.rules.rename_column import RenameColumnRule
from aerich_lint.rules.rename_table import RenameTableRule
from aerich_lint.rules.roundtrip_mismatch import RoundtripMismatchRule
from aerich_lint.rules.schema_drift import SchemaDriftRule
from aerich_lint.rules.set_not_null import SetNotNullRule
from aerich_lint.rules.sql_generation_failed import SqlGenerationFailedRule
from aerich_lint.rules.sql_syntax import SqlSyntaxRule
from aerich_lint.rules.sqlite_pragma_in_transaction import SqlitePragmaInTransactionRule
from aerich_lint.rules.sqlite_unsupported_alter import SqliteUnsupportedAlterRule
from aerich_lint.rules.suppressions import UnknownSuppressionRule, UnusedSuppressionRule
from aerich_lint.rules.truncate import TruncateRule
from aerich_lint.rules.unknown_object import UnknownObjectRule
from aerich_lint.rules.unrecognized_sql import UnrecognizedSqlRule
from aerich_lint.rules.upgrade_failed import UpgradeFailedRule
from aerich_lint.rules.version_name import VersionNameRule
from aerich_lint.rules.volatile_default import VolatileDefaultRule

RULES: tuple[Rule, ...] = (
    SqlSyntaxRule(),
    UnrecognizedSqlRule(),
    InvalidMigrationRule(),
    UnknownSuppressionRule(),
    UnusedSuppressionRule(),
    NotExecutedRule(),
    DropTableRule(),
    DropColumnRule(),
    TruncateRule(),
    DeleteWithoutWhereRule(),
    DropDatabaseRule(),
    MissingDowngradeRule(),
    NonTransactionalRule(),
    RenameColumnRule(),
    RenameTableRule(),
    ProbableRenameRule(),
    UnknownObjectRule(),
    DowngradeBrokenRule(),
    DowngradeMismatchRule(),
    ModelsStateMismatchRule(),
    NoOpStatementRule(),
    DuplicateVersionRule(),
    VersionNameRule(),
    OldFormatRule(),
    DataMigrationRule(),
    PythonHazardRule(),
    FrozenDefaultRule(),
    EditedMigrationRule(),  # only active with --since
    DeletedMigrationRule(),  # only active with --since
    BreaksRunningCodeRule(),  # only active with --since
    # --- Tortoise ORM native migrations: their graph and their reverses (AL240-) ---
    IrreversibleMigrationRule(),
    ConflictingLeavesRule(),
    MissingDependencyRule(),
    SqlGenerationFailedRule(),
    MixedMigrationSystemsRule(),
    # --- PostgreSQL online-safety rules (issue 4, AL301-AL319) ---
    NonConcurrentIndexRule(),
    ConcurrentlyInTransactionRule(),
    ConstraintNotValidRule(),
    SetNotNullRule(),
    ColumnTypeChangeRule(),
    VolatileDefaultRule(),
    AddUniqueRule(),
    AddPrimaryKeyRule(),
    LockTimeoutRule(),
    # --- MySQL / SQLite / all-dialect online-safety rules (issue 4, AL320-AL339) ---
    ImplicitCommitRule(),
    ChangeLosesAttributesRule(),
    MysqlUnsupportedSyntaxRule(),
    SqliteUnsupportedAlterRule(),
    SqlitePragmaInTransactionRule(),
    AddRequiredColumnRule(),
    MysqlAddForeignKeyRule(),
    RebuildDropsIndexRule(),
    # --- found by `aerich-lint verify` on a real database (issue 6, AL401-AL409) ---
    UpgradeFailedRule(),
    DowngradeFailedRule(),
    RoundtripMismatchRule(),
    ExclusiveLockRule(),
    AppliedFileMissingRule(),
    AppliedStateDiffersRule(),
    SchemaDriftRule(),
)

BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
BY_CODE: dict[str, Rule] = {r.code.upper(): r for r in RULES}


def lookup(name_or_code: str) -> Rule | None:
    name = rule_name(name_or_code)
    return BY_NAME[name] if name is not None else None


def catalog_source() -> str:
    """The ``CATALOG`` literal of ``rules/__init__.py``, from the rule classes."""
    lines = ["CATALOG: tuple[Entry, ...] = ("]
    for r in RULES:
        lines.append(
            f'    Entry("{r.name}", "{r.code}", {r.enabled_by_default}, '
            f"{r.needs_history}, {r.verify_only}),"
        )
    lines.append(")")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalog_source(), end="")


__all__ = ["BY_CODE", "BY_NAME", "RULES", "Context", "Rule", "Violation", "lookup"]
