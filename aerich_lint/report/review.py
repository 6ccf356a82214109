"""A markdown review of migrations, for a pull request comment or a CI job summary.

``aerich-lint review`` and ``check --format markdown`` print it. For each reported
migration: what its upgrade does in plain words (one bullet per statement effect,
with the state before it from the replayed history), a risk level, whether it can
be rolled back, and its findings with their fix hints. The output depends only
on the files and the options: no timestamps, no network, stable ordering.
When ``GITHUB_STEP_SUMMARY`` is set (GitHub Actions), ``review`` also appends
the report to that file, so that it shows on the job's summary page.

Risk levels (``risk``):

* **high**: an error finding, or the upgrade deletes data (drops a table or a
  column that exists before it, truncates a table, deletes every row of one,
  drops a database);
* **medium**: otherwise, a warning finding;
* **low**: neither (info findings at most).

Rollback (``rollback``): *yes* when the migration has a downgrade and no finding
says it fails (``downgrade-broken``, or an error finding in the downgrade) or
does not restore the schema (``downgrade-mismatch``); *no* otherwise, with the
reason. When the upgrade deletes data, a rollback restores the schema only.

Findings hidden by ``--baseline`` still count for the risk and the rollback
verdict (they describe the migration), but are not listed.

Names, SQL and messages come from the pull request: names are code spans with a
fence longer than any backtick run in them, other text is literal markdown (HTML
as entities, link, emphasis, table and math syntax backslash-escaped), and
newlines show as ``\\n``, so nothing in a migration can add HTML, a link or an
image to the job summary or break out of a table cell (``report.escape``). The
first 20 findings of a rule in a file are listed, and at most 100 bullets of
what a migration does (a run of identical ones is one bullet with its count).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint import __version__
from aerich_lint.effects import (
    AddColumn,
    AddConstraint,
    AlterOptions,
    ChangeColumn,
    ColumnInfo,
    CreateDatabase,
    CreateFunction,
    CreateIndex,
    CreateTable,
    Ddl,
    DeleteRows,
    DropColumn,
    DropConstraint,
    DropDatabase,
    DropIndex,
    DropTable,
    Effect,
    InsertRows,
    Reindex,
    RenameColumn,
    RenameTable,
    Setting,
    TableCommand,
    Truncate,
    UpdateRows,
    effects,
)
from aerich_lint.history import Step, replay
from aerich_lint.history.schema import Applier, Known, Schema
from aerich_lint.model import DOWNGRADE, UPGRADE, App, Dialect, Finding, Migration, Severity
from aerich_lint.report.cap import PER_FILE_AND_RULE, Omitted, capped
from aerich_lint.report.escape import md_code, md_text
from aerich_lint.rules.base import Context
from aerich_lint.rules.probable_rename import alike

if TYPE_CHECKING:
    from aerich_lint.options import Result

HIGH, MEDIUM, LOW = "high", "medium", "low"
# Bullets of "What it does" per migration; the rest are counted.
MAX_ACTIONS = 100
RISKS = (HIGH, MEDIUM, LOW)
LEGEND = (
    "Risk: **high** = an error finding, or the upgrade deletes data (drops a table or "
    "column that holds data, truncates, deletes every row); **medium** = a warning finding; "
    "**low** = neither. Rollback: **yes** = the migration has a downgrade and no finding "
    "says it fails, has an error or leaves a different schema."
)


@dataclass
class MigrationReview:
    path: str  # as findings show it: relative to the working directory
    app: str
    name: str
    actions: list[str] = field(default_factory=list)  # plain words, one per effect
    deletes_data: bool = False
    risk: str = LOW
    risk_reasons: list[str] = field(default_factory=list)
    rollback: bool = False
    rollback_reason: str = ""
    findings: list[Finding] = field(default_factory=list)  # shown
    baselined: int = 0  # hidden by --baseline
    load_error: str | None = None


# -- what a statement does ---------------------------------------------------------


def _code(text: str, table: bool = False) -> str:
    """A name from the migrations as an inline code span, whatever it holds."""
    return md_code(text, table)


def _t(text: str) -> str:
    """SQL from the migrations in a sentence (a type, a default): literal markdown."""
    return md_text(text)


def _excerpt(sql: str, limit: int = 80) -> str:
    flat = " ".join(sql.split())
    return _code(flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…")


def _col(table: str, column: str) -> str:
    return _code(f"{table}.{column}")


def _definition(column: ColumnInfo) -> str:
    """Type and attributes, e.g. ``VARCHAR(50) NOT NULL DEFAULT ''``."""
    parts = [_t(column.type) if column.type else "(no type)"]
    if column.primary_key:
        parts.append("PRIMARY KEY")
    elif column.not_null:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {_t(column.default)}")
    if column.unique and not column.primary_key:
        parts.append("UNIQUE")
    return " ".join(parts)


def _add_column(fact: AddColumn) -> str:
    c = fact.column
    where = _col(fact.table, c.name)
    tail = f", referencing {_code(c.references)}" if c.references else ""
    if c.generated:
        return f"adds column {where} {_t(c.type or '')}, filled by the database{tail}".replace(
            "  ", " "
        )
    if c.primary_key:
        return f"adds primary key column {where} {_t(c.type or '')}{tail}"
    if c.not_null and c.default is None:
        unique = " UNIQUE" if c.unique else ""
        return f"adds column {where} {_t(c.type or '')} NOT NULL{unique} without a default{tail}"
    if c.not_null:
        return f"adds column {where} {_definition(c)}{tail}"
    return f"adds nullable column {where} {_definition(c)}{tail}"


class _Describer:
    """Turns one migration's upgrade into sentences, replaying it statement by
    statement on the schema before it (when the history is reliable)."""

    def __init__(self, migration: Migration, dialect: Dialect, step: Step | None) -> None:
        self.migration = migration
        self.dialect = dialect
        self.ctx = Context(migration, dialect, is_first=False)
        usable = step is not None and step.reliable and migration.load_error is None
        self.schema: Schema | None = step.before.copy() if step and usable else None
        self.complete = bool(step and usable and step.complete)
        self.applier = Applier(self.schema, Known(complete=False)) if self.schema else None
        self.deletes_data = False

    def describe(self) -> list[str]:
        out: list[str] = []
        for stmt in self.migration.statements(UPGRADE):
            facts = effects(stmt, self.dialect)
            specific = [f for f in facts if not isinstance(f, (Ddl, AlterOptions))]
            if stmt.error is not None:
                out.append(f"runs a statement that does not parse: {_excerpt(stmt.sql)}")
            elif specific:
                for fact in specific:
                    out.append(self._fact(stmt.index, fact))
            elif stmt.command:
                ddl = next((f for f in facts if isinstance(f, Ddl)), None)
                on = f" on {_code(ddl.table)}" if ddl is not None and ddl.table else ""
                out.append(f"runs {_t(stmt.command)}{on}")
            elif facts:
                ddl = next((f for f in facts if isinstance(f, Ddl)), None)
                verb = ddl.verb if ddl is not None and ddl.verb else "DDL"
                on = f" on {_code(ddl.table)}" if ddl is not None and ddl.table else ""
                out.append(f"runs {_t(verb)}{on}: {_excerpt(stmt.sql)}")
            else:
                out.append(f"runs {_excerpt(stmt.sql)}")
            if self.applier is not None:
                for fact in facts:
                    self.applier.apply(fact)
        return out

    # -- helpers -----------------------------------------------------------------
    def _table_holds_data(self, index: int, table: str) -> bool | None:
        """True: it exists before; False: created by this migration, or known
        absent; None: unknown (treated as holding data)."""
        stmt = self.migration.statements(UPGRADE)[index]
        if self.ctx.is_new(UPGRADE, stmt, "table", table):
            return False
        if self.schema is not None:
            if table in self.schema.tables:
                return True
            return False if self.complete else None
        return None

    def _column_holds_data(self, index: int, table: str, column: str) -> bool | None:
        stmt = self.migration.statements(UPGRADE)[index]
        if self.ctx.is_new(UPGRADE, stmt, "column", f"{table}.{column}"):
            return False
        if self.ctx.is_new(UPGRADE, stmt, "table", table):
            return False
        if self.schema is not None and table in self.schema.tables:
            return column in self.schema.tables[table].columns
        return None

    def _old_column(self, table: str, column: str) -> ColumnInfo | None:
        if self.schema is None or table not in self.schema.tables:
            return None
        return self.schema.tables[table].columns.get(column)

    def _lost(self) -> str:
        self.deletes_data = True
        return ": its data is deleted"

    # -- one fact ----------------------------------------------------------------
    def _fact(self, index: int, fact: Effect) -> str:
        t = _code(fact.table) if fact.table else "a table"
        if isinstance(fact, CreateTable):
            names = ", ".join(_code(c.name) for c in fact.columns)
            cols = f" with columns {names}" if names else ""
            return f"creates table {t}{cols}"
        if isinstance(fact, DropTable):
            holds = self._table_holds_data(index, fact.table)
            if holds is False:
                if self.ctx.is_new(
                    UPGRADE, self.migration.statements(UPGRADE)[index], "table", fact.table
                ):
                    return f"drops table {t}, created earlier in this migration"
                return f"drops table {t} if it exists (it does not at this point)"
            return f"drops table {t}{self._lost()}"
        if isinstance(fact, RenameTable):
            return f"renames table {t} to {_code(fact.new)}"
        if isinstance(fact, AddColumn):
            return _add_column(fact)
        if isinstance(fact, DropColumn):
            where = _col(fact.table, fact.column)
            holds = self._column_holds_data(index, fact.table, fact.column)
            if holds is False:
                return f"drops column {where}, which holds no data yet"
            return f"drops column {where}{self._lost()}"
        if isinstance(fact, RenameColumn):
            new = _col(fact.table, fact.new)
            text = f"renames {_col(fact.table, fact.old)} to {new}"
            if fact.definition is not None:
                text += f" ({_definition(fact.definition)})"
            if self.migration.format == "native" and not alike(fact.old, fact.new):
                # tortoise asks nothing: a field removed and another added with the
                # same definition come out as a RenameField
                text += (
                    f": tortoise inferred a rename from identical definitions; if "
                    f"{_code(fact.new)} is a new field, {_code(fact.old)}'s data is now in "
                    f"{_code(fact.new)}"
                )
            return text
        if isinstance(fact, ChangeColumn):
            return self._change(fact)
        if isinstance(fact, CreateIndex):
            kind = "unique index" if fact.unique else "index"
            name = f" {_code(fact.name)}" if fact.name else ""
            cols = ", ".join(_code(c) for c in fact.columns)
            how = " concurrently" if fact.concurrently else ""
            return f"creates {kind}{name} on {t} ({cols}){how}"
        if isinstance(fact, DropIndex):
            on = f" on {t}" if fact.table else ""
            how = " concurrently" if fact.concurrently else ""
            return f"drops index {_code(fact.name)}{on}{how}"
        if isinstance(fact, AddConstraint):
            c = fact.constraint
            name = f" {_code(c.name)}" if c.name else ""
            cols = f" ({', '.join(_code(x) for x in c.columns)})" if c.columns else ""
            ref = f" referencing {_code(c.references)}" if c.references else ""
            valid = " NOT VALID (existing rows are not checked)" if fact.not_valid else ""
            return f"adds {_t(c.kind)} constraint{name} on {t}{cols}{ref}{valid}"
        if isinstance(fact, DropConstraint):
            kind = f"{_t(fact.kind)} " if fact.kind not in ("", "CONSTRAINT") else ""
            return f"drops {kind}constraint {_code(fact.name)} from {t}"
        if isinstance(fact, Truncate):
            return f"empties table {t}{self._lost()}"
        if isinstance(fact, DeleteRows):
            if fact.has_where:
                return f"deletes the rows of {t} that match a WHERE clause"
            return f"deletes every row of {t}{self._lost()}"
        if isinstance(fact, UpdateRows):
            which = "the rows of" if fact.has_where else "every row of"
            match = " that match a WHERE clause" if fact.has_where else ""
            return f"updates {which} {t}{match}"
        if isinstance(fact, InsertRows):
            return f"inserts rows into {t}"
        if isinstance(fact, Setting):
            what = "PRAGMA " if fact.pragma else ""
            return f"sets {what}{_code(fact.name)} to {_code(fact.value)}"
        if isinstance(fact, TableCommand):
            name = f" {_code(fact.name)}" if fact.name else ""
            on = f" on {t}" if fact.table else ""
            return f"runs {_t(fact.command)}{name}{on}"
        if isinstance(fact, CreateDatabase):
            return f"creates database {_code(fact.name)}"
        if isinstance(fact, CreateFunction):
            return f"creates function {_code(fact.name)} ({_t(fact.volatility or 'VOLATILE')})"
        if isinstance(fact, Reindex):
            how = " concurrently" if fact.concurrently else ""
            return f"rebuilds the indexes of {_t(fact.kind)} {_code(fact.name)}{how}"
        if isinstance(fact, DropDatabase):
            return f"drops database {_code(fact.name)}{self._lost()}"
        return f"{type(fact).__name__} on {t}"  # pragma: no cover - every effect is named above

    def _change(self, fact: ChangeColumn) -> str:
        where = _col(fact.table, fact.column)
        old = self._old_column(fact.table, fact.column)
        if fact.definition is not None:  # MySQL MODIFY: the whole column again
            new = _definition(fact.definition)
            if old is not None and _definition(old) != new:
                return f"changes {where} from {_definition(old)} to {new}"
            return f"redefines {where} as {new}"
        parts: list[str] = []
        if fact.new_type is not None:
            if old is not None and old.type and old.type != fact.new_type:
                parts.append(f"changes {where} from {_t(old.type)} to {_t(fact.new_type)}")
            else:
                parts.append(f"changes the type of {where} to {_t(fact.new_type)}")
        if fact.set_not_null is True:
            parts.append(f"makes {where} NOT NULL")
        elif fact.set_not_null is False:
            parts.append(f"makes {where} nullable")
        if fact.default is not None:
            was = f" (was {_t(old.default)})" if old is not None and old.default is not None else ""
            parts.append(f"sets the default of {where} to {_t(fact.default)}{was}")
        if fact.drop_default:
            parts.append(f"drops the default of {where}")
        return "; ".join(parts) or f"alters column {where}"


# -- risk and rollback -------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _risk(review: MigrationReview, every: list[Finding]) -> None:
    errors = sum(1 for f in every if f.severity == Severity.ERROR)
    warnings = sum(1 for f in every if f.severity == Severity.WARNING)
    if errors:
        review.risk_reasons.append(_plural(errors, "error finding"))
    if review.deletes_data:
        review.risk_reasons.append("deletes data")
    if warnings:
        review.risk_reasons.append(_plural(warnings, "warning finding"))
    if errors or review.deletes_data:
        review.risk = HIGH
    elif warnings:
        review.risk = MEDIUM
    else:
        review.risk = LOW


def _rollback(
    review: MigrationReview, migration: Migration, every: list[Finding], first_of_app: bool
) -> None:
    def no(reason: str) -> None:
        review.rollback, review.rollback_reason = False, reason

    down = migration.section(DOWNGRADE)
    first = {f.rule: f for f in reversed(every)}  # the first finding of each rule
    if migration.load_error is not None:
        return no(f"the file does not load ({migration.load_error})")
    if down.error is not None:
        return no(f"its downgrade cannot be read ({down.error})")
    if not down.statements:
        init = " (aerich's init never has one)" if first_of_app else ""
        if not down.defined:
            return no(f"it has no downgrade{init}")
        if down.dynamic:
            return no(f"its downgrade runs no SQL{init}")
        return no(f"its downgrade is empty{init}")
    if "downgrade-broken" in first:
        return no(f"the downgrade fails: {first['downgrade-broken'].message}")
    failing = next(
        (f for f in every if f.section == DOWNGRADE and f.severity == Severity.ERROR), None
    )
    if failing is not None:
        return no(f"its downgrade has an error finding ({failing.rule}): {failing.message}")
    if "downgrade-mismatch" in first:
        return no(
            f"the downgrade does not restore the schema: {first['downgrade-mismatch'].message}"
        )
    review.rollback = True
    review.rollback_reason = (
        "the schema only: the data the upgrade deletes does not come back"
        if review.deletes_data
        else ""
    )
    return None


# -- building and rendering --------------------------------------------------------


def _display(path: Path) -> str:
    try:
        return Path(os.path.relpath(os.path.abspath(path))).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def build(result: Result) -> list[MigrationReview]:
    """One review per reported migration, in app then aerich order."""
    shown: dict[tuple[str, str], list[Finding]] = {}
    hidden: dict[tuple[str, str], list[Finding]] = {}
    for f in result.findings:
        shown.setdefault((f.app, f.path.name), []).append(f)
    for f in result.baselined or []:
        hidden.setdefault((f.app, f.path.name), []).append(f)
    reviews: list[MigrationReview] = []
    for app in result.apps:
        reviews.extend(_app_reviews(app, shown, hidden, result.steps))
    return reviews


def _app_reviews(
    app: App,
    shown: dict[tuple[str, str], list[Finding]],
    hidden: dict[tuple[str, str], list[Finding]],
    replayed: dict[int, Step],
) -> list[MigrationReview]:
    dialect = app.dialect or Dialect.POSTGRES
    # The lint's replay, when it replayed this app from its first file (it does for
    # the review); else (findings reused from the cache) replayed here.
    steps = replayed
    if app.migrations and id(app.migrations[0]) not in replayed:
        steps, _ = replay(app.migrations, dialect)
    versions = [m.version for m in app.migrations if m.version is not None]
    first_version = min(versions) if versions else None
    out = []
    for migration in app.migrations:
        if not migration.report:
            continue
        key = (migration.app, migration.path.name)
        findings = sorted(shown.get(key, []), key=Finding.sort_key)
        baselined = hidden.get(key, [])
        every = sorted([*findings, *baselined], key=Finding.sort_key)
        review = MigrationReview(
            _display(migration.path),
            migration.app,
            migration.name,
            findings=findings,
            baselined=len(baselined),
            load_error=migration.load_error,
        )
        describer = _Describer(migration, dialect, steps.get(id(migration)))
        if migration.load_error is None:
            review.actions = describer.describe()
        review.deletes_data = describer.deletes_data
        _risk(review, every)
        first = first_version is not None and migration.version == first_version
        _rollback(review, migration, every, first)
        out.append(review)
    return out


def _cell(text: str) -> str:
    """A message (it quotes names and SQL) as literal markdown, one line."""
    return md_text(text)


def _rollback_text(review: MigrationReview) -> str:
    reason = _cell(review.rollback_reason)
    if review.rollback:
        return f"yes ({reason})" if reason else "yes"
    return f"no: {reason}"


def _errors(result: Result) -> list[str]:
    """The run's errors (exit code 2), first: a review of part of the migrations
    must not read as a review of all of them."""
    if not result.errors:
        return []
    n = len(result.errors)
    head = f"**Incomplete run: {_plural(n, 'error')}**; migrations may be missing below:"
    return [head, "", *(f"- {_cell(error)}" for error in result.errors), ""]


def _actions(actions: list[str]) -> list[str]:
    """Bullets, a run of identical ones once with its count, at most ``MAX_ACTIONS``."""
    runs: list[tuple[str, int]] = []
    for action in actions:
        if runs and runs[-1][0] == action:
            runs[-1] = (action, runs[-1][1] + 1)
        else:
            runs.append((action, 1))
    out = [f"- {a} ({n} times)" if n > 1 else f"- {a}" for a, n in runs[:MAX_ACTIONS]]
    rest = sum(n for _, n in runs[MAX_ACTIONS:])
    if rest:
        out.append(f"- … and {_plural(rest, 'more change')} (see the migration file)")
    return out


def _finding_rows(findings: list[Finding]) -> list[str]:
    rows = []
    for item in capped(findings):
        if isinstance(item, Omitted):
            rows.append(
                f"| | | {_code(item.rule, table=True)} | {_plural(item.count, 'more finding')} "
                f"of this rule not listed (only the first {PER_FILE_AND_RULE} of a rule in a "
                "file are; `--format json` lists all) | |"
            )
        else:
            rows.append(
                f"| {item.line} | {item.severity.label} | {_code(item.rule, table=True)} "
                f"({item.code}) | {_cell(item.message)} | {_cell(item.fix)} |"
            )
    return rows


def render(result: Result) -> str:
    """The whole report, ending with a newline."""
    reviews = build(result)
    out = ["## aerich-lint review", "", *_errors(result)]
    gone = _gone(result, reviews)
    if not reviews:
        out += [*gone, "No migration to review.", ""]
        return "\n".join(out)
    counts = {r: sum(1 for v in reviews if v.risk == r) for r in RISKS}
    risk_line = ", ".join(f"{counts[r]} {r}" for r in RISKS)
    stuck = sum(1 for v in reviews if not v.rollback)
    apps = ", ".join(
        f"{_code(a.name)} ({a.dialect.value if a.dialect else 'unknown dialect'})"
        for a in result.apps
    )
    out += [
        f"**{_plural(len(reviews), 'migration')}** in app{'s' if len(result.apps) != 1 else ''} "
        f"{apps}. Risk: {risk_line}. Cannot be rolled back: {stuck}.",
        "",
        "| Migration | Risk | Rollback | Findings |",
        "|---|---|---|---|",
    ]
    for v in reviews:
        rollback = "yes" if v.rollback else "**no**"
        risk = f"**{v.risk}**" if v.risk == HIGH else v.risk
        name = _code(Path(v.path).name, table=True)
        out.append(f"| {name} | {risk} | {rollback} | {len(v.findings)} |")
    out.append("")
    out += gone
    for v in reviews:
        out += _section(v)
    out += ["---", "", f"{LEGEND} Generated by aerich-lint {__version__}.", ""]
    return "\n".join(out)


def _gone(result: Result, reviews: list[MigrationReview]) -> list[str]:
    """Findings on files that are not there to review: migrations the branch deleted
    (deleted-migration), listed first, as they are what a reviewer must not miss."""
    here = {(v.app, Path(v.path).name) for v in reviews}
    orphans = [f for f in result.findings if (f.app, f.path.name) not in here]
    if not orphans:
        return []
    out = [
        "### Deleted migrations",
        "",
        "| Migration | Severity | Rule | Finding | Fix |",
        "|---|---|---|---|---|",
    ]
    for f in sorted(orphans, key=Finding.sort_key):
        out.append(
            f"| {_code(_display(f.path), table=True)} | {f.severity.label} | "
            f"{_code(f.rule, table=True)} ({f.code}) | {_cell(f.message)} | {_cell(f.fix)} |"
        )
    return [*out, ""]


def _section(v: MigrationReview) -> list[str]:
    reasons = f" ({', '.join(v.risk_reasons)})" if v.risk_reasons else ""
    out = [
        f"### {_code(v.path)}",
        "",
        f"**Risk: {v.risk}**{reasons}. **Rollback: {_rollback_text(v)}.**",
        "",
    ]
    if v.load_error is not None:
        out.append(f"aerich-lint cannot read it: {_cell(v.load_error)}.")
    elif v.actions:
        out += ["What it does:", ""]
        out += _actions(v.actions)
    else:
        out.append("Its upgrade runs no SQL.")
    out.append("")
    if v.findings:
        out += [
            "| Line | Severity | Rule | Finding | Fix |",
            "|---:|---|---|---|---|",
        ]
        out += _finding_rows(v.findings)
    else:
        out.append("No findings.")
    if v.baselined:
        out += ["", f"{_plural(v.baselined, 'finding')} in the baseline not shown."]
    out.append("")
    return out
