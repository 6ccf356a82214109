from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aerich_lint.effects import effects
from aerich_lint.history.schema import Applier, Known, Schema
from aerich_lint.load import load_file
from aerich_lint.load.models_state import ModelsStateError, tables_of
from aerich_lint.model import UPGRADE, Dialect, Migration, Severity
from aerich_lint.naming import AERICH_TABLE
from aerich_lint.parse import parse_migration
from aerich_lint.rules.base import AppIndex, Context, Rule, Violation

Tables = dict[str, set[str]]
Mismatch = tuple[str, str, str]  # (kind, table, column)
Shape = frozenset[tuple[str, frozenset[str]]]  # tables and their columns, hashable
_WORD = re.compile(r"[\w$]+")  # what can be (part of) an identifier
_BASE64 = re.compile(r'"[A-Za-z0-9+/=]{32,}"')  # the strings MODELS_STATE is made of


class ModelsStateMismatchRule(Rule):
    name = "models-state-mismatch"
    code = "AL204"
    severity = Severity.WARNING
    summary = "MODELS_STATE disagrees with the schema the migration's SQL produces."
    why = (
        "`aerich migrate` diffs the models against the MODELS_STATE of the newest migration, "
        "not against the database. When that state lies (a statement was removed by hand, or "
        "aerich recorded a change it wrote no SQL for, like the m2m table it renames in "
        "MODELS_STATE when a model's table is renamed), the next generated migration is wrong: "
        "it skips changes the database still needs or repeats ones it already has. Tables and "
        "columns are compared, and a difference is reported in the file where it first "
        "appears. `aerich fix-migrations` gives the files that have no MODELS_STATE the one "
        "stored in the aerich table: the models as they were when the database applied the "
        "file, which is usually the schema after a later migration (the last one of the same "
        "`aerich upgrade`). A state that a later migration of the app also has, and that fits "
        "the schema there better than its own, or that the replayed schema after a later "
        "migration matches exactly, is taken for such a rewrite: since `aerich migrate` "
        "reads the newest state only, such files are reported as info, once for each run of "
        "consecutive ones (once per app when one `aerich upgrade` applied them), and their "
        "states are not checked further."
    )
    example = (
        '-- the upgrade\'s `ADD "sku"` was deleted by hand, but MODELS_STATE still has it:\n'
        'ALTER TABLE "product" ADD "stock" INT;\n'
        "-- MODELS_STATE says product.sku exists; the replayed SQL has no such column"
    )
    fix = (
        "Make the SQL and the state agree: restore the removed statement, or regenerate the "
        "migration (delete it, run `aerich migrate` again) so aerich writes both together. "
        "For a difference aerich itself introduced, add the missing SQL by hand (for example "
        '`ALTER TABLE "product_tag" RENAME TO "product_label";`). States rewritten by '
        "`aerich fix-migrations` need nothing."
    )
    needs_history = True
    hint = (
        "restore the missing SQL, or regenerate the migration so SQL and state agree "
        "(a state rewritten by fix-migrations needs nothing)"
    )

    def __init__(self) -> None:
        self._app: _AppMemo | None = None  # what was learnt about the app being checked

    def check(self, ctx: Context) -> Iterator[Violation]:
        migration, step = ctx.migration, ctx.history
        if step is None or not step.reliable or migration.models_state_raw is None:
            return
        if not step.complete:
            return  # the history does not start at the beginning: tables may predate it
        state = _state(migration)
        if not state:
            return  # None: old-format's business
        previous = _state(ctx.previous) if ctx.previous is not None else None
        previous = previous or {}
        line = self._line(ctx)
        own = frozenset(_mismatches(state, step.after))
        # A table the SQL has and the state does not is only a lie when it was a
        # model's table before (raw-SQL tables are none of aerich's business).
        tables = step.after.tables
        kept = sorted((tables.keys() - state.keys()) & previous.keys() - {AERICH_TABLE})
        if not own and not kept:
            return
        before = frozenset(_mismatches(previous, step.before) if previous else ())
        memo = self._memo(ctx)
        position = memo.position(migration.path.name)
        # Report where a difference first appears, not again in every later file.
        known = before
        if position is not None and (
            memo.touched_after(own, position) or memo.touched_after(before, position - 1)
        ):
            # This state or the previous one may describe a later migration's schema:
            # compare them with the later migrations, replayed.
            analysis = memo.analysis(ctx, state, position)
            here = analysis.index(migration.path.name)
            if here is not None:
                if analysis.rewritten(here):
                    # Said once, in the first file of each run of rewritten files: a
                    # choice that does not depend on which files are reported.
                    if not analysis.rewritten(here - 1):
                        yield Violation(analysis.summary(here), line=line, severity=Severity.INFO)
                    return
                if analysis.rewritten(here - 1):
                    known = frozenset()  # it tells nothing about what was reported before
        # One file, one finding: every way its state and its SQL disagree, in one line.
        parts: list[str] = []
        found = sorted(own - known)
        state_tables = [t for kind, t, _ in found if kind == "state-table"]
        state_columns = [f"{t}.{c}" for kind, t, c in found if kind == "state-column"]
        sql_columns = [
            f"{t}.{c}" for kind, t, c in found if kind not in ("state-table", "state-column")
        ]
        if state_tables:
            parts.append(
                f"MODELS_STATE has {_count('table', state_tables)}, which the SQL history "
                f"never creates (or dropped)"
            )
        if state_columns:
            parts.append(
                f"MODELS_STATE has {_count('column', state_columns)}, which the SQL history "
                f"does not"
            )
        if sql_columns:
            parts.append(
                f"the SQL history has {_count('column', sql_columns)}, which MODELS_STATE does not"
            )
        if kept:
            parts.append(
                f"the SQL history still has {_count('table', kept)}, which MODELS_STATE no "
                f"longer has (its model was removed but the table was not dropped)"
            )
        if parts:
            yield Violation("; ".join(parts), line=line)

    def _memo(self, ctx: Context) -> _AppMemo:
        if self._app is None or self._app.app is not ctx.app:
            self._app = _AppMemo(ctx.app)
        return self._app

    @staticmethod
    def _line(ctx: Context) -> int:
        if ctx.migration.models_state_line:
            return ctx.migration.models_state_line
        for number, text in enumerate(ctx.migration.text.splitlines(), 1):
            if text.startswith("MODELS_STATE"):
                return number
        return 1


