"""A cache of loaded and parsed migrations, keyed by each file's content.

What a file's SQL *is* and *does* (statements, positions, effects, suppression
comments, Python facts) depends only on its bytes, the dialect and this
program; rules and configuration are applied fresh on every run. So a warm run
reads JSON instead of parsing, and never imports sqlglot.

- Never trusted from the checkout: in a pull-request check the tree is a
  stranger's, so nothing in it may change a verdict. The cache lives in the user
  cache folder (one subfolder per project), and every file it reads carries an
  HMAC-SHA256 over its name and content, made with a random key kept in the user
  cache folder only (never in a project, never under AERICH_LINT_CACHE_DIR). A
  forged, edited, moved or unsigned file is a miss, recomputed and rewritten;
  without a key (read-only home) the run is simply uncached.
- Never stale: the folder name carries aerich-lint's version and a fingerprint
  of its source files and of sqlglot's version; entries are keyed by sha256.
- Safe when runs share it: each file is replaced atomically.
- JSON, not pickle: even a signed file must not be able to run code.
- Files whose SQL is built by executing them are not cached (their output may
  depend on other modules).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

from aerich_lint import __version__, codec
from aerich_lint.model import (
    Finding,
    Migration,
    Severity,
)

FORMAT = 5  # 5: signed entries, kept outside the project
ENV_DIR = "AERICH_LINT_CACHE_DIR"
ENV_OFF = "AERICH_LINT_NO_CACHE"
KEY_FILE = "cache.key"  # in platform_dir(): the one secret the cache relies on


@cache
def fingerprint() -> str:
    """aerich-lint's version, its source files' state and the installed files of the
    parsers whose verdicts it stores: sqlglot (its compiled build included) and pglast, the
    judge of valid PostgreSQL (found without importing them: warm runs load neither)."""
    from importlib.util import find_spec

    package = Path(__file__).parent
    stamps = sorted(
        f"{p.relative_to(package)}:{p.stat().st_mtime_ns}:{p.stat().st_size}"
        for p in package.rglob("*.py")
    )
    parsers = [_installed(find_spec(name)) for name in ("sqlglot", "pglast")]
    raw = "\n".join([__version__, *parsers, sys.version, str(FORMAT), *stamps])
    return f"{__version__}-{hashlib.sha256(raw.encode()).hexdigest()[:16]}"


def _installed(spec: ModuleSpec | None) -> str:
    """A parser's version and compiled parts by their stamps; "?" when it is absent."""
    if spec is None or not spec.origin:
        return "?"
    installed = Path(spec.origin).parent
    return ";".join(
        f"{p.name}:{p.stat().st_mtime_ns}:{p.stat().st_size}"
        for p in sorted(installed.glob("_version.py")) + sorted(installed.glob("*.so"))
    ) or str(installed)


def platform_dir() -> Path:
    """The user's own cache folder (never part of a checkout): ``$XDG_CACHE_HOME``
    when set, on any platform (as pre-commit does), else the platform's."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        base = Path(xdg)
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path.home() / ".cache"
    return base / "aerich-lint"


def cache_root(project_root: Path | None, has_pyproject: bool) -> Path:
    """``AERICH_LINT_CACHE_DIR``, else the project's own subfolder of platform_dir()
    (its folder name and a hash of its resolved path); outside a project, a shared one."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    if project_root is None or not has_pyproject:
        return platform_dir() / "default"
    root = project_root.resolve()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", root.name)[:40].strip("._") or "project"
    return (
        platform_dir()
        / f"{name}-{hashlib.sha256(str(root).encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
    )


def signing_key(untrusted: list[Path]) -> bytes | None:
    """The key every cache file is signed with, made on first use; None (no cache)
    when it cannot be made or read, or when it lies inside one of the ``untrusted``
    folders (a CI that keeps its cache folders in the checkout: there the key would
    be the stranger's)."""
    path = platform_dir() / KEY_FILE
    try:
        resolved = path.resolve()
        if any(resolved.is_relative_to(folder.resolve()) for folder in untrusted):
            return None
    except (OSError, RuntimeError):
        return None
    return _key_at(str(path))


