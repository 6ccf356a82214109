"""``aerich-lint status``: what ``aerich upgrade`` would do to a live database.

connect (one read-only session) -> run (the aerich / tortoise migrations table, the
catalog, sizes; findings) -> compare (recorded models, the schema against the
replay) / sizes (rows and bytes of what pending statements drop or lock) -> render
(the per-app summary under the findings). The only command besides verify that
connects to a database, and the only one that reads a database the user did not
create for it: it never writes (see ``connect``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aerich_lint.status.run import StatusOptions, StatusResult, export_stats, run_status

__all__ = ["StatusOptions", "StatusResult", "export_stats", "run_status"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from aerich_lint.status import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
