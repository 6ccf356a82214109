"""``aerich-lint verify``: prove upgrades and downgrades run, on a real database.

database (the scratch database) -> execute (one section as aerich runs it; the
migration's Python in a sandboxed child, ``_child``, its SQL vetted by ``guard``) ->
introspect (schema snapshots) / rows (synthetic data) / locks (PostgreSQL) ->
run (the replay, findings). Imported only by the verify command: it needs
tortoise-orm and a database driver, which the static check never loads. The names
below are loaded on first use, so that the sandboxed child, which imports
``verify.wire`` and ``verify._child``, does not load the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aerich_lint.verify.run import DEFAULT_URL, VerifyOptions, VerifyResult, run_verify

__all__ = ["DEFAULT_URL", "VerifyOptions", "VerifyResult", "run_verify"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from aerich_lint.verify import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