def checkout_of(folder: Path) -> Path | None:
    """The git work tree holding ``folder`` (its nearest ancestor with a .git)."""
    with contextlib.suppress(OSError, RuntimeError):
        for parent in (folder, *folder.parents):
            if (parent / ".git").exists():
                return parent
    return None


_KEY_BYTES = 32


@cache
def _key_at(location: str) -> bytes | None:
    path = Path(location)
    try:
        found, key = _read_key(path)
        if key is not None:
            return key
        return _make_key(path, replace=found)
    except OSError:
        return None  # e.g. a read-only home: the run is uncached, silently


def _read_key(path: Path) -> tuple[bool, bytes | None]:
    """(whether a file is there, the key if it is one that only this user can read)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return False, None
    except OSError:
        return True, None  # a symbolic link, a folder...: replaced
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        raw = fh.read(4 * _KEY_BYTES)
    if os.name != "nt" and (info.st_uid != os.getuid() or info.st_mode & 0o077):
        return True, None  # others may read (or wrote) it: not a secret
    try:
        key = bytes.fromhex(raw.decode("ascii"))
    except ValueError:
        return True, None
    return True, key if len(key) == _KEY_BYTES else None


def _make_key(path: Path, replace: bool) -> bytes | None:
    """A new random key, written to a private temporary file (mkstemp: O_CREAT|O_EXCL,
    mode 0600) that then appears whole under its name: hard-linked when there was no
    key (so two runs that race both end up with the first one's), renamed over an
    unusable one. Also forgets the cache versions stored before keys existed."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = os.urandom(_KEY_BYTES)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return _read_key(path)[1]  # another run made it first
            except OSError:  # no hard links here: create it in place
                _create_key_file(path, key)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    if not replace:
        _forget_versions_in(path.parent)  # format 4 kept its versions here
    return key


def _create_key_file(path: Path, key: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.hex().encode() + b"\n")


class AppCache:
    """One app folder's view of the cache (for one dialect).

    - ``files/<dialect>/<sha256>.json``: one loaded and parsed file, by content (shared
      by every app of the project; written once, never changed);
    - ``<app>.results.json``: the app's findings from its last full run, with the key
      of everything they depend on;
    - ``<app>.states.json`` and ``states/<key>.json``: a few replay states (the schema
      before a file), so that a run on one changed file restores and replays only from
      there.

    Each file is its HMAC (hex), a newline, then its JSON; the HMAC covers the file's
    path in the cache too, so an entry copied to another name does not verify.
    """

    def __init__(self, root: Path, folder: Path, dialect: str, key: bytes) -> None:
        app = hashlib.sha256(
            f"{folder.resolve()}|{dialect}".encode("utf-8", "surrogatepass")
        ).hexdigest()[:24]
        self.root = root
        self.base = root / fingerprint()
        self.files = self.base / "files" / dialect
        self.results_path = self.base / f"{app}.results.json"
        self.states_path = self.base / f"{app}.states.json"
        self.dialect = dialect
        self.key = key
        self.fresh: dict[str, Migration] = {}  # parsed in this run, written at save()
        self.fresh_if_derived: dict[str, Migration] = {}  # restored; re-saved if rules added

    @classmethod
    def open(
        cls, project_root: Path | None, has_pyproject: bool, folder: Path, dialect: str
    ) -> AppCache | None:
        """The app's cache, or None when there is no key to check entries with."""
        # The key must not be in what the checkout controls: its work tree, the project.
        untrusted = [project_root] if project_root is not None and has_pyproject else []
        checkout = checkout_of(folder.resolve())
        if checkout is not None:
            untrusted.append(checkout)
        key = signing_key(untrusted)
        if key is None:
            return None
        return cls(cache_root(project_root, has_pyproject), folder, dialect, key)

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def restore(self, digest: str, migration: Migration) -> bool:
        entry = self._read(self.files / f"{digest}.json")
        if not isinstance(entry, dict) or entry.get("cache_format") != FORMAT:
            return False
        try:
            codec.decode(entry, migration)
        except (KeyError, TypeError, ValueError):
            return False
        if entry.get("state_tables") is None and migration.models_state_raw is not None:
            self.fresh_if_derived[digest] = migration
        return True

    def store(self, digest: str, migration: Migration) -> None:
        self.fresh[digest] = migration

    def save(self) -> None:
        """Write the files parsed in this run. Called after the rules ran, so what
        they derived from a file's content alone (the tables its MODELS_STATE
        describes) is kept too."""
        for digest, migration in self.fresh_if_derived.items():
            if migration.state_tables is not None:
                self.fresh[digest] = migration
        for digest, migration in self.fresh.items():
            entry = codec.encode(migration)
            entry["cache_format"] = FORMAT
            self._write(self.files / f"{digest}.json", entry)

    # -- signed files -------------------------------------------------------------------

    def _mac(self, path: Path, data: bytes) -> bytes:
        """What the file at ``path`` must start with: binds its content to its name."""
        mac = hmac.new(
            self.key,
            path.relative_to(self.root).as_posix().encode("utf-8", "surrogatepass"),
            "sha256",
        )
        mac.update(b"\0")
        mac.update(data)
        return mac.hexdigest().encode()

    def _payload(self, path: Path) -> bytes | None:
        """The JSON of a cache file whose signature verifies, else None."""
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        mac, newline, data = raw.partition(b"\n")
        if not newline or not hmac.compare_digest(mac, self._mac(path, data)):
            return None
        return data

    def _read(self, path: Path) -> Any:
        data = self._payload(path)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def _write(self, path: Path, data: Any) -> None:
        """Every write goes through here: the first one of a new cache version
        removes the old versions' folders and gives the cache root its .gitignore."""
        if not self.base.is_dir():
            _forget_other_versions(self.base)
            try:
                self.base.mkdir(parents=True, exist_ok=True)
                gitignore = self.base.parent / ".gitignore"
                if not gitignore.exists():
                    gitignore.write_text("*\n", encoding="utf-8")
            except OSError:
                return  # an unwritable cache folder just means an uncached run
        # dumps, not dump: only the one-shot encoder is the C one (10x faster)
        encoded = json.dumps(data, separators=(",", ":")).encode()
        _write_bytes(path, self._mac(path, encoded) + b"\n" + encoded)

    # -- other stored answers (a project's native migrations' SQL) --------------------

    def read_entry(self, name: str) -> Any:
        """The JSON stored under ``entries/<name>.json`` if its signature verifies."""
        return self._read(self.base / "entries" / f"{name}.json")

    def write_entry(self, name: str, data: Any) -> None:
        self._write(self.base / "entries" / f"{name}.json", data)

    # -- replay states ----------------------------------------------------------------

    def load_state(self, key: str, dialect: Any) -> Any:
        """The history.State stored under ``key``, or None."""
        data = self._read(self.base / "states" / f"{key}.json")
        if not isinstance(data, dict):
            return None
        try:
            return decode_state(data, dialect)
        except (KeyError, TypeError, ValueError):
            return None

    def save_states(self, states: dict[str, Any]) -> None:
        """Write the states not stored yet (or not validly); the app keeps its most
        recent few."""
        folder = self.base / "states"
        new = [key for key in states if self._payload(folder / f"{key}.json") is None]
        if not new:
            return
        for key in new:
            self._write(folder / f"{key}.json", encode_state(states[key]))
        recent = self._read(self.states_path)
        if not isinstance(recent, list) or not all(isinstance(k, str) for k in recent):
            recent = []
        keys = list(dict.fromkeys(new + recent))
        for old in keys[_MAX_STATES:]:
            with contextlib.suppress(OSError, ValueError):
                (folder / f"{old}.json").unlink()
        self._write(self.states_path, keys[:_MAX_STATES])

    # -- the findings of a whole app, for a run where nothing changed ------------------

    def load_results(self, key: str, folder: Path) -> list[Finding] | None:
        """The findings stored under ``key`` (every file's, with paths in ``folder``),
        or None."""
        data = self._read(self.results_path)
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        paths: dict[str, Path] = {}
        try:
            return [_finding(row, folder, paths) for row in data["findings"]]
        except (KeyError, TypeError, ValueError):
            return None

    def save_results(self, key: str, findings: list[Finding]) -> None:
        rows = [_finding_row(f) for f in findings]
        self._write(self.results_path, {"key": key, "findings": rows})


_MAX_STATES = 8  # per app: a state is a whole schema
_VERSION_DIR = re.compile(r"^\d[\w.+]*-[0-9a-f]{16}$")


def _forget_other_versions(base: Path) -> None:
    """A new aerich-lint (or sqlglot) starts a new folder: delete the old ones."""
    _forget_versions_in(base.parent, keep=base)


def _forget_versions_in(folder: Path, keep: Path | None = None) -> None:
    try:
        children = list(folder.iterdir())
    except OSError:
        return
    for path in children:
        if path != keep and _VERSION_DIR.match(path.name) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def encode_state(state: Any) -> dict[str, Any]:
    """A history.State as JSON-able data."""
    schema, known = state.schema, state.known
    tables = [
        [
            t.name,
            [codec.value(c) for c in t.columns.values()],
            [[k, codec.value(c)] for k, c in t.constraints.items()],
        ]
        for t in schema.tables.values()
    ]
    indexes = [
        [k, ix.name, ix.table, list(ix.columns), ix.unique, ix.declared]
        for k, ix in schema.indexes.items()
    ]
    return {
        "tables": tables,
        "indexes": indexes,
        "functions": [codec.value(f) for f in schema.functions.values()],
        "known": [
            sorted(known.tables),
            sorted(known.indexes),
            sorted(known.constraints),
            known.complete,
        ],
        "reliable": state.reliable,
    }


def decode_state(data: dict[str, Any], dialect: Any) -> Any:
    from aerich_lint.history import State
    from aerich_lint.history.schema import Index, Known, Schema, Table

    schema = Schema(dialect)
    for name, columns, constraints in data["tables"]:
        table = Table(name)
        for raw in columns:
            column = codec.obj(raw)
            table.columns[column.name] = column
        for key, raw in constraints:
            table.constraints[key] = codec.obj(raw)
        schema.tables[name] = table
    for key, name, table_name, columns, unique, declared in data["indexes"]:
        schema.indexes[key] = Index(name, table_name, tuple(columns), unique, declared)
    for raw in data.get("functions", []):
        function = codec.obj(raw)
        schema.functions[function.name] = function
    tables, indexes, constraints, complete = data["known"]
    known = Known(set(tables), set(indexes), set(constraints), complete)
    return State(schema, known, bool(data["reliable"]))


def cache_key(*parts: Any) -> str:
    """A key made of everything a stored result depends on, besides aerich-lint itself
    (an app's findings: its files, dialect and policy; a replay state: the files
    before it)."""
    raw = json.dumps([fingerprint(), FORMAT, *parts], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


_FINDING_FIELDS = (
    "rule", "code", "line", "column", "app", "migration", "version", "section",
    "statement", "message", "fix",
)  # fmt: skip


def _finding_row(f: Finding) -> list[Any]:
    # The path is stored as the file's name: the display path depends on the cwd.
    return [f.path.name, f.severity.label, *[getattr(f, name) for name in _FINDING_FIELDS]]


_SEVERITIES = {s.label: s for s in Severity}


def _finding(row: list[Any], folder: Path, paths: dict[str, Path]) -> Finding:
    name, severity, *rest = row
    path = paths.get(name)
    if path is None:
        path = paths[name] = folder / name
    fields = dict(zip(_FINDING_FIELDS, rest, strict=True))
    return Finding(path=path, severity=_SEVERITIES[severity], **fields)


def _write_bytes(path: Path, data: bytes) -> None:
    """Atomic replace: a run reading the file sees the old or the new one whole."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass  # an unwritable cache folder just means an uncached run
