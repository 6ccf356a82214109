"""Find the app folders (each one ordered migration history) that the given paths name.

A path may be a project root (its Aerich config says where migrations live), a
migrations folder holding app folders, one app folder, or single migration
files (what pre-commit passes: their whole app folder is loaded for context and
only they are reported).
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from aerich_lint.config import Project, find_pyproject, load_project

MIGRATION_SUFFIXES = (".py", ".sql", ".json")
# Files aerich itself keeps in an app's migrations folder that are not migrations:
# aerich 0.1-0.3 wrote the models as they were at the last migration to old_models.py.
AERICH_OWN_FILES = frozenset({"old_models.py"})
_VERSIONED = re.compile(r"^(\d+)_")
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".venv",
    "venv",
    "env",
    ".env",
    "node_modules",
    "site-packages",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".aerich_lint_cache",
    "build",
    "dist",
}


@dataclass
class AppSource:
    name: str
    folder: Path
    project: Project
    files: list[Path] = field(default_factory=list)
    reported: set[str] | None = None  # file names; None: report every file
    kind: str = "aerich"  # the migration system (see aerich_lint.sources)

    def is_reported(self, path: Path) -> bool:
        return self.reported is None or path.name in self.reported


@dataclass
class Discovery:
    apps: list[AppSource] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each; exit code 2
    warnings: list[str] = field(default_factory=list)


def version_of(path: Path) -> int | None:
    match = _VERSIONED.match(path.name)
    return int(match.group(1)) if match else None


def sort_key(path: Path) -> tuple[int, int, str]:
    """Aerich's order: the number before the first underscore, numerically."""
    version = version_of(path)
    return (0 if version is not None else 1, version or 0, path.name)


def is_candidate(path: Path) -> bool:
    return is_migration_name(path, versioned=False) and path.is_file()


def is_migration_name(path: Path, versioned: bool = True) -> bool:
    """Is this the name of a file aerich reads as a migration (versioned: whose name
    starts with its version number)? From the name alone: the file may be gone."""
    name = path.name
    return (
        path.suffix in MIGRATION_SUFFIXES
        and not name.startswith((".", "_"))
        and name not in AERICH_OWN_FILES
        and (not versioned or version_of(path) is not None)
    )


def migration_files(folder: Path) -> list[Path]:
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    return sorted((p for p in entries if is_candidate(p)), key=sort_key)


def is_app_folder(folder: Path) -> bool:
    return any(version_of(p) is not None for p in migration_files(folder))


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def _app_folders_in(folder: Path) -> list[Path]:
    """App folders directly below a migrations folder."""
    return [d for d in _subfolders(folder) if is_app_folder(d)]


def _location_regex(location: str) -> re.Pattern[str]:
    location = location.removeprefix("./").rstrip("/")
    return re.compile("^" + re.escape(location).replace(re.escape("{app}"), "(?P<app>[^/]+)") + "$")


def _from_aerich_location(project: Project) -> list[tuple[str, Path]]:
    if project.aerich is None:
        return []
    location = project.aerich.location
    if "{app}" in location:
        regex = _location_regex(location)
        pattern = location.removeprefix("./").rstrip("/").replace("{app}", "*")
        found = []
        for match in sorted(project.root.glob(pattern)):
            m = regex.match(match.relative_to(project.root).as_posix())
            if match.is_dir() and m:
                found.append((m.group("app"), match))
        return found
    base = (project.root / location).resolve()
    return [(d.name, d) for d in _app_folders_in(base)]


def app_name(folder: Path, project: Project) -> str:
    """The app a folder belongs to: ``{app}`` in Aerich's location, else the folder name."""
    resolved = folder.resolve()
    if project.aerich is not None and "{app}" in project.aerich.location:
        try:
            rel = resolved.relative_to(project.root.resolve()).as_posix()
        except ValueError:
            rel = ""
        m = _location_regex(project.aerich.location).match(rel)
        if m:
            return m.group("app")
    return resolved.name


def _walk_for_migrations(root: Path) -> list[Path]:
    """Folders named ``migrations`` below root, without following symlinks."""
    found: list[Path] = []
    for dirpath, dirnames, _ in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        if os.path.basename(dirpath) == "migrations":
            found.append(Path(dirpath))
            dirnames[:] = []
    return found


