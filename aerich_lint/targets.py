"""Which server version the migrations will run on: version-dependent rules ask.

``target-version = "postgres:16"`` in ``[tool.aerich-lint]`` (or a list, one per
engine), ``--target-version mariadb:10.6`` on the command line. MySQL-dialect apps
run on MySQL unless a MariaDB target is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aerich_lint.dialects import SPECS, spec
from aerich_lint.model import Dialect

# Each dialect's engines (aerich_lint/dialects/): the names, their default versions
# and their other spellings.
ENGINES = tuple(e.name for s in SPECS for e in s.engines)
DEFAULTS: dict[str, tuple[int, ...]] = {e.name: e.default for s in SPECS for e in s.engines}
_ALIASES = {a: e.name for s in SPECS for e in s.engines for a in e.aliases}
_SPEC = re.compile(r"^(?P<engine>[a-z]+)\s*[:@ ]\s*(?P<version>\d+(?:\.\d+){0,2})$")


@dataclass(frozen=True)
class Target:
    engine: str  # postgres, mysql, mariadb, sqlite
    version: tuple[int, ...]

    def at_least(self, *version: int) -> bool:
        return self.version >= version

    def __str__(self) -> str:
        return f"{self.engine} {'.'.join(map(str, self.version))}"


def parse_target(spec: str) -> Target:
    """``postgres:16``, ``mysql:5.7``, ``mariadb:10.5.2``; raises ValueError."""
    match = _SPEC.match(spec.strip().lower())
    if match is None or match.group("engine") not in {*ENGINES, *_ALIASES}:
        raise ValueError(
            f"invalid target version {spec!r} (expected ENGINE:VERSION, ENGINE one of "
            f"{', '.join(ENGINES)}, e.g. postgres:16)"
        )
    engine = _ALIASES.get(match.group("engine"), match.group("engine"))
    return Target(engine, tuple(int(p) for p in match.group("version").split(".")))


def target_for(dialect: Dialect, configured: list[Target]) -> Target:
    """The configured target of the dialect's engines, a variant (MariaDB) before the
    default engine (MySQL); the default engine at its default version otherwise."""
    by_engine = {t.engine: t for t in configured}
    default, *variants = spec(dialect).engines
    for engine in variants:
        if engine.name in by_engine:
            return by_engine[engine.name]
    return by_engine.get(default.name, Target(default.name, default.default))
