"""The review as a format of ``check``: ``--format markdown`` (see ``review.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aerich_lint.options import Result


class MarkdownReporter:
    def render(self, result: Result, color: bool) -> str:
        from aerich_lint.report.review import render

        return render(result)
