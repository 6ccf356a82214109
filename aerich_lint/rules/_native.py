"""What the native rules share: the app's migrations read statically and its graph,
computed once per app folder and run (the files are small; the graph is the app's)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint.rules.base import Context

if TYPE_CHECKING:
    from aerich_lint.sources.native import Graph, NativeFile

# (sources.native is imported when a native migration is checked: never for aerich's)


def native_file(ctx: Context) -> NativeFile:
    """The checked migration, read statically (once per check of the file)."""
    from aerich_lint.sources.native import read_native

    key = "native:file"
    if key not in ctx.shared:
        ctx.shared[key] = read_native(ctx.migration.text)
    found: NativeFile = ctx.shared[key]
    return found


def app_graph(ctx: Context) -> tuple[str, Graph]:
    """The app label and its migrations' graph."""
    files = tuple(p for p in ctx.app.files if p.suffix == ".py")
    return _graph(files, ctx.migration.app)


@cache
def _graph(files: tuple[Path, ...], label: str) -> tuple[str, Graph]:
    from aerich_lint.sources.native import read_app

    return read_app(files, label)