class _AppMemo:
    """What the rule learns about the app it is checking, once per run: the text of its
    files (for a quick test of whether a later file can change anything a state gets
    wrong) and the later migrations replayed (only when it can)."""

    def __init__(self, app: AppIndex) -> None:
        self.app = app
        self.files = list(app.files)
        self._positions = {path.name: i for i, path in enumerate(self.files)}
        self._last_use: dict[str, int] = {}  # word -> the last file naming it
        self._read_from = len(self.files)  # the files from this one on are in _last_use
        self._analysis: _Analysis | None = None

    def position(self, name: str) -> int | None:
        return self._positions.get(name)

    def touched_after(self, diff: frozenset[Mismatch], position: int) -> bool:
        """Does a file after ``position`` name a table or column of these differences?
        If none does, no later SQL changes what the state gets wrong, so the state
        cannot describe a later schema (a quick, sound test before any replay)."""
        if position < 0 or not diff:
            return False
        last = self._last_use
        # Files are read from the newest down to the one after ``position``, once: the
        # first file a word is seen in is then the last one that has it.
        while self._read_from > position + 1:
            self._read_from -= 1
            try:
                text = self.files[self._read_from].read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for word in _WORD.findall(_BASE64.sub(" ", text).lower()):
                last.setdefault(word, self._read_from)
        return any(
            # (a name with spaces or dashes: every word of it)
            all(last.get(part, -1) > position for part in _WORD.findall(name.lower()))
            for _, table, col in diff
            for name in (table, col)
            if name
        )

    def analysis(self, ctx: Context, state: Tables, position: int) -> _Analysis:
        """The later migrations replayed from here: made once, and reused by the later
        files it covers."""
        name = ctx.migration.path.name
        if self._analysis is None or self._analysis.index(name) is None:
            self._analysis = _Analysis.start(ctx, state, self.files, position)
        return self._analysis


@dataclass
class _Point:
    """One migration: its MODELS_STATE (None: it has none that can be read) and the
    replayed schema after its upgrade."""

    name: str
    state: Tables | None
    schema: Schema
    _diff: frozenset[Mismatch] | None = field(default=None, repr=False)

    @property
    def diff(self) -> frozenset[Mismatch]:
        """How the state disagrees with the schema (nothing without a state)."""
        if self._diff is None:
            found = _mismatches(self.state, self.schema) if self.state else set()
            self._diff = frozenset(found)
        return self._diff


@dataclass
class _Analysis:
    """The migrations of one app from the one before the first file that needed it to
    the newest one the replay can follow, and for each the later migration whose
    schema its MODELS_STATE describes, if it is not its own (``targets``)."""

    points: list[_Point]
    targets: list[int | None] = field(default_factory=list)
    _positions: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def start(cls, ctx: Context, state: Tables, files: list[Path], position: int) -> _Analysis:
        step = ctx.history
        assert step is not None
        points = []
        previous = ctx.previous
        if previous is not None and position and files[position - 1].name == previous.path.name:
            points.append(_Point(previous.path.name, _state(previous), step.before))
        points.append(_Point(ctx.migration.path.name, state, step.after))
        points.extend(_replay_later(files[position + 1 :], ctx, step.after))
        analysis = cls(points)
        analysis.targets = _targets(points)
        return analysis

    def index(self, name: str) -> int | None:
        if not self._positions:
            self._positions = {point.name: i for i, point in enumerate(self.points)}
        return self._positions.get(name)

    def rewritten(self, i: int) -> bool:
        return 0 <= i < len(self.points) and self.targets[i] is not None

    def summary(self, here: int) -> str:
        """The info finding of the run of rewritten files starting here: which files
        describe which later schema."""
        groups: dict[int, list[str]] = {}
        i = here
        while self.rewritten(i):
            target = self.targets[i]
            assert target is not None
            groups.setdefault(target, []).append(self.points[i].name)
            i += 1
        count = sum(len(files) for files in groups.values())
        files = "file" if count == 1 else "files"
        if len(groups) == 1:
            target, rewritten = next(iter(groups.items()))
            where = (
                f"MODELS_STATE of {count} {files} ({_names(rewritten)}) describes the schema "
                f"after migration {self.points[target].name}"
            )
        else:
            parts = "; ".join(
                f"{_names(rewritten)}: after {self.points[target].name}"
                for target, rewritten in sorted(groups.items())
            )
            where = (
                f"MODELS_STATE of {count} {files} describes the schema after a later "
                f"migration ({parts})"
            )
        their, states = ("its", "state is") if count == 1 else ("their", "states are")
        return (
            f"{where}, not after {their} own SQL: rewritten by `aerich fix-migrations`? "
            f"({their} {states} not checked further)"
        )