class _Collector:
    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path
        self.projects: dict[Path | None, Project] = {}
        self.labels: dict[int, dict[Path, str]] = {}  # per project: see config_labels
        self.apps: dict[Path, AppSource] = {}
        self.result = Discovery()

    def project_for(self, path: Path) -> Project:
        pyproject = self.config_path or find_pyproject(path.resolve())
        if pyproject not in self.projects:
            self.projects[pyproject] = load_project(pyproject, Path.cwd())
        return self.projects[pyproject]

    def add_app(self, folder: Path, project: Project, only: Path | None = None) -> None:
        """``project`` is the one of the path given; the app's own (nearest
        pyproject.toml to the folder) wins when it is deeper."""
        key = folder.resolve()
        app = self.apps.get(key)
        if app is None:
            project = self.project_for(folder)
            app = AppSource(
                name=app_name(folder, project), folder=folder, project=project, reported=set()
            )
            files = migration_files(folder)
            native = [f for f in files if _is_native_name(f)]
            if native and _is_native_file(native[0]):
                # (prepare puts them in the order of their dependency graph)
                app.kind, app.files = "native", native
                if id(project) not in self.labels:
                    self.labels[id(project)] = config_labels(project)
                app.name = self.labels[id(project)].get(key) or native_label(folder)
            else:
                app.files = files
            self.apps[key] = app
        if only is None:
            app.reported = None
        elif app.reported is not None:
            app.reported.add(only.name)
            if app.kind == "aerich" and all(f.name != only.name for f in app.files):
                # Named explicitly although aerich would not pick it up: lint it anyway.
                app.files = sorted([*app.files, app.folder / only.name], key=sort_key)

    def add_path(self, raw: str) -> None:
        path = Path(raw)
        if not path.exists():
            if path.is_symlink():
                self.result.errors.append(f"{raw}: broken symbolic link")
            else:
                self.result.errors.append(f"{raw}: no such file or directory")
            return
        project = self.project_for(path)
        if path.is_file():
            if (
                path.suffix not in MIGRATION_SUFFIXES
                or path.name.startswith("__init__")
                or path.name in AERICH_OWN_FILES
            ):
                return  # pre-commit may pass helpers such as __init__.py: not migrations
            self.add_app(path.parent, project, only=path)
            return
        if is_app_folder(path):
            self.add_app(path, project)
            return
        apps = _app_folders_in(path)
        if apps:
            for folder in apps:
                self.add_app(folder, project)
            return
        if project.aerich is not None and _is_within(project.root, path):
            located = _from_aerich_location(project)
            if located:
                for _, folder in located:
                    self.add_app(_relative_to_cwd(folder), project)
                return
        for migrations in _walk_for_migrations(path):
            if is_native_folder(migrations):
                self.add_app(migrations, project)
                continue
            for folder in _app_folders_in(migrations):
                self.add_app(folder, project)
        if not any(_is_within(path, a.folder) for a in self.apps.values()):
            self.result.warnings.append(
                f"{raw}: no migrations found (aerich's or Tortoise ORM's native ones)"
            )


