"""The drift result as text (for people and CI logs) or JSON (for tools)."""

from __future__ import annotations

import json
from typing import Any

from aerich_lint.drift import AppDrift, DriftResult


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _sql_text(statements: list[str]) -> str:
    return "\n".join(s if s.endswith(";") else s + ";" for s in statements)


def _fix(app: AppDrift) -> str:
    """The command that writes the missing migration."""
    if app.kind == "native":
        return f"`tortoise makemigrations {app.name}`"
    return f"`aerich --app {app.name} migrate`"


def _native_text(app: AppDrift) -> list[str]:
    """A drifted native app: the changes, the operations tortoise would write, their SQL."""
    lines = [
        f"app {app.name}: models changed since {app.last_migration}, "
        f"and no migration in {app.folder} records it"
    ]
    lines += [f"  - {change.model}: {change.text}" for change in app.changes]
    if not app.changes:
        lines.append("  - (a change tortoise sees but aerich-lint cannot put in words)")
    lines.append(f"  operations `tortoise makemigrations {app.name}` would write:")
    lines += [f"    {op.kind}: {op.text}" for op in app.operations]
    if app.sql_error:
        lines.append(
            f"  tortoise cannot produce its SQL ({app.sql_error}): `tortoise migrate` would "
            "fail the same way; change the models another way or edit the migration by hand."
        )
    else:
        lines.append(f"  SQL it would run ({app.dialect}, as `tortoise sqlmigrate` shows it):")
        lines += [f"    {line}" for line in _sql_text(app.sql).splitlines()]
    lines += [f"  note: {note}" for note in app.notes]
    return lines


def render_text(result: DriftResult) -> str:
    """Per drifted app: a header, the changes as bullets, the SQL; then a summary."""
    lines: list[str] = []
    for app in result.apps:
        if app.error:
            continue  # said on stderr
        if app.kind == "native":
            if app.drifted:
                lines += _native_text(app)
            else:
                lines.append(f"app {app.name}: in sync with {app.last_migration}")
                lines += [f"  note: {note}" for note in app.notes]
            continue
        if not app.drifted:
            lines.append(f"app {app.name}: in sync with {app.last_migration}")
            # e.g. "Ignore 'on_delete' changes ...": a change aerich writes no SQL for
            lines += [f"  aerich says: {note}" for note in app.notes]
            continue
        lines.append(
            f"app {app.name}: models changed since {app.last_migration}, "
            f"and no migration in {app.folder} records it"
        )
        lines += [f"  - {change.model}: {change.text}" for change in app.changes]
        if not app.changes:
            lines.append("  - (a change aerich sees but aerich-lint cannot put in words)")
        if app.unsupported:
            lines.append(
                f"  aerich cannot write this migration: {app.unsupported} Write its SQL by hand "
                f"in `aerich --app {app.name} migrate --empty` (its MODELS_STATE records the "
                "change), or undo the change."
            )
        else:
            lines.append(f"  SQL `aerich --app {app.name} migrate --offline` would generate:")
            lines += [f"    {line}" for line in _sql_text(app.sql).splitlines()]
        lines += [f"  aerich says: {note}" for note in app.notes]
    drifted = result.drifted
    compared = [app for app in result.apps if not app.error]
    if drifted:
        commands = ", ".join(_fix(app) for app in drifted)
        names = ", ".join(app.name for app in drifted)
        lines.append(
            f"{len(drifted)} of {_plural(len(compared), 'app')} drifted ({names}): generate "
            f"the migration with {commands} and commit it."
        )
    elif compared:
        lines.append(
            f"{_plural(len(compared), 'app')} in sync with "
            f"{'its' if len(compared) == 1 else 'their'} migrations."
        )
    return "\n".join(lines) + "\n" if lines else ""


def _app_json(app: AppDrift) -> dict[str, Any]:
    if app.kind == "native":
        return {
            "app": app.name,
            "kind": "native",
            "folder": app.folder,
            "dialect": app.dialect,
            "last_migration": app.last_migration,
            "drifted": app.drifted,
            "changes": [{"model": c.model, "description": c.text} for c in app.changes],
            "operations": [
                {"operation": o.kind, "description": o.text, "model": o.model, "field": o.field}
                for o in app.operations
            ],
            "possible_renames": [],  # tortoise never asks: an inferred rename is a change
            "sql": _sql_text(app.sql) if app.drifted and not app.sql_error else None,
            "downgrade_sql": None,  # not computed for native apps
            "sql_error": app.sql_error,
            "unsupported": None,
            "fix": _fix(app).strip("`") if app.drifted else None,
            "notes": app.notes,
            "error": app.error,
        }
    return {
        "app": app.name,
        "kind": "aerich",
        "folder": app.folder,
        "dialect": app.dialect,
        "last_migration": app.last_migration,
        "drifted": app.drifted,
        "changes": [{"model": c.model, "description": c.text} for c in app.changes],
        "possible_renames": [{"model": r.model, "old": r.old, "new": r.new} for r in app.renames],
        "sql": _sql_text(app.sql) if app.drifted and not app.unsupported else None,
        "downgrade_sql": (
            _sql_text(app.downgrade_sql) if app.drifted and not app.unsupported else None
        ),
        "unsupported": app.unsupported,
        "notes": app.notes,
        "error": app.error,
    }


def render_json(result: DriftResult) -> str:
    data = {
        "project": str(result.project),
        "tortoise_orm": result.tortoise_orm,
        "versions": result.versions,
        "sandbox": result.sandbox,  # what confined the settings, models and migrations
        "drifted": bool(result.drifted),
        "apps": [_app_json(app) for app in result.apps],
        "errors": result.errors,
    }
    return json.dumps(data, indent=2) + "\n"
