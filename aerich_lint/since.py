"""``--since REF``: report only the migrations a branch adds or changes.

Which files: those added or modified between ``git merge-base REF HEAD`` and the
working tree (``git.changes_since``), intersected with the files the paths
named. The rest of each app is still loaded and replayed as context.

A migration that existed at the merge base and is gone, or renamed, is
``deleted-migration``: aerich would run a renamed file again, and a deleted one
leaves the databases that applied it ahead of the code.

A file that existed at the merge base and was modified is *edited*
(``edited-migration``) when its upgrade SQL changed: aerich records applied
migrations by file name, so databases that ran the old version never run the new
one. An edit of the downgrade alone is not one of these: ``aerich downgrade``
reads the file as it is on disk, so a fixed downgrade is seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from aerich_lint.discover import AppSource, is_migration_name
from aerich_lint.git import Changes, changes_since, repo_root
from aerich_lint.model import UPGRADE, Dialect, Migration


@dataclass
class AppScope:
    """What changed in one app folder since the merge base."""

    changes: Changes
    modified: dict[str, Path] = field(default_factory=dict)  # file name -> path (resolved)
    # migrations of this folder at the merge base that are gone (not renamed): base paths
    deleted: list[Path] = field(default_factory=list)
    renamed: dict[str, Path] = field(default_factory=dict)  # new file name -> base path


def _key(path: Path) -> Path:
    return path.parent.resolve() / path.name


def limit_to_changes(apps: list[AppSource], ref: str) -> dict[int, AppScope]:
    """Restrict each app's reported files to the changed ones; scopes by ``id(app)``."""
    by_root: dict[Path, list[AppSource]] = {}
    roots: dict[Path, Path] = {}
    for app in apps:
        folder = app.folder.resolve()
        if folder not in roots:
            roots[folder] = repo_root(folder)
        by_root.setdefault(roots[folder], []).append(app)
    scopes: dict[int, AppScope] = {}
    for root, members in by_root.items():
        folders = sorted({a.folder.resolve() for a in members})
        changes = changes_since(root, ref, folders)
        for app in members:
            scope = AppScope(changes)
            changed: set[str] = set()
            for path in app.files:
                key = _key(path)
                if key in changes.added:
                    changed.add(path.name)
                elif key in changes.modified:
                    changed.add(path.name)
                    scope.modified[path.name] = key
            # deletions only when the folder was named, not some of its files
            _gone(app, changes, scope, deletions=app.reported is None)
            app.reported = changed if app.reported is None else app.reported & changed
            scopes[id(app)] = scope
    return scopes


def _gone(app: AppSource, changes: Changes, scope: AppScope, deletions: bool) -> None:
    """The app's migrations that the branch deleted, or renamed (to a file of any name:
    aerich knows a migration only by its file name)."""
    folder = app.folder.resolve()
    renamed_from = {old: new for new, old in changes.renamed.items()}
    for old in sorted(changes.deleted):
        if old.parent != folder or not is_migration_name(old):
            continue
        new = renamed_from.get(old)
        if new is not None and new.parent == folder:
            scope.renamed[new.name] = old
        elif deletions:
            scope.deleted.append(old)


def _normalised(migration: Migration) -> list[str]:
    return [re.sub(r"\s+", " ", s.sql).strip().rstrip(";") for s in migration.statements(UPGRADE)]


def upgrade_edited(
    migration: Migration, scope: AppScope, dialect: Dialect, kind: str = "aerich"
) -> bool:
    """Did the upgrade of this modified file change since the merge base? When the
    old version cannot be compared statically (its SQL is built at run time, or it
    does not load), any change counts."""
    path = scope.modified.get(migration.path.name)
    if path is None:
        return False
    old_text = scope.changes.base_text(path)
    if old_text is None or migration.load_error is not None:
        return True
    from aerich_lint import file_stages as files
    from aerich_lint.sources import source_for

    source = source_for(kind)
    old = source.open(migration.path, migration.app)
    old.text = old_text
    info = files.load(old, source)
    if old.load_error is not None or (info is not None and UPGRADE in info.needs_exec):
        return old_text != migration.text
    files.finish(old, dialect)
    return _normalised(old) != _normalised(migration)