def _targets(points: list[_Point]) -> list[int | None]:
    """For each point, the later point whose schema its state describes, or None (the
    state is the migration's own, or nothing later fits it). A later point with the same
    state (tables and columns) fits when some of what the state gets wrong here is right
    there: the SQL in between brought the schema to the state, which therefore is from
    later (what it still gets wrong there is that point's own lie, reported there). Of
    those, the one where the state gets least wrong is taken (for a point that is itself
    rewritten: its target). A later point also fits when its replayed schema has exactly
    the state's tables and columns."""
    targets: list[int | None] = [None] * len(points)
    # per state: the later point it describes best, with what it gets wrong there
    by_state: dict[Shape, tuple[int, frozenset[Mismatch]]] = {}
    by_schema: dict[Shape, int] = {}  # the first later point with that schema
    for i in range(len(points) - 1, -1, -1):
        point = points[i]
        if point.state is not None:
            shape = _shape(point.state)
            found = by_state.get(shape)
            if point.diff:
                if found is not None and point.diff - found[1]:
                    targets[i] = found[0]
                elif shape in by_schema:
                    targets[i] = by_schema[shape]
            target = targets[i]
            if target is None:
                here = (i, point.diff)
            else:
                here = (target, frozenset(_mismatches(point.state, points[target].schema)))
            if found is None or len(here[1]) <= len(found[1]):
                by_state[shape] = here
        by_schema[_schema_shape(point.schema)] = i
    return targets


def _replay_later(files: list[Path], ctx: Context, after: Schema) -> list[_Point]:
    """The points of the files after this one, replayed from the schema after it, up
    to the first one whose upgrade cannot be followed without running it."""
    out: list[_Point] = []
    schema = after.copy()
    known = Known(complete=False)
    for path in files:
        migration = _load(path, ctx.migration.app, ctx.dialect)
        if migration is None:
            break
        applier = Applier(schema, known)
        for stmt in migration.statements(UPGRADE):
            for fact in effects(stmt, ctx.dialect):
                applier.apply(fact)
        out.append(_Point(path.name, _state(migration), schema.copy()))
    return out


def _load(path: Path, app: str, dialect: Dialect) -> Migration | None:
    """A later migration read statically, or None when its upgrade is unknown."""
    migration, info = load_file(path, app)
    if migration.load_error or (info is not None and UPGRADE in info.needs_exec):
        return None
    parse_migration(migration, dialect)
    for stmt in migration.statements(UPGRADE):
        if stmt.error is not None or stmt.command == "":
            return None
    return migration


def _state(migration: Migration | None) -> Tables | None:
    if migration is None or migration.models_state_raw is None:
        return None
    try:
        return tables_of(migration)
    except ModelsStateError:
        return None


def _shape(tables: Tables) -> Shape:
    return frozenset((t, frozenset(c)) for t, c in tables.items() if t != AERICH_TABLE)


def _schema_shape(schema: Schema) -> Shape:
    return frozenset(
        (t, frozenset(table.columns)) for t, table in schema.tables.items() if t != AERICH_TABLE
    )


def _count(kind: str, names: list[str], shown: int = 5) -> str:
    """ "table a", "tables a, b and c", "columns a, b, c, d, e and 3 more"."""
    plural = kind if len(names) == 1 else f"{kind}s"
    if len(names) == 1:
        return f"{plural} {names[0]}"
    head = names[:shown] if len(names) > shown else names[:-1]
    tail = f"{len(names) - shown} more" if len(names) > shown else names[-1]
    return f"{plural} {', '.join(head)} and {tail}"


def _names(names: list[str]) -> str:
    if len(names) <= 3:
        return ", ".join(names)
    return f"{names[0]}, {names[1]}, ... {names[-1]}"


def _mismatches(state: Tables, schema: Schema) -> set[Mismatch]:
    out: set[Mismatch] = set()
    for table, columns in state.items():
        if table == AERICH_TABLE:
            continue
        found = schema.tables.get(table)
        if found is None:
            out.add(("state-table", table, ""))
            continue
        out.update(("state-column", table, c) for c in columns - found.columns.keys())
        out.update(("sql-column", table, c) for c in found.columns.keys() - columns)
    return out