def _is_within(parent: Path, child: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def _relative_to_cwd(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def discover(paths: list[str], config_path: Path | None = None) -> Discovery:
    collector = _Collector(config_path)
    for raw in paths or ["."]:
        collector.add_path(raw)
    for app in collector.apps.values():
        # `exclude` in [tool.aerich-lint]: gone before any stage sees the app.
        project = app.project
        app.files = [f for f in app.files if not matches_any(f, project.lint.exclude, project.root)]
    collector.result.apps = list(collector.apps.values())
    return collector.result


def matches_any(path: Path, patterns: list[str], root: Path) -> list[str]:
    """The glob patterns (relative to the project root) that match a path."""
    if not patterns:
        return []
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    hits = []
    for pattern in patterns:
        pat = pattern.lstrip("./") if pattern.startswith("./") else pattern
        if (
            fnmatch.fnmatch(rel, pat)
            or fnmatch.fnmatch(path.name, pat)
            or fnmatch.fnmatch(rel, pat.rstrip("/") + "/*")
            or fnmatch.fnmatch(rel, "*/" + pat)
        ):
            hits.append(pattern)
    return hits


# -- Tortoise ORM's native migrations: which folders hold them (sources/native.py reads
# them). Told apart from aerich's by the AST, never by the name alone: both are
# ``<number>_<name>.py``.

# tortoise's ``0001_name.py`` (aerich's are ``<version>_<timestamp>_<name>.py``)
NATIVE_NAME = re.compile(r"^(\d+)_(\w+)\.py$")
_MIGRATION_BASES = ("Migration",)  # migrations.Migration, tortoise.migrations.Migration


def migration_class(tree: ast.Module) -> ast.ClassDef | None:
    """The module's ``class Migration(<...>.Migration)`` holding ``operations``."""
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name != "Migration":
            continue
        bases = [dotted(b) for b in node.bases]
        if any(b is not None and b.rsplit(".", 1)[-1] in _MIGRATION_BASES for b in bases):
            return node
    return None


def is_native(text: str) -> bool:
    """Is this Python text a tortoise native migration (not an aerich one)? A native
    file defines ``class Migration(migrations.Migration)`` and no ``upgrade()``."""
    if "Migration" not in text:
        return False
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    has_upgrade = any(
        isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "upgrade"
        for n in tree.body
    )
    return not has_upgrade and migration_class(tree) is not None


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head is not None else None
    return None


def native_version(path: Path) -> int | None:
    match = NATIVE_NAME.match(path.name)
    return int(match.group(1)) if match else None


def is_native_folder(folder: Path) -> bool:
    """A package of tortoise native migrations: numbered files, the first of which is a
    native migration (an aerich folder's files are never ``class Migration``)."""
    files = native_files(folder)
    return bool(files) and _is_native_file(files[0])


def _is_native_file(path: Path) -> bool:
    try:
        if path.stat().st_size > MAX_SNIFF:
            return False  # (loading reports a file that large)
        return is_native(path.read_text(encoding="utf-8-sig", errors="replace"))
    except OSError:
        return False


def _is_native_name(path: Path) -> bool:
    """A module tortoise's loader imports (``*.py``, not ``_`` or ``~``), numbered."""
    return path.suffix == ".py" and path.name[0] not in "_~" and bool(NATIVE_NAME.match(path.name))


MAX_SNIFF = 20 * 1024 * 1024  # the loader's limit for a migration file


def native_files(folder: Path) -> list[Path]:
    """The modules tortoise's loader imports: ``*.py`` not starting with ``_`` or ``~``,
    here the numbered ones."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries if _is_native_name(p))


def config_labels(project: Project) -> dict[Path, str]:
    """{native migrations folder: app label} as the project's Tortoise config names them
    (``"apps": {"models": {"migrations": "shop.migrations"}}``), read from the config
    module's source, never imported: only an ``apps`` dict written out in it counts.
    Empty when there is no config or it is built at run time."""
    target = project.aerich.tortoise_orm if project.aerich is not None else ""
    if not target or "." not in target:
        return {}
    return _config_labels(target, [Path(p) for p in project.import_paths()])


def _config_labels(target: str, paths: list[Path]) -> dict[Path, str]:
    module, _, name = target.rpartition(".")
    source = module_file(module, paths)
    if source is None:
        return {}
    try:
        tree = ast.parse(source.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
        return {}
    config = None
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
            and isinstance(stmt.value, ast.Dict)
        ):
            config = stmt.value
    apps = _entry(config, "apps") if config is not None else None
    out: dict[Path, str] = {}
    if not isinstance(apps, ast.Dict):
        return out
    for label, entry in zip(apps.keys, apps.values, strict=True):
        migrations = _entry(entry, "migrations") if isinstance(entry, ast.Dict) else None
        if (
            isinstance(label, ast.Constant)
            and isinstance(label.value, str)
            and isinstance(migrations, ast.Constant)
            and isinstance(migrations.value, str)
        ):
            package = module_file(migrations.value, paths, package=True)
            if package is not None:
                out[package.parent.resolve()] = label.value
    return out


def _entry(node: ast.Dict, key: str) -> ast.expr | None:
    for k, v in zip(node.keys, node.values, strict=True):
        if isinstance(k, ast.Constant) and k.value == key:
            return v
    return None


def module_file(module: str, paths: list[Path], package: bool = False) -> Path | None:
    """Where ``module`` would be imported from (its ``.py``, or a package's
    ``__init__.py``), along the project's import paths; nothing is imported."""
    parts = module.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    for base in paths:
        folder = base.joinpath(*parts)
        init = folder / "__init__.py"
        if init.is_file():
            return init
        if package and folder.is_dir():
            return init  # a namespace package: its folder is what counts
        if not package and folder.with_suffix(".py").is_file():
            return folder.with_suffix(".py")
    return None


def class_assignment(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """(name, value) of ``name = value`` (or ``name: T = value``) in a class body."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return None, None
    return (target.id, value) if isinstance(target, ast.Name) else (None, None)


def literal(node: ast.expr) -> object:
    """The value of a literal expression, else None (nothing is evaluated)."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def dependency_pairs(node: ast.expr) -> list[tuple[str, str]]:
    """``[("app", "0001_initial"), ...]`` as written in ``dependencies``/``run_before``."""
    value = literal(node)
    if not isinstance(value, (list, tuple)):
        return []
    return [
        (str(p[0]), str(p[1]))
        for p in value
        if isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(x, str) for x in p)
    ]


def native_label(folder: Path) -> str:
    """The app label a native package's files give each other in ``dependencies``;
    else the package's name, or its parent's when it is called ``migrations``
    (``shop/migrations``: shop)."""
    votes: dict[str, int] = {}
    names = {p.stem for p in native_files(folder)}
    for path in native_files(folder):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8-sig", errors="replace"))
        except (OSError, SyntaxError, ValueError, RecursionError):
            continue
        cls = migration_class(tree)
        for stmt in cls.body if cls is not None else []:
            name, value = class_assignment(stmt)
            if name == "dependencies" and value is not None:
                for label, parent in dependency_pairs(value):
                    if parent in names:
                        votes[label] = votes.get(label, 0) + 1
    if votes:
        return max(sorted(votes), key=lambda label: votes[label])
    resolved = folder.resolve()
    return resolved.parent.name if resolved.name == "migrations" else resolved.name
