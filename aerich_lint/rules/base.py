"""What every rule is: metadata and documentation next to one ``check``.

A rule's class attributes are its documentation (``aerich-lint explain``, the
README table); ``check`` yields ``Violation``s and the engine turns them into
findings with file, line, severity and suppressions applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from aerich_lint.effects import (
    AddColumn,
    CreateIndex,
    CreateTable,
    Effect,
    RenameColumn,
    RenameTable,
    effects,
)
from aerich_lint.model import (
    DOWNGRADE,
    FILE,
    SECTIONS,
    UPGRADE,
    Dialect,
    Migration,
    Severity,
    Statement,
)
from aerich_lint.targets import Target

if TYPE_CHECKING:
    from aerich_lint.history import Step

ALL_DIALECTS: frozenset[Dialect] = frozenset(Dialect)
# The migration systems a rule judges (aerich_lint/sources): a rule about aerich's files
# (names, MODELS_STATE, its empty downgrades) says nothing about tortoise's native ones.
AERICH: frozenset[str] = frozenset({"aerich"})
NATIVE: frozenset[str] = frozenset({"native"})
ALL_SYSTEMS: frozenset[str] = AERICH | NATIVE
E = TypeVar("E", bound=Effect)


@dataclass
class Violation:
    message: str
    statement: Statement | None = None
    section: str = FILE
    line: int | None = None
    severity: Severity | None = None  # None: the rule's (or configured) severity


@dataclass
class AppIndex:
    """Facts about the app folder, computed once and shared by its migrations."""

    files: list[Path]

    def __post_init__(self) -> None:
        from aerich_lint.discover import version_of

        self.by_version: dict[int, list[str]] = {}
        for path in self.files:
            version = version_of(path)
            if version is not None:
                self.by_version.setdefault(version, []).append(path.name)
        self.versions = sorted(self.by_version)
        self.newest = self.files[-1].name if self.files else ""


@dataclass
class Context:
    """What a rule may look at: one migration, its app and the dialect."""

    migration: Migration
    dialect: Dialect
    is_first: bool  # the lowest version of its app folder (aerich's init)
    history: Step | None = None  # this migration's place in the replayed history
    app: AppIndex = field(default_factory=lambda: AppIndex([]))  # the app folder's files
    previous: Migration | None = None  # the migration before this one, loaded
    target: Target = field(default_factory=lambda: Target("postgres", (13,)))
    # Rules in force for this file: where two rules would report the same hazard,
    # the more general one defers to the more specific one when it is enabled.
    enabled: frozenset[str] = frozenset()
    # --since: the file existed at the merge base and its upgrade SQL was changed since
    edited: bool = False
    # --since: the file is the base's ``renamed_from`` under a new name (aerich runs it again)
    renamed_from: str = ""
    # --since: the migration existed at the merge base and is gone (``migration`` is a
    # stand-in with its base path and no content)
    deleted: bool = False
    # --since: the running code's models (a decoded MODELS_STATE: the newest of the base's
    # history, else of the branch's migrations before this one), for a file the branch adds
    running_models: Any = None
    system: str = "aerich"  # the app's migration system: aerich or native
    # the systems of the project's other apps with the same name (label)
    other_systems: frozenset[str] = frozenset()
    _created: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    # what one rule works out and another reuses while this file is checked (never
    # stored: the cache never sees it)
    shared: dict[str, Any] = field(default_factory=dict)

    def statements(self, section: str) -> list[Statement]:
        return self.migration.statements(section)

    def effects(self, stmt: Statement) -> list[Effect]:
        return effects(stmt, self.dialect)

    def each_statement(
        self, sections: tuple[str, ...] = SECTIONS
    ) -> Iterator[tuple[str, Statement]]:
        for section in sections:
            for stmt in self.statements(section):
                yield section, stmt

    def facts(
        self, kind: type[E], sections: tuple[str, ...] = SECTIONS
    ) -> Iterator[tuple[str, Statement, E]]:
        """Every fact of one kind (DropTable, ...) with its section and statement."""
        for section, stmt in self.each_statement(sections):
            for fact in self.effects(stmt):
                if isinstance(fact, kind):
                    yield section, stmt, fact

    def is_new(self, section: str, stmt: Statement, kind: str, name: str) -> bool:
        """Was the object created by this migration before ``stmt``? kind is
        "table", "column" (name "table.col") or "index". In a downgrade, what the
        upgrade created counts too: dropping it there is the normal inverse."""
        key = (kind, name)
        if section == DOWNGRADE:
            if key in self._first_created(UPGRADE):
                return True
            upgrade = self.migration.section(UPGRADE)
            if UPGRADE in self.migration.not_executed or upgrade.error is not None:
                return True  # what the upgrade created is unknown: assume the usual inverse
        first = self._first_created(section).get(key)
        return first is not None and first < stmt.index

    def existing_table(self, section: str, stmt: Statement, table: str) -> bool:
        """Is the table live, with rows the statement must lock, scan or keep? Yes unless
        this migration created it before ``stmt``, or the complete history (starting at
        version 0, understood throughout) shows that it does not exist at all (then the
        statement fails, and that is unknown-object's finding). A table the visible
        history never created is live: its first migrations were squashed, deleted, or
        the schema came from ``generate_schemas``."""
        if self.is_new(section, stmt, "table", table):
            return False
        step = self.history
        if step is not None and step.reliable and step.complete:
            schema = step.before if section == UPGRADE else step.after
            return table in schema.tables
        return True

    def fails_missing(self, section: str, stmt: Statement) -> bool:
        """Does the replay report ``stmt`` as failing: it uses a missing object, or the
        server refuses it (DROP INDEX of a constraint's index)? That is unknown-object in
        an upgrade, downgrade-broken in a downgrade, when that rule is in force; then the
        statement deletes or locks nothing, and that rule is the one finding."""
        step = self.history
        if step is None or not step.reliable:
            return False
        owner, problems = (
            ("unknown-object", step.upgrade_problems)
            if section == UPGRADE
            else ("downgrade-broken", step.downgrade_problems)
        )
        return owner in self.enabled and any(
            found.statement.index == stmt.index
            and found.statement.section == section
            and found.problem.kind in ("missing", "refused")
            for found in problems
        )

    def never_there(self, section: str, table: str, column: str | None = None) -> bool:
        """Does the complete, understood history show that the table (or its column) does
        not exist when this section starts? Then a DROP ... IF EXISTS of it is a no-op.
        (Objects created earlier in the section are ``is_new``'s business.)"""
        step = self.history
        if step is None or not step.reliable or not step.complete:
            return False
        schema = step.before if section == UPGRADE else step.after
        found = schema.tables.get(table)
        return found is None or (column is not None and column not in found.columns)

    def _first_created(self, section: str) -> dict[tuple[str, str], int]:
        """Index of the first statement of a section creating each object."""
        if section not in self._created:
            found: dict[tuple[str, str], int] = {}
            for stmt in self.statements(section):
                for key in _created_by(self.effects(stmt)):
                    found.setdefault(key, stmt.index)
            self._created[section] = found
        return self._created[section]


def _created_by(facts: list[Effect]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for fact in facts:
        if isinstance(fact, CreateTable):
            out.add(("table", fact.table))
            out.update(("column", f"{fact.table}.{c.name}") for c in fact.columns)
        elif isinstance(fact, AddColumn):
            out.add(("column", f"{fact.table}.{fact.column.name}"))
        elif isinstance(fact, RenameTable):
            out.add(("table", fact.new))
        elif isinstance(fact, RenameColumn):
            out.add(("column", f"{fact.table}.{fact.new}"))
        elif isinstance(fact, CreateIndex) and fact.name:
            out.add(("index", fact.name))
    return out


class Rule:
    """Base class. Subclasses fill in every attribute below and ``check``."""

    name: ClassVar[str]  # stable kebab-case identifier used everywhere
    code: ClassVar[str]  # short code, e.g. AL101
    severity: ClassVar[Severity]
    summary: ClassVar[str]  # one line
    why: ClassVar[str]  # why it is dangerous; per dialect where it differs
    example: ClassVar[str]  # what triggers it (SQL or migration excerpt)
    fix: ClassVar[str]  # the safe alternative, with SQL or aerich workflow
    hint: ClassVar[str]  # one-line fix hint printed under each finding
    native_hint: ClassVar[str | None] = None  # the hint for a native migration, if other
    dialects: ClassVar[frozenset[Dialect]] = ALL_DIALECTS
    enabled_by_default: ClassVar[bool] = True
    # True: reads Context.history, so the whole app history must be loaded and replayed
    needs_history: ClassVar[bool] = False
    # True: found by `aerich-lint verify` on a real database, never by the static check
    verify_only: ClassVar[bool] = False
    # the command that reports a verify_only rule: verify, or status (a live database)
    reported_by: ClassVar[str] = "verify"
    # the migration systems it judges; a rule opts in to native migrations once it
    # knows what tortoise does with them
    systems: ClassVar[frozenset[str]] = AERICH

    def check(self, ctx: Context) -> Iterator[Violation]:
        raise NotImplementedError
